"""Direct uploads: reserve a signed URL, then PUT the bytes to it."""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..web.http import json_response, path_id, read_json
from ..web.middlewares import require_user
from ..web.routing import doc
from ..web.uploads import CHUNK_BYTES, stream_to_file

routes = web.RouteTableDef()
TAG = "posts"


def base_url(request: web.Request) -> str:
    configured = request.app[CONTEXT].settings.public_url
    return configured.rstrip("/") if configured else str(request.url.origin())


@routes.post("/api/v1/uploads")
@doc("Reserve a direct upload: returns a signed, expiring PUT URL for the file.", tag=TAG,
     body={"content_type": "string", "size": "integer", "sha256": "string?"},
     responses={201: "{upload_id, upload_url, method: PUT, headers, expires_at}", 400: "unsupported_media, too_large or bad size",
                401: "no or bad token"})
async def reserve_upload(request: web.Request) -> web.Response:
    user_id = require_user(request)
    data = await read_json(request)
    answer = await request.app[CONTEXT].uploads.reserve(user_id, data, base_url(request))
    return json_response(answer, status=201)


@routes.put("/api/v1/uploads/{upload_id}/data")
@doc("The signed upload URL: PUT the file's bytes (the signature in the URL authorises it; no token needed).",
     auth=False, tag=TAG, content_type="application/octet-stream", query={"expires": "from upload_url", "signature": "from upload_url"},
     responses={200: "{upload_id, status: uploaded}", 400: "size_mismatch, invalid_media, unsupported_media, too_large",
                403: "signature_invalid or signature_expired", 404: "no such upload", 409: "upload_used"})
async def put_upload(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    upload_id = path_id(request, "upload_id", "upload")
    row = await ctx.uploads.check_signature(upload_id, request.query.get("expires"), request.query.get("signature"))
    incoming = await stream_to_file(lambda: request.content.read(CHUNK_BYTES), str(ctx.media.tmp_dir()), ctx.settings,
                                    max_bytes=row["declared_size"])
    return json_response(await ctx.uploads.receive(row, incoming))
