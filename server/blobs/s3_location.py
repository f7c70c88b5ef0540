"""``s3://`` URLs: where a bucket lives and how to address it.

One syntax serves the media store (``blob_url``) and the Litestream replica (``replicate_url``)::

    s3://BUCKET[/PREFIX]?endpoint=http://HOST:PORT&region=…&addressing=path|virtual
                        &serve=presigned|redirect|proxy&public_endpoint=https://media.example.com

Credentials never appear in the URL (it is logged and shown by ``photoshare settings``); they come
from the ``s3_access_key`` / ``s3_secret_key`` settings or, on AWS, the usual environment and
instance-role credentials.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import parse_qs, quote, urlsplit

DEFAULT_REGION = "us-east-1"  # what MinIO, SeaweedFS and moto answer to when no region is configured
ADDRESSING_STYLES = ("path", "virtual")
# How clients get a variant's bytes: a presigned GET (works on every store, bucket stays private),
# a plain URL under a public-read policy on the variants prefix, or proxied by the server.
SERVE_MODES = ("presigned", "redirect", "proxy")
DEFAULT_SERVE_MODE = "presigned"
_KNOWN_PARAMS = {"endpoint", "region", "addressing", "serve", "public_endpoint"}


class S3URLError(ValueError):
    pass


@dataclasses.dataclass(frozen=True)
class Endpoint:
    secure: bool
    host: str  # host[:port]

    @property
    def scheme(self) -> str:
        return "https" if self.secure else "http"

    @property
    def is_aws(self) -> bool:
        return self.host.split(":")[0].endswith(".amazonaws.com")


def parse_endpoint(text: str, what: str = "endpoint") -> Endpoint:
    parts = urlsplit(text if "://" in text else "https://" + text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
        raise S3URLError(f"{what} must look like http://HOST:PORT or https://HOST; got {text!r}")
    return Endpoint(secure=parts.scheme == "https", host=parts.netloc)


@dataclasses.dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or "some/folder/" (always ends with a slash when set)
    endpoint: Endpoint
    region: str
    addressing: str
    serve: str
    public_endpoint: Endpoint  # where clients reach the store (presigned and public URLs)

    def object_name(self, key: str) -> str:
        return self.prefix + key

    def object_url(self, key: str, *, public: bool = True) -> tuple[str, str, str]:
        """(scheme, host, path) of an object, as a client (public) or the server reaches it."""
        endpoint = self.public_endpoint if public else self.endpoint
        encoded = quote(self.object_name(key), safe="/-_.~")
        if self.addressing == "virtual":
            return endpoint.scheme, f"{self.bucket}.{endpoint.host}", f"/{encoded}"
        return endpoint.scheme, endpoint.host, f"/{self.bucket}/{encoded}"


def parse_s3_url(url: str) -> S3Location:
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise S3URLError(f"not an s3:// URL: {url!r}")
    bucket = parts.netloc
    if not (3 <= len(bucket) <= 63) or not all(c.islower() or c.isdigit() or c in "-." for c in bucket):
        raise S3URLError(f"bucket name {bucket!r} must be 3–63 lowercase letters, digits, dots or hyphens")
    prefix = parts.path.strip("/")
    query = {name: values[-1] for name, values in parse_qs(parts.query, keep_blank_values=True).items()}
    unknown = set(query) - _KNOWN_PARAMS
    if unknown:
        raise S3URLError(f"unknown s3:// URL parameter(s): {', '.join(sorted(unknown))}; known: {', '.join(sorted(_KNOWN_PARAMS))}")
    region = query.get("region") or DEFAULT_REGION
    if "endpoint" in query:
        endpoint = parse_endpoint(query["endpoint"])
    else:
        endpoint = Endpoint(secure=True, host=f"s3.{region}.amazonaws.com")
    # AWS is moving away from path-style requests; every other store we target wants them.
    addressing = query.get("addressing") or ("virtual" if endpoint.is_aws else "path")
    if addressing not in ADDRESSING_STYLES:
        raise S3URLError(f"addressing must be path or virtual; got {addressing!r}")
    if addressing == "virtual" and "." in bucket and endpoint.secure:
        # A dotted bucket name breaks the wildcard TLS certificate of bucket.host.
        raise S3URLError(f"bucket {bucket!r} has dots: use addressing=path with https")
    serve = query.get("serve") or DEFAULT_SERVE_MODE
    if serve not in SERVE_MODES:
        raise S3URLError(f"serve must be one of {', '.join(SERVE_MODES)}; got {serve!r}")
    public = parse_endpoint(query["public_endpoint"], "public_endpoint") if query.get("public_endpoint") else endpoint
    return S3Location(bucket=bucket, prefix=prefix + "/" if prefix else "", endpoint=endpoint, region=region,
                      addressing=addressing, serve=serve, public_endpoint=public)
