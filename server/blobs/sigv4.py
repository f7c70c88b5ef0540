"""AWS Signature Version 4 for presigned URLs (query-string authentication).

The ``minio`` client presigns with the ``host`` header only. A direct upload should also pin its
``Content-Type`` and ``Content-Length``: with those headers signed, S3, MinIO and SeaweedFS refuse a
PUT that carries another type or another number of bytes, before any byte is stored. The algorithm
is the one in AWS's "Authenticating Requests: Using Query Parameters" reference.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from urllib.parse import quote

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "s3"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"  # the body is not known when the URL is made
MAX_EXPIRES_SECONDS = 7 * 24 * 3600  # SigV4's own ceiling


def _uri_encode(text: str) -> str:
    return quote(text, safe="-_.~")


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def signing_key(secret_key: str, day: str, region: str) -> bytes:
    key = _hmac(("AWS4" + secret_key).encode(), day)
    key = _hmac(key, region)
    key = _hmac(key, SERVICE)
    return _hmac(key, "aws4_request")


def presign(
    *,
    method: str,
    scheme: str,
    host: str,
    path: str,
    region: str,
    access_key: str,
    secret_key: str,
    session_token: str | None = None,
    signed_at: dt.datetime,
    expires_seconds: int,
    headers: dict[str, str] | None = None,
) -> str:
    """A URL that performs ``method`` on ``path`` until ``signed_at + expires_seconds``.

    ``path`` must already be URI-encoded (as S3 expects it on the wire). ``headers`` become signed
    headers: the request must carry exactly these values.
    """
    if not 1 <= expires_seconds <= MAX_EXPIRES_SECONDS:
        raise ValueError(f"expires_seconds must be between 1 and {MAX_EXPIRES_SECONDS}")
    signed_at = signed_at.astimezone(dt.timezone.utc)
    amz_date = signed_at.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    scope = f"{day}/{region}/{SERVICE}/aws4_request"
    canonical_headers = {"host": host}
    for name, value in (headers or {}).items():
        canonical_headers[name.lower()] = " ".join(str(value).split())
    signed_headers = ";".join(sorted(canonical_headers))
    params = {
        "X-Amz-Algorithm": ALGORITHM,
        "X-Amz-Credential": f"{access_key}/{scope}",
        "X-Amz-Date": amz_date,
        "X-Amz-Expires": str(expires_seconds),
        "X-Amz-SignedHeaders": signed_headers,
    }
    if session_token:
        params["X-Amz-Security-Token"] = session_token
    query = "&".join(f"{_uri_encode(k)}={_uri_encode(v)}" for k, v in sorted(params.items()))
    canonical_request = "\n".join([
        method,
        path,
        query,
        "".join(f"{name}:{canonical_headers[name]}\n" for name in sorted(canonical_headers)),
        signed_headers,
        UNSIGNED_PAYLOAD,
    ])
    string_to_sign = "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()])
    signature = hmac.new(signing_key(secret_key, day, region), string_to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{scheme}://{host}{path}?{query}&X-Amz-Signature={signature}"
