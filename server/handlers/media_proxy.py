"""Streaming a variant from the blob store through the server (``serve=proxy``).

For stores clients cannot reach. The answer matches what a local file gets: the same caching
headers, a strong ETag (the store's) with 304s, and single byte ranges for video seeking.
"""

from __future__ import annotations

from aiohttp import web

from ..blobs.base import BlobInfo, BlobNotFound
from ..web.errors import NotFound


class _Unsatisfiable(Exception):
    pass


def _byte_range(request: web.Request, size: int) -> tuple[int, int] | None:
    """(start, length) for a satisfiable single Range header, None for the whole body."""
    try:
        wanted = request.http_range
    except ValueError:  # a malformed or multi-range header: answer with the whole body, as RFC 9110 allows
        return None
    start, stop = wanted.start, wanted.stop
    if start is None and stop is None:
        return None
    if start is None:
        start = 0
    if start < 0:  # "bytes=-500": the last 500 bytes
        start = max(0, size + start)
        stop = size
    stop = size if stop is None else min(stop, size)
    if start >= size or stop <= start:
        raise _Unsatisfiable()
    return start, stop - start


async def stream_from_store(request: web.Request, blobs, key: str, info: BlobInfo, headers: dict[str, str]) -> web.StreamResponse:
    etag = f'"{info.etag}"'
    headers = {**headers, "ETag": etag, "Accept-Ranges": "bytes"}
    if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        return web.Response(status=304, headers={name: value for name, value in headers.items() if name != "Content-Type"})
    try:
        wanted = _byte_range(request, info.size)
    except _Unsatisfiable:
        # Answered here, not raised: the error middleware would drop Content-Range, which says the real size.
        return web.Response(status=416, headers={"Vary": "Accept", "Content-Range": f"bytes */{info.size}"})
    start, length = wanted or (0, info.size)
    response = web.StreamResponse(status=206 if wanted else 200, headers=headers)
    response.content_length = length
    if wanted:
        response.headers["Content-Range"] = f"bytes {start}-{start + length - 1}/{info.size}"
    if request.method == "HEAD":
        await response.prepare(request)
        return response
    chunks = blobs.read_chunks(key, start, length)
    try:
        first = await anext(chunks)
    except (BlobNotFound, StopAsyncIteration):
        # Deleted since variant_info remembered it: an honest 404 rather than a broken 200.
        raise NotFound("No such media (it may have been deleted).") from None
    await response.prepare(request)
    await response.write(first)
    try:
        async for chunk in chunks:
            await response.write(chunk)
    finally:
        await chunks.aclose()
    await response.write_eof()
    return response
