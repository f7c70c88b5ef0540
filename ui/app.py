"""The two ways to run the app: a desktop window, or the same UI served to browsers.

Both are arranged around the first frame. Flet's front end (the Flutter engine in a browser tab, or
the desktop window's process) takes about a second to load before it asks for a page; in that second
a thread imports the UI, opens the client folder and reads the cached feed, so the page is built the
moment it is asked for. Photos reach the front end by URL from this process (``app.media_server``),
never inside the page's own connection. In a browser, the engine is also spared the fonts PhotoShare
never draws (``_font_manifest``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import shutil
import signal
import threading
from concurrent.futures import Future

from app.resources import assets_dir

log = logging.getLogger(__name__)

ASSETS_DIR = assets_dir()  # beside the sources, or unpacked from the one-file binary
DEBUG_ENV = "PHOTOSHARE_UI_DEBUG"
APP_NAME = "PhotoShare"
APP_DESCRIPTION = "Photo sharing for your family and friends, on your own server"  # as in assets/manifest.json
FONT_MANIFEST_PATH = "/assets/FontManifest.json"
UNUSED_FONT_PACKAGES = ("packages/flutter_math_fork/",)
# On shutdown, open browser connections get this long to close before the process exits anyway.
SHUTDOWN_GRACE_SECONDS = 5
# The longest path the web app answers: its files and routes are far shorter, and a path beyond the OS's
# file-name limits made the file server fail (500 "File name too long") instead of answering 404.
MAX_PATH_CHARS = 1024
# What the first screen needs from the app's assets once its page arrives: the base font (ui.theme's
# FONTS[BASE_FAMILY]; not imported from there, which would import Flet). The page asks for it at once.
FIRST_SCREEN_FILES = ("fonts/DejaVuSans.ttf",)
WEB_CACHE_DIR = "web-cache"  # in the client folder: the web app's compressed files (ui.web_front)
WEB_CACHE_ENV = "PHOTOSHARE_WEB_CACHE_DIR"  # elsewhere, e.g. one folder shared by many web apps (copies are keyed by file identity)


class BrowserSessions:
    """The web app served to a network: every browser session signs in on its own.

    Each session gets a client core of its own (sign-in, feed cache, upload queue) in a folder of its own,
    removed when Flet ends the session, and its photos under its own path, so nobody who opens the same
    address sees another person's account, feed or photos. Watched folders are off: they would read the
    disk of the machine serving the app, not the visitor's.
    """

    def __init__(self, prepared: "Preparation", server_url: str | None, *, server_fixed: bool = False) -> None:
        from app.session import client_dir

        self.prepared = prepared
        self.server_url = server_url
        self.server_fixed = server_fixed
        self.folder = client_dir() / "browser-sessions"
        shutil.rmtree(self.folder, ignore_errors=True)  # sessions of an earlier run ended with it
        self.cores: dict = {}

    async def open(self):
        await self.prepared.core()  # the UI's imports, made once
        from app.media_server import PATH_PREFIX

        from .core import ClientCore

        session_id = secrets.token_hex(16)
        folder = self.folder / session_id
        core = await asyncio.to_thread(ClientCore, folder, self.server_url)
        core.per_browser = True
        core.server_fixed = self.server_fixed
        core.media.base_url = f"{PATH_PREFIX}{session_id}/"
        self.cores[session_id] = core
        return session_id, core

    async def close(self, session_id: str) -> None:
        core = self.cores.pop(session_id, None)
        if core is not None:
            await core.close()
            await asyncio.to_thread(shutil.rmtree, core.folder, True)

    async def media(self, scope, receive, send) -> None:
        from app.media_server import PATH_PREFIX

        session_id = scope["path"][len(PATH_PREFIX):].split("/", 1)[0]
        core = self.cores.get(session_id)
        if core is None:  # an ended session, or a path nobody was given
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await core.media.asgi(scope, receive, send)


def _browser_page_main(sessions: BrowserSessions):
    async def main(page) -> None:
        session_id, core = await sessions.open()

        async def ended(_=None) -> None:
            await sessions.close(session_id)

        def went_away(_=None) -> None:
            # The tab closed or lost its connection: Flet keeps the session (it may come back) for its session
            # timeout, an hour. Its live stream would hold one of the account's few slots on the server all
            # that time ("too many streams" at the next sign-in): close it now; the upload queue carries on.
            core.pause_live()

        def came_back(_=None) -> None:
            core.resume_live()

        page.on_close = ended  # Flet ends a session some time after its browser went away
        page.on_disconnect = went_away
        page.on_connect = came_back
        from .shell import open_page

        open_page(page, core)

    return main


class Preparation:
    """The UI's imports and the client core, made on a thread once asked for (``start``); pages wait
    for it (``core``). A thread, so the event loop keeps serving the front end's files meanwhile.

    In a browser, Flet's web app itself (``web_app``: Flet, FastAPI and Starlette imported, about 0.4 s)
    is made first on the same thread, while ``ui.web_front`` serves the engine's files."""

    def __init__(self, server_url: str | None, make_web_app=None) -> None:
        self.server_url = server_url
        self._make_web_app = make_web_app
        self._web_app: Future = Future()
        self._done: Future = Future()
        self._started = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        with self._started:
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="photoshare-prepare", daemon=True)
                self._thread.start()

    async def core(self):
        self.start()
        return await asyncio.wrap_future(self._done)

    async def web_app(self):
        self.start()
        return await asyncio.wrap_future(self._web_app)

    @property
    def web_app_ready(self):
        """Flet's web app once made, else None."""
        return self._web_app.result() if self._web_app.done() and not self._web_app.exception() else None

    def _work(self) -> None:
        if self._make_web_app is not None:
            try:
                self._web_app.set_result(self._make_web_app())
            except BaseException as error:
                self._web_app.set_exception(error)
                self._done.set_exception(error)
                return
        try:
            from . import shell  # noqa: F401 — the import itself is the work (views, components, Flet controls)
            from .core import ClientCore

            core = ClientCore(server_url=self.server_url)
            core.warm()
            self._done.set_result(core)
        except BaseException as error:  # the page reports it; the process must not hang waiting
            self._done.set_exception(error)


