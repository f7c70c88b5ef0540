"""Resumable uploads, tus 1.0.0 (tus.io): OPTIONS, POST (creation), HEAD, PATCH, DELETE.

Answers are the protocol's: status codes and headers, no JSON body on success. Errors keep the API's JSON
shape; tus clients read only the status.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from ..context import CONTEXT
from ..ids import parse_uint63
from ..services.resumable_uploads import CHECKSUM_ALGORITHMS, TUS_EXTENSIONS, TUS_VERSION, parse_checksum
from ..web.errors import ApiError, InvalidInput
from ..web.http import path_id
from ..web.middlewares import require_user
from ..web.routing import doc
from ..web.tus import OFFSET_CONTENT_TYPE, TUS_PREFIX, body_reader, http_date, version_refused
from ..web.uploads import CHUNK_BYTES

routes = web.RouteTableDef()
TAG = "resumable uploads"
TUS_HEADERS = {"Tus-Resumable": "1.0.0, on every request but OPTIONS (412 otherwise)"}


async def finished_even_if_abandoned(work):
    """Run a chunk's storing to its end even when the server cancels the handler because the client left
    (aiohttp can): the bytes that arrived are kept and the upload's lock is released, as for any cut chunk."""
    task = asyncio.ensure_future(work)
    task.add_done_callback(lambda done: done.cancelled() or done.exception())  # an abandoned one's error is not news
    return await asyncio.shield(task)


def _offset_headers(row) -> dict[str, str]:
    headers = {"Upload-Offset": str(row["received"]), "Upload-Length": str(row["length"]), "Cache-Control": "no-store"}
    if row["state"] == "receiving":
        headers["Upload-Expires"] = http_date(row["expires_at"])
    return headers


def _upload_path(row) -> str:
    return f"{TUS_PREFIX}/{row['id']}"


def _whole_number(request: web.Request, name: str) -> int | None:
    raw = request.headers.get(name)
    if raw is None:
        return None
    value = parse_uint63(raw) if raw != "0" else 0
    if value is None:
        raise InvalidInput(f"{name} must be a whole number of bytes.")
    return value


def _reader(request: web.Request):
    if request.content_type != OFFSET_CONTENT_TYPE:
        raise ApiError(f"Send the bytes as {OFFSET_CONTENT_TYPE}.", code="unsupported_media_type", status=415)
    return body_reader(request, CHUNK_BYTES)


@routes.options(TUS_PREFIX)
@doc("tus discovery (and the browser's CORS preflight): the version, extensions and largest upload this server takes.",
     auth=False, tag=TAG,
     responses={204: "Tus-Version, Tus-Extension, Tus-Max-Size and Tus-Checksum-Algorithm headers"})
