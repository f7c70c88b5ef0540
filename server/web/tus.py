"""tus 1.0.0 over HTTP: the protocol's headers, CORS for browser clients, and a body reader that keeps
what arrived before a connection dropped.

Every answer under ``TUS_PREFIX`` (errors from the edge included) carries ``Tus-Resumable`` and the CORS
headers a browser tus client (tus-js-client, Uppy) needs to read ``Location``, ``Upload-Offset`` and the
rest; the preflight ``OPTIONS`` needs no token. Uploads use bearer tokens, never cookies, so any origin
may call: the token is what authorises.
"""

from __future__ import annotations

import email.utils
from datetime import datetime, timezone

from aiohttp import web

TUS_PREFIX = "/api/v1/uploads/tus"
TUS_RESUMABLE = "1.0.0"
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
CORS_ALLOW_HEADERS = ("Authorization, Content-Type, Idempotency-Key, Tus-Resumable, Upload-Length, Upload-Metadata, "
                      "Upload-Offset, Upload-Checksum, Upload-Defer-Length, Upload-Concat, X-HTTP-Method-Override, X-Request-Id")
CORS_EXPOSE_HEADERS = ("Location, Tus-Resumable, Tus-Version, Tus-Extension, Tus-Max-Size, Tus-Checksum-Algorithm, "
                       "Upload-Offset, Upload-Length, Upload-Expires, Upload-Metadata, Retry-After, X-Request-Id")
CORS_MAX_AGE_SECONDS = 86_400  # browsers cap it lower anyway; one preflight per upload session at most


def add_tus_headers(request: web.Request, response: web.StreamResponse) -> None:
    """The protocol and CORS headers on every tus answer, errors included (called by the ``edge`` middleware for
    paths under ``TUS_PREFIX``; not a response-prepare signal, which would cost every other request a call)."""
    response.headers["Tus-Resumable"] = TUS_RESUMABLE
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSE_HEADERS
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "POST, HEAD, PATCH, DELETE, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
        response.headers["Access-Control-Max-Age"] = str(CORS_MAX_AGE_SECONDS)


def http_date(epoch_ms: int) -> str:
    """``Upload-Expires``: an RFC 9110 date."""
    return email.utils.format_datetime(datetime.fromtimestamp(epoch_ms / 1000, timezone.utc), usegmt=True)


def version_refused(request: web.Request) -> web.Response | None:
    """412 with ``Tus-Version`` when the request does not speak tus 1.0.0 (the protocol's own answer)."""
    if request.headers.get("Tus-Resumable") == TUS_RESUMABLE:
        return None
    return web.Response(status=412, headers={"Tus-Version": TUS_RESUMABLE})


def body_reader(request: web.Request, chunk_bytes: int):
    """``read()`` for the body; when the connection drops mid-body, the bytes that had already arrived are
    handed out first (aiohttp raises at once, dropping them), so a cut chunk loses nothing that was sent.
    A server that cancels handlers of lost connections (aiohttp's test server does) gets the cancellation
    one read later, the same way."""
    content = request.content
    lost: list[BaseException] = []

    async def read() -> bytes:
        if lost:
            raise lost[0]
        try:
            return await content.read(chunk_bytes)
        except BaseException as exc:  # the connection was lost, the body cut short (or the handler cancelled for it)
            leftover = _drain(content)
            if not leftover:
                raise
            lost.append(exc)  # raised at the next read, once these bytes are stored
            return leftover

    return read


def _drain(content) -> bytes:
    # aiohttp keeps received bytes in the stream's buffer (pinned aiohttp: pyproject.toml).
    pieces = []
    while getattr(content, "_buffer", None):
        pieces.append(content._read_nowait_chunk(-1))
    return b"".join(pieces)
