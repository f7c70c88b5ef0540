"""The media-bytes seam: originals (private) and variants (immutable, content-addressed keys)."""

from __future__ import annotations

import dataclasses
from typing import AsyncIterator, Protocol

VARIANTS_PREFIX = "v/"  # variants (and avatars) live under v/<xx>/<stem>.<ext>; nothing else is ever public


class BlobNotFound(KeyError):
    pass


@dataclasses.dataclass(frozen=True)
class BlobInfo:
    size: int
    etag: str  # opaque, without quotes
    content_type: str


class BlobStore(Protocol):
    url: str
    # How /media answers for this store: "local" (the server sends the file), "presigned" or
    # "redirect" (a redirect to public_url), "proxy" (the server streams the bytes from the store).
    serve_mode: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def put_file(self, key: str, source_path: str, content_type: str) -> None:
        """Store a local file under ``key`` durably; the source file may be consumed (moved)."""

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None: ...

    async def fetch_to_file(self, key: str, dest_path: str) -> None:
        """Copy the blob to a local file (for processing). Raises BlobNotFound."""

    def read_chunks(self, key: str, start: int = 0, length: int | None = None) -> AsyncIterator[bytes]:
        """The blob's bytes (or a range of them) in chunks, without holding it whole. Raises BlobNotFound."""

    def local_path(self, key: str) -> str | None:
        """A path the server can serve directly, or None when the bytes live elsewhere."""

    async def public_url(self, key: str) -> str | None:
        """A URL where clients fetch the blob straight from the store, or None to serve through /media."""

    async def presigned_put(self, key: str, content_type: str, size: int, expires_seconds: int) -> str | None:
        """A URL a client can PUT exactly ``size`` bytes of ``content_type`` to, or None when the store
        cannot take uploads itself (then the server's own signed endpoint receives them)."""

    async def stat(self, key: str) -> BlobInfo | None:
        """Size, ETag and type of a blob, or None if it does not exist. Always asks the store."""

    async def variant_info(self, key: str) -> BlobInfo | None:
        """Like ``stat`` for an immutable variant key; may answer from memory (variants never change)."""

    async def delete(self, key: str) -> None:
        """Remove a blob; removing a missing blob is not an error."""

    async def exists(self, key: str) -> bool: ...

    async def ping(self) -> None: ...
