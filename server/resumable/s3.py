"""Resumable uploads on S3: the bytes go to an S3 multipart upload of the staged key, part by part.

S3 takes parts of at least 5 MiB (all but the last), and a tus client may send far smaller chunks, so
bytes wait in a buffer file on local disk (``<data_dir>/tus/<upload_id>.<base>.part``, ``base`` being
the upload offset of its first byte) until a part can be cut from it. Nothing is held in memory but the
part being sent (at most ``MAX_PART_BYTES``).

Crash safety follows from the order: a part is stored, then the database records it, and only then is
the buffer rewritten without it. Whatever a crash interrupts, the next writer starts from the row: a
buffer whose base is behind the recorded parts has its already-stored head skipped; a buffer ahead of
them (parts stored but never recorded) is dropped and those parts are sent again under the same
numbers, which S3 overwrites.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from ..blobs.s3 import S3BlobStore
from ..repos.tus_uploads import parts_of
from .base import FileAppender, Progress

MIN_PART_BYTES = 5 * 1024 * 1024  # S3's smallest part (except the last)
MAX_PART_BYTES = 8 * 1024 * 1024  # the most held in memory while a part is sent
COPY_BYTES = 1024 * 1024


def staged_key(upload_id: int) -> str:
    return f"u/{upload_id}"  # the staged key of direct uploads: checked and moved the same way when posted


class S3ChunkWriter(FileAppender):
    def __init__(self, store: "S3ResumableStore", row: Any, path: Path, base: int, handle) -> None:
        self.store = store
        self.upload_id = row["id"]
        self.multipart_id = row["multipart_id"]
        self.parts = parts_of(row)
        self.parts_bytes = row["parts_bytes"]
        self.path = path
        self.base = base
        self._handle = handle
        self._durable = os.fstat(handle.fileno()).st_size  # buffer bytes already committed
        self.offset = base + self._durable
        self._pending = 0

    def _read(self, start: int, length: int) -> bytes:
        self._handle.flush()
        return os.pread(self._handle.fileno(), length, start)

    async def _send_parts(self, final: bool) -> None:
        while True:
            waiting = self.base + self._durable - self.parts_bytes
            if waiting <= 0 or (waiting < MIN_PART_BYTES and not final):
                return
            size = min(waiting, MAX_PART_BYTES)
            data = await asyncio.to_thread(self._read, self.parts_bytes - self.base, size)
            number = len(self.parts) + 1
            etag = await self.store.blobs.upload_part(staged_key(self.upload_id), self.multipart_id, number, data)
            self.parts.append({"n": number, "etag": etag, "size": size})
            self.parts_bytes += size

    async def commit(self) -> Progress:
        if self._pending:
            await asyncio.to_thread(self._sync)
            self._durable += self._pending
            self.offset += self._pending
            self._pending = 0
        await self._send_parts(final=False)
        return Progress(self.offset, list(self.parts), self.parts_bytes)

    async def settle(self) -> None:
        """After the database recorded the parts: start a fresh buffer holding only what they left."""
        if self.parts_bytes > self.base:
            self._handle, self.path = await asyncio.to_thread(
                self.store.rebase, self.upload_id, self.path, self._handle, self.base, self.parts_bytes)
            self._durable -= self.parts_bytes - self.base
            self.base = self.parts_bytes

    def _truncate(self) -> None:
        self._handle.flush()
        self._handle.truncate(self._durable)
        self._handle.seek(self._durable)

    async def rollback(self) -> None:
        await asyncio.to_thread(self._truncate)
        self._pending = 0

    async def finish(self) -> None:
        await self.commit()
        await self._send_parts(final=True)
        parts = [(part["n"], part["etag"]) for part in self.parts]
        await self.store.blobs.complete_multipart(staged_key(self.upload_id), self.multipart_id, parts)
        await self.close()
        await asyncio.to_thread(self.store.remove_buffers, self.upload_id)

    async def close(self) -> None:
        await asyncio.to_thread(self._handle.close)


class S3ResumableStore:
    def __init__(self, blobs: S3BlobStore, folder: Path) -> None:
        self.blobs = blobs
        self.folder = Path(folder)

    async def begin(self, upload_id: int) -> str | None:
        return await self.blobs.begin_multipart(staged_key(upload_id))

    def _buffers(self, upload_id: int) -> list[tuple[int, Path]]:
        found = []
        for path in self.folder.glob(f"{upload_id}.*.part"):
            try:
                found.append((int(path.name.split(".")[1]), path))
            except ValueError:
                continue
        return sorted(found)

    def remove_buffers(self, upload_id: int) -> None:
        for _, path in self._buffers(upload_id):
            path.unlink(missing_ok=True)

    def rebase(self, upload_id: int, path: Path, handle, base: int, new_base: int):
        """Copy a buffer's bytes from upload offset ``new_base`` on into a new buffer; answers (handle, path)."""
        target = self.folder / f"{upload_id}.{new_base}.part"
        handle.flush()
        with open(target, "wb") as out:
            handle.seek(new_base - base)
            while chunk := handle.read(COPY_BYTES):
                out.write(chunk)
            out.flush()
            os.fdatasync(out.fileno())
        handle.close()
        path.unlink(missing_ok=True)
        fresh = open(target, "r+b")
        fresh.seek(0, os.SEEK_END)
        return fresh, target

    def _open(self, row: Any) -> S3ChunkWriter:
        self.folder.mkdir(parents=True, exist_ok=True)
        upload_id, parts_bytes, received = row["id"], row["parts_bytes"], row["received"]
        usable = None
        for base, path in reversed(self._buffers(upload_id)):
            if base <= parts_bytes and usable is None and os.path.getsize(path) >= parts_bytes - base:
                usable = (base, path)
            else:
                path.unlink(missing_ok=True)  # ahead of the recorded parts, or too short to reach them
        if usable is None:
            path = self.folder / f"{upload_id}.{parts_bytes}.part"
            handle = open(path, "w+b")
            return S3ChunkWriter(self, row, path, parts_bytes, handle)
        base, path = usable
        handle = open(path, "r+b")
        handle.truncate(min(os.fstat(handle.fileno()).st_size, received - base))  # drop unpromised bytes
        if base < parts_bytes:
            handle, path = self.rebase(upload_id, path, handle, base, parts_bytes)
        handle.seek(0, os.SEEK_END)
        return S3ChunkWriter(self, row, path, parts_bytes, handle)

    async def open_writer(self, row: Any) -> S3ChunkWriter:
        return await asyncio.to_thread(self._open, row)

    async def assembled(self, upload_id: int, length: int) -> bool:
        info = await self.blobs.stat(staged_key(upload_id))
        return info is not None and info.size == length

    def local_file(self, upload_id: int) -> str | None:
        return None

    async def discard(self, upload_id: int, multipart_id: str | None) -> None:
        if multipart_id:
            await self.blobs.abort_multipart(staged_key(upload_id), multipart_id)
        await self.blobs.delete(staged_key(upload_id))
        await asyncio.to_thread(self.remove_buffers, upload_id)
