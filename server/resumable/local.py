"""Resumable uploads on local disk: each upload is one file under ``<data_dir>/tus``, appended to in place."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from .base import FileAppender, Progress


class LocalChunkWriter(FileAppender):
    def __init__(self, handle, offset: int) -> None:
        self._handle = handle
        self.offset = offset
        self._pending = 0

    async def commit(self) -> Progress:
        if self._pending:
            await asyncio.to_thread(self._sync)
            self.offset += self._pending
            self._pending = 0
        return Progress(self.offset, [], 0)

    def _truncate(self) -> None:
        self._handle.flush()
        self._handle.truncate(self.offset)
        self._handle.seek(self.offset)

    async def rollback(self) -> None:
        await asyncio.to_thread(self._truncate)
        self._pending = 0

    async def settle(self) -> None:
        return None

    async def finish(self) -> None:
        await self.commit()
        await self.close()  # the file is whole, where LocalResumableStore.local_file says

    async def close(self) -> None:
        await asyncio.to_thread(self._handle.close)


class LocalResumableStore:
    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path(self, upload_id: int) -> Path:
        return self.folder / str(upload_id)

    async def begin(self, upload_id: int) -> str | None:
        def create() -> None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.path(upload_id).touch()

        await asyncio.to_thread(create)
        return None

    async def open_writer(self, row: Any) -> LocalChunkWriter:
        def open_at_offset() -> LocalChunkWriter:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.path(row["id"])
            handle = open(path, "r+b" if path.exists() else "w+b")
            # Bytes past the recorded offset came from a write cut short (a crash): they were never promised.
            offset = min(os.fstat(handle.fileno()).st_size, row["received"])
            handle.truncate(offset)
            handle.seek(offset)
            return LocalChunkWriter(handle, offset)

        return await asyncio.to_thread(open_at_offset)

    async def assembled(self, upload_id: int, length: int) -> bool:
        return False  # appending is assembling: the writer's offset tells whether the file is whole

    def local_file(self, upload_id: int) -> str | None:
        return str(self.path(upload_id))

    async def discard(self, upload_id: int, multipart_id: str | None) -> None:
        def remove() -> None:
            try:
                os.unlink(self.path(upload_id))
            except FileNotFoundError:
                pass

        await asyncio.to_thread(remove)
