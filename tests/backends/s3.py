"""An S3-API server for tests: moto's standalone server on 127.0.0.1, driven through the ``minio`` client.

No MinIO server can be installed here, so the suite runs against moto (``moto[server]``), started
once per test session in a thread. ``fresh_s3()`` yields the settings for a new, uniquely named
bucket and empties and removes it afterwards.

moto does not check presigned URLs (it accepts any signature and ignores ``X-Amz-Expires``). Real
stores do, and the direct-upload flow relies on it, so a small WSGI gate in front of moto performs
the checks AWS documents for query-string authentication: the URL has not expired, and the signature,
recomputed here with botocore's independent SigV4 implementation over the signed headers the request
actually carries, matches. Requests signed in a header (the ``minio`` client's own calls) pass through.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import threading
import uuid
from typing import Iterator
from urllib.parse import parse_qs, urlencode

ACCESS_KEY = "photoshare-test"
SECRET_KEY = "photoshare-test-secret"
PRESIGN_GATE_ENV = "PHOTOSHARE_TEST_S3_GATE"  # "0" turns the gate off, to see what moto alone accepts
SERVE_MODE_ENV = "PHOTOSHARE_TEST_S3_SERVE"  # run a whole suite with serve=redirect or serve=proxy

_server = None
_server_lock = threading.Lock()
_buckets = itertools.count(1)


def _deny(start_response, code: str, message: str):
    body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message></Error>').encode()
    start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(body)))])
    return [body]


def _expected_signature(environ, query: dict[str, str]) -> str:
    from botocore.auth import S3SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    access_key, day, region, service, _ = query["X-Amz-Credential"].split("/")
    secret = SECRET_KEY if access_key == ACCESS_KEY else ""
    raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ["PATH_INFO"]
    path = raw_path.split("?", 1)[0]
    unsigned_query = {name: value for name, value in query.items() if name != "X-Amz-Signature"}
    signed = query["X-Amz-SignedHeaders"].split(";")
    headers = {}
    for name in signed:
        if name == "host":
            headers["host"] = environ.get("HTTP_HOST", "")
        elif name == "content-type":
            headers[name] = environ.get("CONTENT_TYPE", "")
        elif name == "content-length":
            headers[name] = environ.get("CONTENT_LENGTH", "")
        else:
            headers[name] = environ.get("HTTP_" + name.upper().replace("-", "_"), "")
    url = f"http://{environ.get('HTTP_HOST', '')}{path}?{urlencode(unsigned_query)}"
    request = AWSRequest(method=environ["REQUEST_METHOD"], url=url, headers=headers)
    request.context["timestamp"] = query["X-Amz-Date"]
    auth = S3SigV4QueryAuth(Credentials(access_key, secret), service, region, expires=int(query["X-Amz-Expires"]))
    canonical = auth.canonical_request(request)
    return auth.signature(auth.string_to_sign(request, canonical), request)


class PresignGate:
    """WSGI middleware: refuse expired or tampered presigned requests, as S3 does."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        query = {name: values[-1] for name, values in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
        if "X-Amz-Signature" in query and os.environ.get(PRESIGN_GATE_ENV, "1") != "0":
            try:
                signed_at = dt.datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
                expires = int(query["X-Amz-Expires"])
                expected = _expected_signature(environ, query)
            except (KeyError, ValueError):
                return _deny(start_response, "AuthorizationQueryParametersError", "Malformed presigned URL.")
            if dt.datetime.now(dt.timezone.utc) > signed_at + dt.timedelta(seconds=expires):
                return _deny(start_response, "AccessDenied", "Request has expired")
            if expected != query["X-Amz-Signature"]:
                return _deny(start_response, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
        return self.app(environ, start_response)


def _start_server():
    from moto.server import ThreadedMotoServer
    from werkzeug.serving import make_server

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

    class S3Only(DomainDispatcherApplication):
        """Every request is for S3: moto's guess from an unsigned (presigned) request could pick another service."""

        def get_application(self, environ):
            with self.lock:
                if "s3" not in self.app_instances:
                    self.app_instances["s3"] = self.create_app("s3")
                return self.app_instances["s3"]

    class QuietHandler(MotoRequestHandler):
        def log_request(self, *args, **kwargs) -> None:  # one line per request would drown the test output
            pass

    class GatedMotoServer(ThreadedMotoServer):
        def _server_entry(self) -> None:
            app = PresignGate(S3Only(create_backend_app))
            self._server = make_server(self._ip_address, self._port, app, True, request_handler=QuietHandler)
            self._server_ready_event.set()
            self._server.serve_forever()

    server = GatedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)  # port 0: the OS picks a free one
    server.start()
    return server


def endpoint() -> str:
    """The moto server's URL, started on first use and shared by the whole test session."""
    global _server
    with _server_lock:
        if _server is None:
            try:
                _server = _start_server()
            except ImportError as exc:
                from tests.services import unavailable

                unavailable("moto (the S3 test server)", f"{exc}; install the test extra")
        host, port = _server.get_host_and_port()
    return f"http://{host}:{port}"


def admin_client():
    from minio import Minio

    return Minio(endpoint().split("://", 1)[1], access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False, region="us-east-1")


def empty_and_remove(bucket: str) -> None:
    from minio.deleteobjects import DeleteObject
    from minio.error import S3Error

    client = admin_client()
    try:
        names = [DeleteObject(item.object_name) for item in client.list_objects(bucket, recursive=True)]
        if names:
            for error in client.remove_objects(bucket, names):
                raise RuntimeError(f"could not delete {error.name}: {error.message}")
        client.remove_bucket(bucket)
    except S3Error as exc:
        if exc.code != "NoSuchBucket":
            raise


def unique_bucket() -> str:
    return f"photoshare-test-{os.getpid()}-{next(_buckets)}-{uuid.uuid4().hex[:6]}"


@contextlib.contextmanager
def fresh_s3(serve: str | None = None, prefix: str = "") -> Iterator[dict]:
    """Settings overrides for a new bucket (created by the server itself on first use)."""
    bucket = unique_bucket()
    serve = serve or os.environ.get(SERVE_MODE_ENV)
    query = f"endpoint={endpoint()}" + (f"&serve={serve}" if serve else "")
    path = f"/{prefix}" if prefix else ""
    try:
        yield {"blob_url": f"s3://{bucket}{path}?{query}", "s3_access_key": ACCESS_KEY, "s3_secret_key": SECRET_KEY}
    finally:
        empty_and_remove(bucket)
