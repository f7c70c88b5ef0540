"""Serving stored variants: format by Accept, immutable caching, ETag/304 and byte ranges.

``/media/<stem>`` is a photo variant: AVIF, WebP or JPEG by the request's Accept header (falling
back while AVIF is still being made), or forced with ``?format=``. ``/media/<sha>.mp4`` is a video
stream. Stems are SHA-256 digests: unguessable, so media of private accounts cannot be found by
walking ids. Originals are never served.

On S3 storage the bytes come from the store, as its URL's ``serve`` mode says: a redirect to a
presigned or public URL (with ``Vary: Accept``, since the target depends on it), or the server
streams them (``proxy``) with the same caching headers, ETag, 304 and ranges as local files. Which
formats exist for a stem is asked of the store once and then remembered by the blob store
(``variant_info``), so a hot variant costs no store round trip.
"""

from __future__ import annotations

import os
import re

from aiohttp import web

from ..context import CONTEXT
from ..services.media import variant_key
from ..web.errors import InvalidInput, NotFound
from ..web.routing import doc
from .media_proxy import stream_from_store

routes = web.RouteTableDef()

STEM_RE = re.compile(r"^[0-9a-f]{64}$")
STREAM_RE = re.compile(r"^([0-9a-f]{64})\.mp4$")
IMMUTABLE = "public, max-age=31536000, immutable"
CONTENT_TYPES = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg", "mp4": "video/mp4"}
FORMAT_PREFERENCE = ("avif", "webp", "jpeg")
# A redirect may be reused for 10 minutes: its presigned target stays valid for at least an hour
# (blobs/s3.py), and an AVIF rendition that appears later is picked up soon enough.
REDIRECT_CACHE_CONTROL = "public, max-age=600"


def variant_headers(fmt: str) -> dict[str, str]:
    return {
        "Cache-Control": IMMUTABLE,
        "Vary": "Accept",
        "Content-Type": CONTENT_TYPES[fmt],
        "Access-Control-Allow-Origin": "*",  # the web client may run on another origin
        "X-Content-Type-Options": "nosniff",
    }


def accepted_formats(accept: str) -> list[str]:
    accept = accept.lower()
    wanted = [fmt for fmt in ("avif", "webp") if f"image/{fmt}" in accept]
    return wanted + ["jpeg"]


@routes.get("/media/{name}")
@doc("A stored photo variant (format chosen from Accept, or ?format=jpeg|webp|avif) or a video stream (.mp4).",
     auth=False, tag="media", query={"format": "jpeg, webp or avif (optional)"},
     responses={200: "the bytes", 206: "a byte range", 304: "not modified", 400: "unknown format", 404: "no such media"})
async def serve_media(request: web.Request) -> web.StreamResponse:
    return await answer_variant(request, request.match_info["name"])


def stem_of_name(name: str) -> str | None:
    """The stem a media name asks for (a photo variant's, or a video stream's), None for anything else."""
    if STEM_RE.match(name):
        return name
    match = STREAM_RE.match(name)
    return match.group(1) if match else None


async def answer_variant(request: web.Request, name: str) -> web.StreamResponse:
    """The bytes of a variant (never an original: only variant keys are ever built here)."""
    ctx = request.app[CONTEXT]
    if STEM_RE.match(name):
        forced = request.query.get("format")
        if forced is not None:
            forced = forced.lower().replace("jpg", "jpeg")
            if forced not in FORMAT_PREFERENCE:
                raise InvalidInput("'format' must be jpeg, webp or avif.")
            candidates = [forced]
        else:
            candidates = accepted_formats(request.headers.get("Accept", ""))
        stem = name
    else:
        match = STREAM_RE.match(name)
        if not match:
            raise NotFound("No such media.")
        stem, candidates = match.group(1), ["mp4"]

    for fmt in candidates:
        key = variant_key(stem, fmt)
        path = ctx.blobs.local_path(key)
        if path is not None:
            if os.path.isfile(path):
                return web.FileResponse(path, headers=variant_headers(fmt))
            continue
        info = await ctx.blobs.variant_info(key)
        if info is None:
            continue
        if ctx.blobs.serve_mode == "proxy":
            return await stream_from_store(request, ctx.blobs, key, info, variant_headers(fmt))
        url = await ctx.blobs.public_url(key)
        raise web.HTTPFound(url, headers={"Vary": "Accept", "Cache-Control": REDIRECT_CACHE_CONTROL})
    raise NotFound("No such media (it may have been deleted).")
