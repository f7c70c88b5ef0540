"""A copy of my data: ask for it, watch it being made, download the zip."""

from __future__ import annotations

import os

from aiohttp import web

from ..context import CONTEXT
from ..web.errors import NotFound
from ..web.http import json_response, path_id
from ..web.middlewares import require_user
from ..web.routing import doc
from .direct_uploads import base_url
from .media_proxy import stream_from_store

routes = web.RouteTableDef()
TAG = "accounts"


@routes.post("/api/v1/me/export")
@doc("Ask for a copy of your data: a zip of your originals and your posts, comments, likes, follows and profile as "
     "JSON, made in the background. Poll GET /me/export/{export_id}.", tag=TAG,
     responses={202: "{export_id}", 401: "no or bad token",
                429: "export_running (one is being made) or export_too_soon (one was made recently); Retry-After says when"})
async def start_export(request: web.Request) -> web.Response:
    user_id = require_user(request)
    export_id = await request.app[CONTEXT].exports.start(user_id)
    return json_response({"export_id": str(export_id)}, status=202)


@routes.get("/api/v1/me/export/{export_id}")
@doc("How your copy is coming along. When ready, url is a signed download link (valid an hour, no token needed) "
     "and size its bytes; the copy itself is kept for 7 days.", tag=TAG,
     responses={200: "{export_id, status: pending|failed, progress, created_at} or "
                     "{export_id, status: ready, progress, created_at, url, size, expires_at}",
                401: "no or bad token", 404: "no such export of yours"})
async def export_status(request: web.Request) -> web.Response:
    user_id = require_user(request)
    ctx = request.app[CONTEXT]
    return json_response(await ctx.exports.status(user_id, path_id(request, "export_id", "export"), base_url(request)))


@routes.get("/api/v1/me/export/{export_id}/download")
@doc("The zip, through the signed link GET /me/export/{export_id} gave (the signature authorises it; no token needed).",
     auth=False, tag=TAG, query={"expires": "from url", "signature": "from url"},
     responses={200: "application/zip", 206: "a byte range (a resumed download)", 304: "not modified",
                403: "signature_invalid or signature_expired", 404: "no such export (or it expired)",
                412: "If-Match or If-Unmodified-Since failed", 416: "the byte range is outside the file"})
async def download_export(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CONTEXT]
    export_id = path_id(request, "export_id", "export")
    row = await ctx.exports.download(export_id, request.query.get("expires"), request.query.get("signature"))
    headers = {"Content-Type": "application/zip", "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
               "Content-Disposition": f'attachment; filename="photoshare-data-{export_id}.zip"'}
    path = ctx.blobs.local_path(row["blob_key"])
    if path is not None:
        if not os.path.isfile(path):
            raise NotFound("No such export (it may have expired).")
        return web.FileResponse(path, headers=headers)
    info = await ctx.blobs.stat(row["blob_key"])
    if info is None:
        raise NotFound("No such export (it may have expired).")
    return await stream_from_store(request, ctx.blobs, row["blob_key"], info, headers)
