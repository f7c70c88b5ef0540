"""The web app beside the API: ``photoshare serve`` shows PhotoShare to browsers at its own address.

The Flet web app (``photoshare web``) runs in a child process on a private loopback port; the server
forwards every request outside its own paths (``/api/…``, ``/media/…``, ``/healthz``, ``/metrics``,
``/setup``, and the HTML pages ``/s/…``, ``/p/…``, ``/@…``) to it, the app's websocket (``/ws``) included. A phone on the network then opens
``http://HOST:PORT/`` and gets the app, while the API and media stay where they were.

The app talks to the API from inside that child, over loopback, and hands pictures to the browser
itself: it fetches the bytes and serves them from its own origin (``/photoshare-media/…``, forwarded
like any other path of the app). The browser never needs to reach a media URL of the API on its own,
so a phone sees photos although the app reaches the API over the server's loopback address.

One child serves every server process (``serve --workers N`` starts it in the supervising parent).
It is started again if it dies, and stopped with the server; it also stops by itself if the server
disappears without stopping it (``PARENT_PID_ENV``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Callable

from aiohttp import ClientConnectionError, ClientSession, ClientTimeout, DummyCookieJar, WSMsgType, web

from ..config import Settings

log = logging.getLogger(__name__)

PARENT_PID_ENV = "PHOTOSHARE_PARENT_PID"  # set for the child: it exits when this process is gone
CLIENT_DIR_ENV = "PHOTOSHARE_CLIENT_DIR"  # the app's own folder (session, caches, queue): inside the server's data folder
STOP_TIMEOUT_SECONDS = 10
RESTART_DELAY_SECONDS = (1, 5, 15, 60)  # after the child exits on its own; the last value repeats
HEALTHY_RUN_SECONDS = 60  # a child that ran this long before dying starts the backoff afresh
SUPERVISE_SECONDS = 2.0
# Websocket messages carry pictures both ways (a photo picked in the browser arrives whole): room for
# the largest photo the server accepts, with the encoding's overhead.
WS_MAX_MESSAGE_BYTES = 64 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
UPSTREAM_CONNECT_SECONDS = 5
# The web app's own paths are short (its files and a few client-side routes). A longer one is answered
# 404 here, unforwarded: the app's file server would try it as a file name, which the OS refuses as too long.
MAX_WEB_APP_PATH_CHARS = 1024

# Paths the server answers itself; everything else belongs to the web app.
# ``/s/``: share-link pages; ``/p/`` and ``/@``: public post and profile pages (handlers/pages.py).
API_PREFIXES = ("/api/", "/media/", "/s/", "/p/", "/@")
API_PATHS = frozenset({"/api", "/healthz", "/metrics", "/setup"})
# Per-connection headers (RFC 9110 §7.6.1) are not forwarded; Host is set for the upstream.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                        "transfer-encoding", "upgrade", "host", "proxy-connection"})
WS_HANDSHAKE = frozenset({"sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
                          "sec-websocket-accept", "sec-websocket-protocol"})

WEB_UI = web.AppKey("photoshare_web_ui", object)


def owned_by_api(path: str) -> bool:
    return path in API_PATHS or path.startswith(API_PREFIXES)


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def api_url_for_child(settings: Settings) -> str:
    """How the child reaches this server: over loopback whenever the server listens there too."""
    host = settings.host.strip()
    if host in ("", "0.0.0.0", "127.0.0.1", "localhost"):
        host = "127.0.0.1"
    elif host in ("::", "::1"):
        host = "[::1]"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def child_command(*args: str) -> list[str]:
    """``photoshare <args>`` as a new process: the one-file binary itself, or this Python with ``-m app``."""
    from app.resources import photoshare_command

    return photoshare_command(*args)


class WebUIProcess:
    """The ``photoshare web`` child: started, watched (restarted with backoff when it dies) and stopped."""

    def __init__(self, settings: Settings, port: int | None = None) -> None:
        self.settings = settings
        self.port = port or free_loopback_port()
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self._started_at = 0.0
        self._failures = 0
        self._next_start = 0.0
        self._stopping = False
        # Told the new address when a restart moves the child to another port (the proxy follows it).
        self.on_upstream_change: Callable[[str], None] | None = None

    @property
    def upstream(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        return child_command("web", "--host", "127.0.0.1", "--port", str(self.port), "--server", api_url_for_child(self.settings))

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("FLET_SERVER_")}
        client_dir = Path(self.settings.data_dir) / "web-app"
        client_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        env[CLIENT_DIR_ENV] = str(client_dir)
        env[PARENT_PID_ENV] = str(os.getpid())
        return env

    def start(self) -> str:
        self._stopping = False
        # Its own session: a Ctrl+C in the terminal reaches the server, which then stops the child in order.
        self.process = subprocess.Popen(self.command(), env=self.environment(), stdin=subprocess.DEVNULL, start_new_session=True)
        self._started_at = time.monotonic()
        log.info("web app started (pid %d) on %s", self.process.pid, self.upstream)
        return self.upstream

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def supervise(self) -> None:
        """Called every few seconds: start the child again if it died (with backoff)."""
        if self._stopping or self.process is None or self.running:
            return
        now = time.monotonic()
        if self._next_start == 0.0:
            if now - self._started_at >= HEALTHY_RUN_SECONDS:
                self._failures = 0
            delay = RESTART_DELAY_SECONDS[min(self._failures, len(RESTART_DELAY_SECONDS) - 1)]
            self._failures += 1
            self._next_start = now + delay
            log.error("the web app exited with code %s; starting it again in %d s", self.process.returncode, delay)
            return
        if now >= self._next_start:
            self._next_start = 0.0
            self.restarts += 1
            # A fresh port each time: a child that died because its port was taken (by a process that still holds
            # it) would only die again on the same one.
            self.port = free_loopback_port()
            if self.on_upstream_change is not None:
                self.on_upstream_change(self.upstream)
            self.start()

    def stop(self) -> None:
        self._stopping = True
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            log.error("the web app did not stop in %d s; killing it", STOP_TIMEOUT_SECONDS)
            process.kill()
            process.wait(5)

    def wait_ready(self, timeout: float = 60.0) -> bool:
        """Block until the child answers (for tests and scripts); False if it did not in time."""
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                return False
            try:
                with urllib.request.urlopen(self.upstream + "/", timeout=2) as response:
                    if response.status == 200:
                        return True
            except OSError:
                time.sleep(0.25)
        return False


STARTING_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta http-equiv="refresh" content="3">
<title>PhotoShare is starting</title></head>
<body style="font-family:system-ui,sans-serif;text-align:center;padding:3rem 1rem;color:#262626">
<h1>PhotoShare is starting</h1><p>The app will appear in a moment; this page reloads by itself.</p></body></html>"""


