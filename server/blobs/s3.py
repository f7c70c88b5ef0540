"""Media on an S3-compatible store (MinIO, SeaweedFS, AWS S3) through the ``minio`` client.

The ``minio`` client blocks, so every call runs on a small thread pool of its own: a burst of
uploads can neither stall the event loop nor starve the default executor the SQLite store uses.

Originals (``o/``) and staged direct uploads (``u/``) are private. Variants (``v/``) are immutable
and content-addressed; how clients fetch them is the URL's ``serve`` mode (see ``s3_location``):

- ``presigned``: /media redirects to a presigned GET. URLs are signed at the start of a fixed window,
  so every process hands out the same URL for a key during that window and browsers and CDNs can
  cache it; each stays valid for at least ``PRESIGNED_GET_MIN_VALIDITY_SECONDS``.
- ``redirect``: a public-read policy on the variants prefix and plain object URLs.
- ``proxy``: the server streams the bytes itself (when the store is not reachable by clients).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import AsyncIterator

import urllib3
from minio import Minio
from minio.credentials import ChainedProvider, EnvAWSProvider, EnvMinioProvider, IamAwsProvider, StaticProvider
from minio.error import S3Error

from ..caches import LRUCache
from . import sigv4
from .base import VARIANTS_PREFIX, BlobInfo, BlobNotFound
from .s3_location import S3Location, parse_s3_url

log = logging.getLogger(__name__)

IO_THREADS = 8  # concurrent blocking S3 calls per process; the HTTP connection pool is sized to match
CONNECT_TIMEOUT_SECONDS = 5  # a store that does not answer in 5 s is down; the health check says so
READ_TIMEOUT_SECONDS = 120  # a 100 MB video part on a slow link still finishes
HTTP_RETRIES = 3  # idempotent retries on 5xx and dropped connections, with backoff
PART_BYTES = 16 * 1024 * 1024  # multipart above this (S3's minimum part is 5 MiB); a 100 MB video is 7 parts
READ_CHUNK_BYTES = 256 * 1024
IMMUTABLE = "public, max-age=31536000, immutable"  # stored with each variant, so the store sends it too

SIGNING_WINDOW_SECONDS = 3600  # presigned GETs made in the same hour are identical, hence cacheable
PRESIGNED_GET_MIN_VALIDITY_SECONDS = 3600
PRESIGNED_GET_SECONDS = SIGNING_WINDOW_SECONDS + PRESIGNED_GET_MIN_VALIDITY_SECONDS

VARIANT_CACHE_ITEMS = 50_000  # ~100 bytes each: a few MB remembers every variant of a busy feed
# AVIF renditions arrive minutes after JPEG/WebP, so "missing" is only remembered briefly.
VARIANT_MISSING_TTL_SECONDS = 30
_MISSING_CODES = {"NoSuchKey", "NoSuchObject", "ResourceNotFound", "NotFound"}
_OWN_POLICY_SID = "PhotoSharePublicVariants"


def _credentials(access_key: str, secret_key: str):
    if access_key or secret_key:
        if not (access_key and secret_key):
            raise ValueError("set both s3_access_key and s3_secret_key (or neither, to use AWS environment or instance credentials)")
        return StaticProvider(access_key, secret_key)
    return ChainedProvider([EnvAWSProvider(), EnvMinioProvider(), IamAwsProvider()])


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class S3BlobStore:
    def __init__(self, url: str, *, access_key: str = "", secret_key: str = "") -> None:
        self.url = url
        self.location: S3Location = parse_s3_url(url)
        self.serve_mode = self.location.serve
        self._credentials = _credentials(access_key, secret_key)
        self.clock = _utc_now  # when URLs are signed; a test moves it to sign an already-expired one
        self._pool: ThreadPoolExecutor | None = None
        self._found = LRUCache(VARIANT_CACHE_ITEMS)
        self._missing = LRUCache(VARIANT_CACHE_ITEMS, ttl=VARIANT_MISSING_TTL_SECONDS)
        http = urllib3.PoolManager(
            maxsize=IO_THREADS,
            timeout=urllib3.Timeout(connect=CONNECT_TIMEOUT_SECONDS, read=READ_TIMEOUT_SECONDS),
            retries=urllib3.Retry(total=HTTP_RETRIES, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
        )
        location = self.location
        self.client = Minio(location.endpoint.host, secure=location.endpoint.secure, region=location.region,
                            credentials=self._credentials, http_client=http)
        if location.addressing == "virtual":
            self.client.enable_virtual_style_endpoint()
        else:
            self.client.disable_virtual_style_endpoint()

    # -- lifecycle -----------------------------------------------------------------------------
    async def _run(self, fn, *args, **kwargs):
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=IO_THREADS, thread_name_prefix="s3-io")
        return await asyncio.get_running_loop().run_in_executor(self._pool, lambda: fn(*args, **kwargs))

    async def open(self) -> None:
        await self._run(self._ensure_bucket)
        if self.serve_mode == "redirect":
            await self._run(self._ensure_public_variants)

    async def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, True)  # let in-flight uploads finish, off the event loop

    def _ensure_bucket(self) -> None:
        bucket = self.location.bucket
        if self.client.bucket_exists(bucket):
            return
        try:
            self.client.make_bucket(bucket, location=self.location.region)
            log.info("created bucket %s", bucket)
        except S3Error as exc:
            if exc.code != "BucketAlreadyOwnedByYou":  # another process made it a moment ago
                raise

    def _ensure_public_variants(self) -> None:
        """Allow anonymous GET on the variants prefix only, keeping any policy the operator already has."""
        resource = f"arn:aws:s3:::{self.location.bucket}/{self.location.object_name(VARIANTS_PREFIX)}*"
        try:
            policy = json.loads(self.client.get_bucket_policy(self.location.bucket))
        except S3Error as exc:
            if exc.code not in ("NoSuchBucketPolicy", "NoSuchPolicy"):
                raise
            policy = {"Version": "2012-10-17", "Statement": []}
        statements = policy.setdefault("Statement", [])
        if any(statement.get("Sid") == _OWN_POLICY_SID for statement in statements):
            return
        statements.append({"Sid": _OWN_POLICY_SID, "Effect": "Allow", "Principal": {"AWS": ["*"]},
                           "Action": ["s3:GetObject"], "Resource": [resource]})
        try:
            self.client.set_bucket_policy(self.location.bucket, json.dumps(policy))
        except S3Error as exc:
            # Some stores forbid public policies (AWS Block Public Access); the operator may allow reads another way.
            log.warning("could not make %s publicly readable (%s); allow anonymous GET there or use serve=presigned",
                        resource, exc.code)

    # -- writing -------------------------------------------------------------------------------
    def _headers_for(self, key: str) -> dict[str, str] | None:
        return {"Cache-Control": IMMUTABLE} if key.startswith(VARIANTS_PREFIX) else None

    async def put_file(self, key: str, source_path: str, content_type: str) -> None:
        # S3 acknowledges a PUT only once the object is durably stored, so this is as safe as fsync+rename.
        await self._run(self.client.fput_object, self.location.bucket, self.location.object_name(key), source_path,
                        content_type=content_type, metadata=self._headers_for(key), part_size=PART_BYTES)
        self._missing.discard(key)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        await self._run(self.client.put_object, self.location.bucket, self.location.object_name(key), io.BytesIO(data),
                        len(data), content_type=content_type, metadata=self._headers_for(key))
        self._missing.discard(key)

    # -- reading -------------------------------------------------------------------------------
    def _get(self, key: str, start: int = 0, length: int | None = None):
        try:
            return self.client.get_object(self.location.bucket, self.location.object_name(key), offset=start, length=length or 0)
        except S3Error as exc:
            if exc.code in _MISSING_CODES:
                raise BlobNotFound(key) from None
            raise

    def _fetch_sync(self, key: str, dest_path: str) -> None:
        response = self._get(key)
        try:
            with open(dest_path, "wb") as out:
                for chunk in response.stream(READ_CHUNK_BYTES):
                    out.write(chunk)
        except BaseException:
            try:
                os.unlink(dest_path)
            except OSError:
                pass
            raise
        finally:
            response.close()
            response.release_conn()

    async def fetch_to_file(self, key: str, dest_path: str) -> None:
        await self._run(self._fetch_sync, key, dest_path)

    async def read_chunks(self, key: str, start: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        response = await self._run(self._get, key, start, length)
        try:
            chunks = response.stream(READ_CHUNK_BYTES)
            while True:
                chunk = await self._run(next, chunks, None)
                if chunk is None:
                    return
                yield chunk
        finally:
            response.close()
            response.release_conn()

    def local_path(self, key: str) -> str | None:
        return None

    def _stat_sync(self, key: str) -> BlobInfo | None:
        try:
            found = self.client.stat_object(self.location.bucket, self.location.object_name(key))
        except S3Error as exc:
            if exc.code in _MISSING_CODES:
                return None
            raise
        return BlobInfo(size=found.size, etag=found.etag or "", content_type=found.content_type or "application/octet-stream")

    async def stat(self, key: str) -> BlobInfo | None:
        return await self._run(self._stat_sync, key)

    async def variant_info(self, key: str) -> BlobInfo | None:
        """Remembered per process: a found variant never changes, so /media costs no store round trip."""
        info = self._found.get(key)
        if info is not None or self._missing.get(key) is not None:
            return info
        info = await self.stat(key)
        if info is None:
            self._missing.set(key, True)
        else:
            self._found.set(key, info)
        return info

    async def exists(self, key: str) -> bool:
        return await self.stat(key) is not None

    async def delete(self, key: str) -> None:
        # S3 DELETE of a missing object already succeeds: deleting twice is fine.
        await self._run(self.client.remove_object, self.location.bucket, self.location.object_name(key))
        self._found.discard(key)

    async def ping(self) -> None:
        if not await self._run(self.client.bucket_exists, self.location.bucket):
            raise ConnectionError(f"bucket {self.location.bucket} does not exist")

    # -- multipart uploads (resumable uploads assemble their parts here) --------------------------
    async def begin_multipart(self, key: str) -> str:
        """Start an S3 multipart upload to ``key``; answers its upload id."""
        return await self._run(self.client._create_multipart_upload, self.location.bucket, self.location.object_name(key),
                               {"Content-Type": "application/octet-stream"})

    async def upload_part(self, key: str, multipart_id: str, number: int, data: bytes) -> str:
        """Store one part (every part but the last is at least 5 MiB, S3's rule); answers its ETag."""
        return await self._run(self.client._upload_part, self.location.bucket, self.location.object_name(key), data, None,
                               multipart_id, number)

    async def complete_multipart(self, key: str, multipart_id: str, parts: list[tuple[int, str]]) -> None:
        from minio.datatypes import Part

        await self._run(self.client._complete_multipart_upload, self.location.bucket, self.location.object_name(key),
                        multipart_id, [Part(number, etag) for number, etag in parts])
        self._missing.discard(key)

    async def abort_multipart(self, key: str, multipart_id: str) -> None:
        """Drop a multipart upload and its stored parts; one already gone (aborted, completed) is fine."""
        try:
            await self._run(self.client._abort_multipart_upload, self.location.bucket, self.location.object_name(key), multipart_id)
        except S3Error as exc:
            if exc.code not in ("NoSuchUpload", *_MISSING_CODES):
                raise

    async def multipart_ids(self, key: str) -> list[str]:
        """The multipart uploads still open for ``key`` (what an aborted upload must no longer have)."""
        name = self.location.object_name(key)
        result = await self._run(self.client._list_multipart_uploads, self.location.bucket, prefix=name)
        return [upload.upload_id for upload in result.uploads if upload.object_name == name]

    # -- URLs for clients ----------------------------------------------------------------------
    def _presign(self, method: str, key: str, signed_at: dt.datetime, expires_seconds: int, headers=None) -> str:
        credentials = self._credentials.retrieve()
        scheme, host, path = self.location.object_url(key, public=True)
        return sigv4.presign(method=method, scheme=scheme, host=host, path=path, region=self.location.region,
                             access_key=credentials.access_key, secret_key=credentials.secret_key,
                             session_token=credentials.session_token, signed_at=signed_at,
                             expires_seconds=expires_seconds, headers=headers)

    async def public_url(self, key: str) -> str | None:
        if self.serve_mode == "proxy":
            return None
        if self.serve_mode == "redirect":
            scheme, host, path = self.location.object_url(key, public=True)
            return f"{scheme}://{host}{path}"
        now = self.clock().timestamp()
        window_start = dt.datetime.fromtimestamp(now - now % SIGNING_WINDOW_SECONDS, dt.timezone.utc)
        # Credentials from an instance role may need a network call to refresh: keep it off the loop.
        return await self._run(self._presign, "GET", key, window_start, PRESIGNED_GET_SECONDS)

    async def presigned_put(self, key: str, content_type: str, size: int, expires_seconds: int) -> str | None:
        headers = {"Content-Type": content_type, "Content-Length": str(size)}
        return await self._run(self._presign, "PUT", key, self.clock(), expires_seconds, headers)