def _close_window_on_termination(page) -> None:
    """End the desktop app on SIGTERM or Ctrl-C as a click on the window's close button would.

    Flet's desktop mode only notes such a request and goes on waiting for its window process, so a service
    manager or a session logout could not stop the app. Flet's own handler still runs (it notes the request
    and restores the default, so a second signal ends the process at once); then the window is destroyed,
    which ends the app.
    """
    loop = asyncio.get_running_loop()

    def on_signal(signum, frame) -> None:
        previous = flet_handlers.get(signum)
        if callable(previous):
            previous(signum, frame)
        loop.call_soon_threadsafe(lambda: loop.create_task(page.window.destroy()))

    flet_handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    for sig in flet_handlers:
        signal.signal(sig, on_signal)


def _page_main(prepared: Preparation, *, loopback_media: bool):
    async def main(page) -> None:
        if loopback_media and threading.current_thread() is threading.main_thread():  # the desktop window
            _close_window_on_termination(page)
        core = await prepared.core()
        if loopback_media:  # the desktop window fetches photos from this process over loopback
            await core.media.serve_loopback()
        from .shell import open_page

        open_page(page, core)

    return main


def _logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for ours in ("app", "ui"):  # our own progress lines; Flet's INFO chatter stays off
        logging.getLogger(ours).setLevel(logging.INFO)
    if os.environ.get(DEBUG_ENV):  # Flet's own session and websocket log, to diagnose a dropped connection
        for name in ("flet", "flet_web", "flet_transport"):
            logging.getLogger(name).setLevel(logging.DEBUG)


def run_desktop(server_url: str | None = None) -> None:
    _logging()
    prepared = Preparation(server_url)
    prepared.start()  # the window's own process takes a while to start: prepare meanwhile
    import flet as ft

    ft.run(_page_main(prepared, loopback_media=True), assets_dir=str(ASSETS_DIR))


def web_front(fonts: bytes | None = None):
    """The web app's static files (``ui.web_front``), or None where it cannot serve them. The engine's files are
    compressed once into the client folder's cache, kept across runs (or into ``PHOTOSHARE_WEB_CACHE_DIR``)."""
    from app.session import client_dir

    from .web_front import WebFront

    if not WebFront.usable():
        return None
    cache_dir = os.environ.get(WEB_CACHE_ENV) or client_dir() / WEB_CACHE_DIR
    return WebFront(ASSETS_DIR, APP_NAME, APP_NAME, APP_DESCRIPTION, cache_dir=cache_dir,
                    extra={FONT_MANIFEST_PATH.lstrip("/"): fonts if fonts is not None else _font_manifest()},
                    preload=FIRST_SCREEN_FILES)


