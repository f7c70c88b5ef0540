"""Media on local disk, written durably: temp file, fsync, rename, fsync of the folder."""

from __future__ import annotations

import asyncio
import mimetypes
import os
import shutil
import tempfile
from pathlib import Path
from typing import AsyncIterator

from ..fsutil import fsync_dir
from .base import BlobInfo, BlobNotFound

READ_CHUNK_BYTES = 256 * 1024  # matches the upload chunk size: large enough to keep a disk busy

_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./")


class LocalBlobStore:
    serve_mode = "local"

    def __init__(self, url: str) -> None:
        if not url.startswith("file://"):
            raise ValueError(f"not a file URL: {url!r}")
        self.url = url
        self.root = Path(url[len("file://") :]).resolve()

    async def open(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    async def close(self) -> None:
        return None

    def _path(self, key: str) -> Path:
        if not key or not set(key) <= _SAFE or ".." in key or key.startswith("/"):
            raise ValueError(f"unsafe blob key: {key!r}")
        return self.root / key

    def local_path(self, key: str) -> str | None:
        return str(self._path(key))

    async def public_url(self, key: str) -> str | None:
        return None

    async def presigned_put(self, key: str, content_type: str, size: int, expires_seconds: int) -> str | None:
        return None  # a folder cannot check a signature: the server's own endpoint receives direct uploads

    def _stat_sync(self, key: str) -> BlobInfo | None:
        try:
            stat = os.stat(self._path(key))
        except FileNotFoundError:
            return None
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        return BlobInfo(size=stat.st_size, etag=f"{stat.st_mtime_ns:x}-{stat.st_size:x}", content_type=content_type)

    async def stat(self, key: str) -> BlobInfo | None:
        return await asyncio.to_thread(self._stat_sync, key)

    async def variant_info(self, key: str) -> BlobInfo | None:
        return await self.stat(key)  # a stat on local disk is as cheap as any cache

    async def read_chunks(self, key: str, start: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        try:
            handle = await asyncio.to_thread(open, self._path(key), "rb")
        except FileNotFoundError:
            raise BlobNotFound(key) from None
        try:
            await asyncio.to_thread(handle.seek, start)
            remaining = length
            while remaining is None or remaining > 0:
                want = READ_CHUNK_BYTES if remaining is None else min(READ_CHUNK_BYTES, remaining)
                chunk = await asyncio.to_thread(handle.read, want)
                if not chunk:
                    return
                if remaining is not None:
                    remaining -= len(chunk)
                yield chunk
        finally:
            handle.close()

    def _put_file_sync(self, key: str, source_path: str) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(source_path, "rb+") as handle:
            os.fsync(handle.fileno())
        try:
            os.replace(source_path, target)  # same filesystem: atomic and no copy
        except OSError:
            self._write_atomically(target, lambda out: shutil.copyfileobj(open(source_path, "rb"), out))
            os.unlink(source_path)
        fsync_dir(target.parent)

    def _write_atomically(self, target: Path, fill) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out:
                fill(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, target)
        except BaseException:
            try:
                os.unlink(temp)
            except OSError:
                pass
            raise
        fsync_dir(target.parent)

    async def put_file(self, key: str, source_path: str, content_type: str) -> None:
        await asyncio.to_thread(self._put_file_sync, key, source_path)

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._write_atomically, self._path(key), lambda out: out.write(data))

    def _fetch_sync(self, key: str, dest_path: str) -> None:
        try:
            shutil.copyfile(self._path(key), dest_path)
        except FileNotFoundError:
            raise BlobNotFound(key) from None

    async def fetch_to_file(self, key: str, dest_path: str) -> None:
        await asyncio.to_thread(self._fetch_sync, key, dest_path)

    async def delete(self, key: str) -> None:
        def remove() -> None:
            try:
                os.unlink(self._path(key))
            except FileNotFoundError:
                pass

        await asyncio.to_thread(remove)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self._path(key).exists)

    async def ping(self) -> None:
        def probe() -> None:
            probe_dir = self.root / ".health"
            probe_dir.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=probe_dir)
            os.close(fd)
            os.unlink(temp)

        await asyncio.to_thread(probe)
