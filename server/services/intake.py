"""Taking in an uploaded file: streamed to a temp file, size-limited while streaming, type sniffed from bytes.

Shared by every way bytes arrive: a multipart post, a PUT to the server's signed upload URL, and a
direct upload that a client sent to S3 and the server then reads back to check.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import os
import tempfile

from ..media.limits import SNIFF_BYTES
from ..media.sniff import PHOTO, Sniffed, sniff
from ..web.errors import ApiError


@dataclasses.dataclass
class IncomingFile:
    path: str
    sha256: str
    size: int
    sniffed: Sniffed


def human_size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):g} MB"
    return f"{count:,} bytes"


def _too_large(kind: str, limit: int) -> ApiError:
    return ApiError(f"The {kind} is larger than {human_size(limit)}.", code="too_large", status=400)


async def stream_to_file(read_chunk, tmp_dir: str, settings, max_bytes: int | None = None) -> IncomingFile:
    """Write chunks from ``read_chunk()`` to a temp file, sniffing the first bytes and enforcing the limit.

    ``max_bytes`` tightens the limit further (a direct upload may not exceed the size it announced).
    """
    fd, path = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
    digest = hashlib.sha256()
    size = 0
    head = b""
    sniffed: Sniffed | None = None
    limit = settings.max_video_bytes if max_bytes is None else min(settings.max_video_bytes, max_bytes)
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = await read_chunk()
                if not chunk:
                    break
                if sniffed is None and len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                    if len(head) >= SNIFF_BYTES:
                        sniffed = _sniff_or_refuse(head)
                        limit = settings.max_photo_bytes if sniffed.kind == PHOTO else settings.max_video_bytes
                        if max_bytes is not None:
                            limit = min(limit, max_bytes)
                size += len(chunk)
                if size > limit:
                    raise _too_large("photo" if sniffed and sniffed.kind == PHOTO else "video", limit)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise ApiError("The file is empty.", code="invalid_media", status=400)
        if sniffed is None:
            sniffed = _sniff_or_refuse(head)
            limit = settings.max_photo_bytes if sniffed.kind == PHOTO else settings.max_video_bytes
            if max_bytes is not None:
                limit = min(limit, max_bytes)
            if size > limit:
                raise _too_large("photo", limit)
        return IncomingFile(path=path, sha256=digest.hexdigest(), size=size, sniffed=sniffed)
    except BaseException:
        remove_quietly(path)
        raise


HASH_BLOCK_BYTES = 1024 * 1024


def _hash_file(path: str, known_sha256: str | None) -> tuple[bytes, int, str]:
    with open(path, "rb") as handle:
        if known_sha256 is not None:
            return handle.read(SNIFF_BYTES), os.fstat(handle.fileno()).st_size, known_sha256
        digest = hashlib.sha256()
        head = b""
        while block := handle.read(HASH_BLOCK_BYTES):
            if len(head) < SNIFF_BYTES:
                head += block[: SNIFF_BYTES - len(head)]
            digest.update(block)
        size = handle.tell()
    return head, size, digest.hexdigest()


async def check_file(path: str, settings, max_bytes: int | None = None, sha256: str | None = None) -> IncomingFile:
    """The same checks as ``stream_to_file`` for a file already on this host (a finished resumable upload),
    without copying it: sniffed from its first bytes, size-limited, hashed in a thread (the hash of a 100 MB
    video would otherwise hold the event loop for a second) unless ``sha256`` was computed as it arrived."""
    head, size, sha256 = await asyncio.to_thread(_hash_file, path, sha256)
    if size == 0:
        raise ApiError("The file is empty.", code="invalid_media", status=400)
    sniffed = _sniff_or_refuse(head)
    limit = settings.max_photo_bytes if sniffed.kind == PHOTO else settings.max_video_bytes
    if max_bytes is not None:
        limit = min(limit, max_bytes)
    if size > limit:
        raise _too_large("photo" if sniffed.kind == PHOTO else "video", limit)
    return IncomingFile(path=path, sha256=sha256, size=size, sniffed=sniffed)


def _sniff_or_refuse(head: bytes) -> Sniffed:
    sniffed = sniff(head)
    if sniffed is None:
        raise ApiError(
            "That file is not a supported photo (JPEG, PNG, HEIC, WebP, AVIF, GIF) or video (MP4, MOV, WebM).",
            code="unsupported_media", status=400,
        )
    return sniffed


def remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