def run_web(host: str, port: int, server_url: str | None = None, *, per_browser: bool = False,
            server_fixed: bool = False) -> None:
    """Serve the UI (and the photos it shows, on the same origin) with uvicorn, as Flet's own web mode
    does, plus the local media path in front of it.

    ``per_browser``: every browser session signs in on its own (``BrowserSessions``); otherwise the app is
    one person's client, sharing this machine's sign-in, queue and watched folders with the desktop app.
    ``server_fixed``: served by ``photoshare serve`` beside its API, so the sign-in screen asks for no address.

    The port answers before Flet is imported: ``ui.web_front`` serves the engine's files (at all times,
    compressed and cacheable) while a thread makes Flet's app and then the UI (``Preparation``); the
    websocket and anything else wait for them.
    """
    _logging()
    from app.media_server import PATH_PREFIX

    def make_flet_app():
        from flet_web.fastapi import app as flet_web_app

        # no_cdn: the client must work on a LAN with no internet (CanvasKit and fonts come from this process).
        # app_name: the page's <title> (and the name a phone gives it on its home screen) from the first byte.
        page_main = _browser_page_main(sessions) if sessions is not None else _page_main(prepared, loopback_media=False)
        return flet_web_app(page_main, assets_dir=str(ASSETS_DIR), no_cdn=True, app_name=APP_NAME,
                            app_short_name=APP_NAME, app_description=APP_DESCRIPTION)

    prepared = Preparation(server_url, make_flet_app)
    sessions = BrowserSessions(prepared, server_url, server_fixed=server_fixed) if per_browser else None
    fonts = _font_manifest()
    front = web_front(fonts)
    flet_started: list = []  # Flet's app manager, once started (what Flet's own lifespan would do)

    async def flet_app():
        app = prepared.web_app_ready or await prepared.web_app()
        if not flet_started:
            from flet_web.fastapi import app_manager

            flet_started.append(app_manager)
            await app_manager.start()
        return app

    async def asgi(scope, receive, send):
        if scope["type"] == "lifespan":
            return await _lifespan(receive, send, flet_started)
        path = scope["path"]
        if scope["type"] == "http" and len(path) > MAX_PATH_CHARS:  # no file or route is this long; the file server would fail on the name
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")]})
            return await send({"type": "http.response.body", "body": b"Not found"})
        if path.startswith(PATH_PREFIX):
            if sessions is not None:
                return await sessions.media(scope, receive, send)
            core = await prepared.core()
            return await core.media.asgi(scope, receive, send)
        if path == FONT_MANIFEST_PATH and front is None:
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json"), (b"cache-control", b"no-cache")]})
            return await send({"type": "http.response.body", "body": fonts})
        if front is not None and await front.serve(scope, send):
            return None
        return await (await flet_app())(scope, receive, send)

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(asgi, host=host, port=port, ws="websockets-sansio", log_level="warning",
                                           lifespan="on", timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS))
    asyncio.run(_serve(server, prepared, front))


async def _lifespan(receive, send, flet_started: list) -> None:
    """Flet's own lifespan starts its app manager at startup: here that happens when Flet's app is first
    used (``run_web``), so that startup does not wait for Flet's import; shutdown stops it."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            for app_manager in flet_started:
                await app_manager.shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return


def _font_manifest() -> bytes:
    """Flet's font manifest without the fonts PhotoShare never draws.

    The Flutter engine fetches and parses every font in this manifest before the app's first frame. Flet's
    web build lists twelve KaTeX families (maths in Markdown, which PhotoShare does not use); left out,
    the first frame comes about 0.3 s sooner on two busy cores. The rest of the manifest is Flet's own,
    read from the installed package (without importing Flet) and given Flet's no-CDN Roboto entry
    (``flet_web.patch_font_manifest_json``), so it follows Flet's version.
    """
    from .web_front import flet_web_dir

    path = flet_web_dir().joinpath(*FONT_MANIFEST_PATH.strip("/").split("/"))
    families = [family for family in json.loads(path.read_text(encoding="utf-8"))
                if not family["family"].startswith(UNUSED_FONT_PACKAGES)]
    families.append({"family": "Roboto", "fonts": [{"asset": "fonts/roboto.woff2"}]})
    return json.dumps(families, indent=2).encode()


async def _serve(server, prepared: Preparation, front=None) -> None:
    """Answer first, prepare second: the thread's imports would otherwise hold the interpreter while
    the server is still starting, and the browser then spends a second loading the Flutter engine.
    The engine's files are compressed last, on a thread of lower priority (``ui.web_front``)."""
    serving = asyncio.ensure_future(server.serve())
    while not server.started and not serving.done():
        await asyncio.sleep(0.005)
    prepared.start()
    warming = asyncio.ensure_future(front.warm()) if front is not None else None
    try:
        await serving
    finally:
        if front is not None:
            warming.cancel()
            front.close()
