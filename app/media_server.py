"""The media cache, handed to the app's own screen by URL instead of inside its UI messages.

The UI is a Flutter front end driven over one connection (a websocket in a browser, a local socket
for the desktop window). Photos sent as bytes inside that connection queue up behind everything else
and delay the first frame; photos given as URLs are fetched by the front end in parallel, decoded off
its main thread and kept in its image cache. So every photo the UI shows is named by a local URL:

- ``url_for(media_url)`` answers ``<base>/<token>.jpg``, where the token is a hash of the server's
  (already unguessable) media URL, and remembers which media URL it stands for;
- a request for that token answers the bytes from the disk cache, or downloads them once (with the
  signed-in account's token, for private accounts' photos) and keeps them for offline use.

Videos are asked for in pieces: a single byte range (``Range: bytes=…``) is answered 206 with
``Content-Range``, one that starts past the end 416, and every full answer says ``Accept-Ranges: bytes``, so a
player starts a long clip from its first bytes and seeks without fetching it all again.

Only tokens this process handed out are served, so the endpoint is no proxy to anything else. It is
mounted on the web app's own origin (``photoshare web``: no cross-origin request at all), or listens on
loopback for the desktop window (``serve_loopback``), with CORS and CORP headers so a page isolated
with ``Cross-Origin-Embedder-Policy`` may still draw from it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
from collections import OrderedDict
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # the web server imports this module before anything else: it stays light
    from .cache import ClientCache

log = logging.getLogger(__name__)

PATH_PREFIX = "/photoshare-media/"
# 128 bits of the hash: as unguessable as the server's own media URLs, short enough for a URL.
TOKEN_HEX_CHARS = 32
# Flet's image control treats a source with no dot as possibly base64 data: the suffix says "a path".
TOKEN_SUFFIX = ".jpg"
# Tokens remembered per process: far more photos than anyone scrolls past in one session.
KNOWN_URLS_MAX = 50_000
# Immutable bytes (the server's variant URLs never change content): the front end may keep them.
CACHE_CONTROL = "private, max-age=31536000, immutable"
# A keep-alive connection from the window that has been quiet this long is closed.
IDLE_CONNECTION_SECONDS = 60.0
# Offline and not cached: the front end shows the placeholder; it may ask again later.
RETRY_AFTER_SECONDS = 5

Response = tuple[int, bytes, dict[str, str]]
_REASONS = {200: "OK", 204: "No Content", 206: "Partial Content", 404: "Not Found", 405: "Method Not Allowed",
            416: "Range Not Satisfiable", 503: "Service Unavailable"}
# One range of bytes: "bytes=0-499", "bytes=500-", "bytes=-500" (several, or another unit: the whole is sent).
_RANGE = re.compile(r"bytes\s*=\s*(\d*)\s*-\s*(\d*)", re.IGNORECASE)
_SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"), (b"GIF8", "image/gif"),
               (b"RIFF", "image/webp"), (b"\x1a\x45\xdf\xa3", "video/webm"))


def content_type(data: bytes) -> str:
    for signature, mime in _SIGNATURES:
        if data.startswith(signature):
            return mime
    if data[4:12] in (b"ftypavif", b"ftypavis"):
        return "image/avif"
    if data[4:8] == b"ftyp":  # a video's MP4 stream (ISO base media, not AVIF)
        return "video/mp4"
    return "application/octet-stream"


def byte_range(header: str | None, size: int) -> tuple[int, int] | None | bool:
    """The one range a ``Range`` header asks of ``size`` bytes, as (first, last) inclusive; None to answer
    the whole (no header, another unit, several ranges or a malformed one: RFC 9110 lets a server ignore
    those); False when it cannot be satisfied (it starts past the end, or asks for the last 0 bytes)."""
    match = _RANGE.fullmatch((header or "").strip())
    if match is None:
        return None
    first, last = match.group(1), match.group(2)
    if not first and not last:
        return None
    if not first:  # "bytes=-500": the last 500 bytes
        suffix = int(last)
        return (max(0, size - suffix), size - 1) if suffix > 0 and size > 0 else False
    start = int(first)
    if last and int(last) < start:
        return None  # malformed: ignored
    if start >= size:
        return False
    return start, min(int(last), size - 1) if last else size - 1


def token_for(media_url: str) -> str:
    return hashlib.sha256(media_url.encode()).hexdigest()[:TOKEN_HEX_CHARS]


class LocalMedia:
    def __init__(self, cache: "ClientCache", api_for: Callable[[], object], base_url: str = PATH_PREFIX) -> None:
        """``api_for()`` gives the current ApiClient (the account or server may change while running)."""
        self.cache = cache
        self._api_for = api_for
        self.base_url = base_url
        self._urls: OrderedDict[str, str] = OrderedDict()
        self._downloads: dict[str, asyncio.Future] = {}
        self._server: asyncio.AbstractServer | None = None

    # ---- naming --------------------------------------------------------------------------------
    def url_for(self, media_url: str) -> str:
        token = token_for(media_url)
        self._urls[token] = media_url
        self._urls.move_to_end(token)
        if len(self._urls) > KNOWN_URLS_MAX:
            self._urls.popitem(last=False)
        return f"{self.base_url}{token}{TOKEN_SUFFIX}"

    # ---- answering -----------------------------------------------------------------------------
    async def respond(self, method: str, path: str, range_header: str | None = None) -> Response:
        """Status, body and headers for one request (shared by the loopback server and the ASGI app);
        ``range_header``: the request's ``Range``, if any."""
        cors = {"Access-Control-Allow-Origin": "*", "Cross-Origin-Resource-Policy": "cross-origin"}
        if method == "OPTIONS":
            return 204, b"", {**cors, "Access-Control-Allow-Methods": "GET, HEAD", "Access-Control-Max-Age": "86400"}
        if method not in ("GET", "HEAD"):
            return 405, b"", {**cors, "Allow": "GET, HEAD, OPTIONS"}
        token = path.split("?", 1)[0].rsplit("/", 1)[-1].removesuffix(TOKEN_SUFFIX)
        media_url = self._urls.get(token) if path.startswith(PATH_PREFIX) else None
        if media_url is None:
            return 404, b"", cors
        data = self.cache.media_bytes(media_url)
        if data is None:
            data = await self._download(media_url)
        if data is None:
            return 503, b"", {**cors, "Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
        headers = {**cors, "Content-Type": content_type(data), "Cache-Control": CACHE_CONTROL,
                   "X-Content-Type-Options": "nosniff", "Accept-Ranges": "bytes"}
        wanted = byte_range(range_header, len(data))
        if wanted is False:
            return 416, b"", {**cors, "Content-Range": f"bytes */{len(data)}", "Content-Length": "0"}
        status = 200
        if wanted is not None:
            first, last = wanted
            headers["Content-Range"] = f"bytes {first}-{last}/{len(data)}"
            status, data = 206, data[first:last + 1]
        return status, (b"" if method == "HEAD" else data), {**headers, "Content-Length": str(len(data))}

    async def _download(self, media_url: str) -> bytes | None:
        """One download per URL however many requests ask for it at once."""
        pending = self._downloads.get(media_url)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch(media_url))
            self._downloads[media_url] = pending
            pending.add_done_callback(lambda _: self._downloads.pop(media_url, None))
        return await asyncio.shield(pending)

    async def _fetch(self, media_url: str) -> bytes | None:
        from .api_client import ApiError

        try:
            return await self.cache.fetch_media(self._api_for(), media_url)
        except ApiError as error:  # offline, gone, or not ours to see: the placeholder stays
            log.debug("media %s not available: %s", media_url, error)
            return None

    # ---- on the web app's own origin (ASGI) -------------------------------------------------------
    async def asgi(self, scope, receive, send) -> None:
        """An ASGI app for requests under ``PATH_PREFIX`` (the web server routes them here)."""
        wanted = next((value.decode("latin-1") for name, value in scope.get("headers") or () if name.lower() == b"range"),
                      None)
        status, body, headers = await self.respond(scope["method"], scope["path"], wanted)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]})
        await send({"type": "http.response.body", "body": body})

    # ---- on loopback, for the desktop window ----------------------------------------------------
    async def serve_loopback(self) -> str:
        """Listen on 127.0.0.1 (a free port) and name photos by absolute URLs there; answers the base URL."""
        if self._server is None:
            self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
            port = self._server.sockets[0].getsockname()[1]
            self.base_url = f"http://127.0.0.1:{port}{PATH_PREFIX}"
        return self.base_url

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """A minimal HTTP/1.1 server: request line and headers in, one response out, keep-alive."""
        try:
            while True:
                request_line = await asyncio.wait_for(reader.readline(), IDLE_CONNECTION_SECONDS)
                if not request_line:
                    return
                method, target, version = request_line.decode("latin-1").rstrip("\r\n").split(" ", 2)
                keep_alive = version == "HTTP/1.1"
                wanted = None
                while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.strip().lower() == "connection" and "close" in value.lower():
                        keep_alive = False
                    elif name.strip().lower() == "range":
                        wanted = value.strip()
                status, body, headers = await self.respond(method, target, wanted)
                headers.setdefault("Content-Length", str(len(body)))
                headers["Connection"] = "keep-alive" if keep_alive else "close"
                head = f"HTTP/1.1 {status} {_REASONS.get(status, '')}\r\n" + \
                    "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
                writer.write(head.encode("latin-1") + body)
                await writer.drain()
                if not keep_alive:
                    return
        except (asyncio.TimeoutError, ConnectionError, ValueError, asyncio.LimitOverrunError):
            return
        finally:
            writer.close()