class WebUIProxy:
    """Forwards requests and websockets to the web app's loopback address."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.session: ClientSession | None = None
        self.sockets: set[web.WebSocketResponse] = set()

    async def open(self) -> None:
        # Bytes pass through untouched (no decompression), cookies travel as headers (no jar).
        self.session = ClientSession(auto_decompress=False, cookie_jar=DummyCookieJar(),
                                     timeout=ClientTimeout(total=None, connect=UPSTREAM_CONNECT_SECONDS))

    async def close(self) -> None:
        for ws in list(self.sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=1001, message=b"server stopping")
        if self.session is not None:
            await self.session.close()

    @staticmethod
    def _forwarded_headers(request: web.Request, *, websocket: bool) -> dict[str, str]:
        skip = HOP_BY_HOP | WS_HANDSHAKE if websocket else HOP_BY_HOP
        headers = {name: value for name, value in request.headers.items() if name.lower() not in skip}
        headers["X-Forwarded-For"] = request.remote or ""
        headers["X-Forwarded-Proto"] = request.scheme
        headers["X-Forwarded-Host"] = request.host
        return headers

    def _unavailable(self) -> web.Response:
        return web.Response(text=STARTING_PAGE, status=503, content_type="text/html", charset="utf-8",
                            headers={"Retry-After": "3", "Cache-Control": "no-store"})

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if len(request.raw_path) > MAX_WEB_APP_PATH_CHARS:
            from ..web.middlewares import REQUEST_ID_HEADER, _new_request_id, error_response

            request_id = request.headers.get(REQUEST_ID_HEADER, "")[:64] or _new_request_id()
            return error_response(404, "not_found", "No such page.", request_id)
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._websocket(request)
        return await self._http(request)

    async def _http(self, request: web.Request) -> web.StreamResponse:
        assert self.session is not None
        url = self.upstream + _target(request)
        body = request.content if request.body_exists else None
        response: web.StreamResponse | None = None
        try:
            async with self.session.request(request.method, url, headers=self._forwarded_headers(request, websocket=False),
                                            data=body, allow_redirects=False) as upstream:
                response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
                for name, value in upstream.headers.items():
                    if name.lower() not in HOP_BY_HOP:
                        response.headers.add(name, value)
                await response.prepare(request)
                async for chunk in upstream.content.iter_chunked(CHUNK_BYTES):
                    await response.write(chunk)
                await response.write_eof()
                return response
        except ClientConnectionError:
            if response is not None and response.prepared:
                raise  # the app went away mid-answer: drop the connection, the browser retries
            return self._unavailable()

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        assert self.session is not None
        protocols = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]
        url = "ws" + self.upstream[len("http"):] + _target(request)
        try:
            upstream = await self.session.ws_connect(url, headers=self._forwarded_headers(request, websocket=True),
                                                     protocols=protocols, max_msg_size=WS_MAX_MESSAGE_BYTES, autoping=True)
        except (ClientConnectionError, asyncio.TimeoutError):
            return self._unavailable()
        browser = web.WebSocketResponse(protocols=[upstream.protocol] if upstream.protocol else (),
                                        max_msg_size=WS_MAX_MESSAGE_BYTES, autoping=True)
        self.sockets.add(browser)
        try:
            await browser.prepare(request)
            to_app = asyncio.ensure_future(_pump(browser, upstream))
            to_browser = asyncio.ensure_future(_pump(upstream, browser))
            try:
                await asyncio.wait({to_app, to_browser}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (to_app, to_browser):
                    task.cancel()
                await asyncio.gather(to_app, to_browser, return_exceptions=True)
        finally:
            self.sockets.discard(browser)
            await upstream.close()
            await browser.close()
        return browser


def _target(request: web.Request) -> str:
    """The path and query to ask the web app for: always a path on it, never another host
    (a request line may carry an absolute URL)."""
    target = request.rel_url.raw_path_qs
    return target if target.startswith("/") else "/" + target


async def _pump(source, sink) -> None:
    async for message in source:
        if message.type == WSMsgType.TEXT:
            await sink.send_str(message.data)
        elif message.type == WSMsgType.BINARY:
            await sink.send_bytes(message.data)
        elif message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
            break


def attach_web_ui(app: web.Application, upstream: str, process: WebUIProcess | None = None) -> None:
    """Forward every path outside the API to the web app at ``upstream``; own ``process`` if given
    (started with the server, watched, stopped with it)."""
    proxy = WebUIProxy(upstream)
    app[WEB_UI] = proxy

    @web.middleware
    async def web_ui(request: web.Request, handler):
        if owned_by_api(request.path):
            return await handler(request)
        return await proxy.handle(request)

    async def lifecycle(app: web.Application):
        await proxy.open()
        supervisor = None
        if process is not None:
            process.on_upstream_change = lambda upstream: setattr(proxy, "upstream", upstream.rstrip("/"))
            process.start()

            async def watch() -> None:
                while True:
                    await asyncio.sleep(SUPERVISE_SECONDS)
                    process.supervise()

            supervisor = asyncio.ensure_future(watch())
        yield
        if supervisor is not None:
            supervisor.cancel()
            await asyncio.gather(supervisor, return_exceptions=True)
        await proxy.close()
        if process is not None:
            await asyncio.to_thread(process.stop)

    async def close_sockets(app: web.Application) -> None:
        for ws in list(proxy.sockets):  # open websockets would hold shutdown for its whole timeout
            with contextlib.suppress(Exception):
                await ws.close(code=1001, message=b"server stopping")

    app.middlewares.insert(0, web_ui)
    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(close_sockets)
