"""An upload's multipart/form-data body, streamed from disk: progress reports and an optional speed cap.

The photos are never read into memory whole; the length is known beforehand (so the server can refuse an
oversized upload at once and the progress bar has an end), and a user on a metered link can cap the speed.
"""

from __future__ import annotations

import asyncio
import mimetypes
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path

# 64 KiB chunks keep progress reports smooth without many tiny writes.
UPLOAD_CHUNK_BYTES = 64 * 1024

ProgressCallback = Callable[[int, int], None]


class MultipartBody:
    """A multipart/form-data body streamed from disk, reporting bytes sent and optionally rate-limited
    (a user on a metered link can cap the upload speed)."""

    def __init__(self, files: Sequence[Path], caption: str, alt_texts: Sequence[str],
                 progress: ProgressCallback | None, max_bytes_per_second: int | None) -> None:
        self.boundary = f"photoshare-{uuid.uuid4().hex}"
        self.files = [Path(f) for f in files]
        self.progress = progress
        self.max_bytes_per_second = max_bytes_per_second
        fields = [("caption", caption)] + [("alt_text", text) for text in alt_texts]
        self._field_parts = [self._field(name, value) for name, value in fields]
        self._file_heads = [self._file_head(path) for path in self.files]
        self._closing = f"--{self.boundary}--\r\n".encode()
        self.length = (sum(map(len, self._field_parts)) + sum(map(len, self._file_heads))
                       + sum(path.stat().st_size + 2 for path in self.files) + len(self._closing))

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def _field(self, name: str, value: str) -> bytes:
        return (f"--{self.boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n".encode()
                + value.encode("utf-8") + b"\r\n")

    def _file_head(self, path: Path) -> bytes:
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        safe_name = path.name.replace('"', "_")
        return (f"--{self.boundary}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"{safe_name}\"\r\n"
                f"Content-Type: {content_type}\r\n\r\n").encode()

    async def stream(self) -> AsyncIterator[bytes]:
        sent = 0
        started = time.monotonic()
        for part in self._field_parts:
            sent += len(part)
            yield part
        for head, path in zip(self._file_heads, self.files):
            sent += len(head)
            yield head
            with path.open("rb") as handle:
                while chunk := handle.read(UPLOAD_CHUNK_BYTES):
                    sent += len(chunk)
                    yield chunk
                    self._report(sent)
                    await self._throttle(sent, started)
            sent += 2
            yield b"\r\n"
        sent += len(self._closing)
        yield self._closing
        self._report(sent)

    def _report(self, sent: int) -> None:
        if self.progress is not None:
            self.progress(sent, self.length)

    async def _throttle(self, sent: int, started: float) -> None:
        if not self.max_bytes_per_second:
            return
        ahead = sent / self.max_bytes_per_second - (time.monotonic() - started)
        if ahead > 0:
            await asyncio.sleep(ahead)
