"""Where a resumable upload's bytes wait until it is complete: a Protocol and what a write reports.

Two implementations, picked with the media store (``bootstrap.open_resumable``): ``local`` appends to one
file per upload under the data folder; ``s3`` sends the bytes to an S3 multipart upload in parts, each
buffered on local disk until it reaches S3's 5 MiB minimum. Either way a byte counts as received (the
offset the client is told) only once it is durable: fsynced to disk or stored as a part.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any, Protocol


@dataclasses.dataclass(frozen=True)
class Progress:
    """What is durable after a commit: the offset, and the S3 parts stored so far (none on local disk)."""

    received: int
    parts: list[dict]
    parts_bytes: int


class FileAppender:
    """What both writers share: bytes appended to an open file, counted until committed, then made durable."""

    _handle: Any
    _pending: int

    @property
    def pending(self) -> int:
        return self._pending

    def write(self, data: bytes) -> None:
        self._handle.write(data)
        self._pending += len(data)

    def _sync(self) -> None:
        self._handle.flush()
        os.fdatasync(self._handle.fileno())


class ChunkWriter(Protocol):
    offset: int  # durable bytes before the writes not yet committed

    @property
    def pending(self) -> int:
        """Bytes written since the last commit."""

    def write(self, data: bytes) -> None:
        """Append bytes (blocking: called in a thread)."""

    async def commit(self) -> Progress:
        """Make every written byte durable; answers the new offset."""

    async def rollback(self) -> None:
        """Forget the bytes written since the last commit (a failed checksum, a chunk past the length)."""

    async def settle(self) -> None:
        """After the database recorded a commit: drop what no longer needs keeping locally (sent parts)."""

    async def finish(self) -> None:
        """Every byte is in: assemble the file (on S3, complete the multipart upload to the staged key)."""

    async def close(self) -> None: ...


class ResumableStore(Protocol):
    async def begin(self, upload_id: int) -> str | None:
        """Prepare a new upload; answers an S3 multipart upload id (None on local disk)."""

    async def open_writer(self, row: Any) -> ChunkWriter:
        """A writer at the upload's durable offset. Its ``offset`` may be lower than the row says when
        bytes were lost (a buffer on another host): the client then sends them again."""

    async def assembled(self, upload_id: int, length: int) -> bool:
        """Whether the finished file (or S3 object) is already there, whole."""

    def local_file(self, upload_id: int) -> str | None:
        """The assembled file on this host (local disk), or None when it is in the media store (S3)."""

    async def discard(self, upload_id: int, multipart_id: str | None) -> None:
        """Remove every byte of the upload, wherever it is; removing twice is fine."""