async def tus_options(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    return web.Response(status=204, headers={
        "Tus-Version": TUS_VERSION, "Tus-Extension": TUS_EXTENSIONS, "Tus-Max-Size": str(ctx.tus.max_size),
        "Tus-Checksum-Algorithm": CHECKSUM_ALGORITHMS})


@routes.options(TUS_PREFIX + "/{upload_id}")
@doc("The browser's CORS preflight for an upload's URL.", auth=False, tag=TAG, responses={204: "CORS headers"})
async def tus_upload_options(request: web.Request) -> web.Response:
    return await tus_options(request)


@routes.post(TUS_PREFIX)
@doc("Create a resumable upload (tus creation; with a body, creation-with-upload). Upload-Length is the file's size; "
     "Upload-Metadata may carry filename and filetype (base64). Idempotency-Key makes a retry answer the same upload. "
     "Once finished, POST /posts {upload_ids: [upload_id]} makes it a post.",
     tag=TAG, content_type=OFFSET_CONTENT_TYPE, headers={**TUS_HEADERS, "Upload-Length": "the file's size in bytes",
                                                         "Upload-Metadata": "filename and filetype, base64 (optional)"},
     responses={201: "Location: /api/v1/uploads/tus/{upload_id}, Upload-Offset, Upload-Expires",
                400: "length_required, invalid_media or malformed Upload-Metadata", 412: "not tus 1.0.0 (Tus-Version says which)",
                413: "too_large: over Tus-Max-Size", 415: "a body that is not application/offset+octet-stream"})
async def create_upload(request: web.Request) -> web.Response:
    refused = version_refused(request)
    if refused is not None:
        return refused
    user_id = require_user(request)
    ctx = request.app[CONTEXT]
    has_body = (request.content_length or 0) > 0 or request.headers.get("Transfer-Encoding", "").lower() == "chunked"
    read = _reader(request) if has_body else None
    row = await ctx.tus.create(user_id, _whole_number(request, "Upload-Length"), request.headers.get("Upload-Metadata"),
                               request.headers.get("Idempotency-Key"), "Upload-Defer-Length" in request.headers)
    if read is not None and row["received"] == 0 and row["state"] == "receiving":
        try:
            row = await finished_even_if_abandoned(ctx.tus.append(
                user_id, row["id"], 0, read, request.content_length, parse_checksum(request.headers.get("Upload-Checksum"))))
        except ApiError as exc:
            if exc.status in (401, 403):
                raise
            # Created all the same: the client learns the offset and sends the bytes again with PATCH.
            row = await ctx.tus.current(user_id, row["id"])
    headers = {"Location": _upload_path(row), **_offset_headers(row)}
    return web.Response(status=201, headers=headers)


@routes.head(TUS_PREFIX + "/{upload_id}")
@doc("An upload's offset: how many bytes the server has, so a client resumes from there.", tag=TAG,
     headers=TUS_HEADERS,
     responses={200: "Upload-Offset, Upload-Length, Upload-Metadata, Upload-Expires (no body)", 404: "no such upload (or another user's)",
                410: "upload_gone: expired, cancelled or refused", 412: "not tus 1.0.0"})
async def upload_offset(request: web.Request) -> web.Response:
    refused = version_refused(request)
    if refused is not None:
        return refused
    user_id = require_user(request)
    row = await request.app[CONTEXT].tus.current(user_id, path_id(request, "upload_id", "upload"), settle=True)
    headers = _offset_headers(row)
    if row["metadata"]:
        headers["Upload-Metadata"] = row["metadata"]
    return web.Response(status=200, headers=headers)


@routes.patch(TUS_PREFIX + "/{upload_id}")
@doc("Send bytes at Upload-Offset (application/offset+octet-stream). A cut connection keeps what arrived; "
     "Upload-Checksum (sha256) makes the chunk all-or-nothing.", tag=TAG, content_type=OFFSET_CONTENT_TYPE,
     headers={**TUS_HEADERS, "Upload-Offset": "where these bytes go: the offset HEAD reported",
              "Upload-Checksum": "sha256 and the chunk's digest in base64 (optional)"},
     responses={204: "Upload-Offset: the new offset", 400: "a missing or malformed Upload-Offset or Upload-Checksum",
                404: "no such upload", 409: "offset_mismatch (ask with HEAD) or upload_locked (another PATCH is running)",
                410: "upload_gone: expired, cancelled or refused", 412: "not tus 1.0.0",
                413: "too_large: past Upload-Length", 415: "not application/offset+octet-stream",
                460: "checksum_mismatch: nothing of the chunk was kept"})
async def append_bytes(request: web.Request) -> web.Response:
    refused = version_refused(request)
    if refused is not None:
        return refused
    user_id = require_user(request)
    upload_id = path_id(request, "upload_id", "upload")
    read = _reader(request)
    offset = _whole_number(request, "Upload-Offset")
    if offset is None:
        raise InvalidInput("Upload-Offset is required: the offset HEAD reported.")
    checksum = parse_checksum(request.headers.get("Upload-Checksum"))
    row = await finished_even_if_abandoned(
        request.app[CONTEXT].tus.append(user_id, upload_id, offset, read, request.content_length, checksum))
    return web.Response(status=204, headers=_offset_headers(row))


@routes.delete(TUS_PREFIX + "/{upload_id}")
@doc("Cancel an upload (tus termination): its bytes are removed.", tag=TAG, headers=TUS_HEADERS,
     responses={204: "cancelled", 404: "no such upload", 412: "not tus 1.0.0"})
async def terminate_upload(request: web.Request) -> web.Response:
    refused = version_refused(request)
    if refused is not None:
        return refused
    user_id = require_user(request)
    await request.app[CONTEXT].tus.terminate(user_id, path_id(request, "upload_id", "upload"))
    return web.Response(status=204)
