"""The web front (ui/web_front.py) serves what Flet's own web app serves, byte for byte, with its headers.

It answers instead of Flet's static files (from before Flet is imported, and after); if a Flet upgrade
changed the page, its patching, its files or its headers, the browser would get a different app: this
catches that here. Where the front changes Flet's bytes on purpose (the page loads the engine from a
versioned path; the engine's Rive CDN becomes a local path), the test makes the same change to Flet's answer
and checks that the rest is identical. Compression and validators are checked on top.
"""

from __future__ import annotations

import asyncio
import gzip
import subprocess
import sys
import time
import urllib.request

import brotli
import httpx

from tests.e2e.servers import ROOT, stop_process
from tests.ports import free_port
from ui.app import APP_DESCRIPTION, APP_NAME, ASSETS_DIR
from ui.web_front import (FLET_HEADERS, PRELOAD_ENGINE, RIVE_CDN, RIVE_LOCAL, SINGLE_THREAD_CONFIG, WebFront, flet_web_dir, rewrite_engine,
                          versioned_index)

# What the browser asks for before the app's websocket opens, and a route of the app (answered with the page).
PATHS = ["/", "/index.html", "/manifest.json", "/flutter_bootstrap.js", "/flutter.js", "/main.dart.mjs",
         "/main.dart.wasm", "/main.dart.js", "/canvaskit/canvaskit.js", "/canvaskit/chromium/canvaskit.wasm",
         "/canvaskit/skwasm.wasm", "/favicon.png", "/icons/icon-192.png", "/assets/fonts/roboto.woff2",
         "/assets/fonts/DejaVuSans.ttf", "/post/1234", "/settings", "/no/such/file.js", "/../secret",
         "/%2e%2e/etc/passwd"]
COMPARED_HEADERS = ["content-type", *(name.decode() for name, _ in FLET_HEADERS)]


async def answer(front: WebFront, path: str, method: str = "GET", headers: dict | None = None) -> tuple[int, dict, bytes]:
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    raw_path = path.split("?")[0]
    served = await front.serve({"type": "http", "method": method, "path": raw_path, "raw_path": raw_path.encode(),
                                "query_string": b"", "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]},
                               send)
    assert served, f"the front refused {path}"
    answered = {name.decode(): value.decode() for name, value in sent[0]["headers"]}
    return sent[0]["status"], answered, sent[1]["body"]


def as_served(path: str, flet_body: bytes, front: WebFront) -> bytes:
    """Flet's bytes with the front's deliberate changes: the page's versioned engine path, no Rive CDN."""
    if flet_body == front.flet_index:
        return versioned_index(flet_body.decode(), front.base, front.theme_color, front.preload).encode()
    return rewrite_engine(path.rsplit("/", 1)[-1], flet_body)


async def test_the_front_serves_what_flet_serves(tmp_path):
    from flet_web.fastapi import app as flet_web_app

    flet = flet_web_app(lambda page: None, assets_dir=str(ASSETS_DIR), no_cdn=True, app_name=APP_NAME,
                        app_short_name=APP_NAME, app_description=APP_DESCRIPTION)
    front = WebFront(ASSETS_DIR, APP_NAME, APP_NAME, APP_DESCRIPTION, cache_dir=tmp_path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=flet), base_url="http://test") as client:
        assert (await client.get("/")).content == front.flet_index  # the page before the front's own changes
        for path in PATHS:
            theirs = await client.get(path, headers={"Accept-Encoding": "identity"})
            expected = as_served(path, theirs.content, front)
            for served_at in (path, front.base.rstrip("/") + path):  # the root and the versioned path
                status, headers, body = await answer(front, served_at)
                assert (status, body) == (theirs.status_code, expected), served_at
                assert headers["content-length"] == str(len(body))
                for name in COMPARED_HEADERS:
                    assert headers.get(name) == theirs.headers.get(name), (served_at, name)
    page = (await answer(front, "/"))[2]
    for preloaded in PRELOAD_ENGINE:  # what the page preloads exists (a Flet upgrade may move it)
        assert (await answer(front, front.base + preloaded))[2] == (flet_web_dir() / preloaded).read_bytes()
    assert b"<title>PhotoShare</title>" in page and f'flet.entrypointBaseUrl="{front.base}"'.encode() in page
    assert SINGLE_THREAD_CONFIG in (await answer(front, front.base + "flutter_bootstrap.js"))[2]  # Flet moved it?
    engine = (await answer(front, "/main.dart.wasm"))[2]
    assert RIVE_CDN not in engine and RIVE_LOCAL in engine and len(engine) == len(
        (await answer(front, "/main.dart.wasm"))[2])
    front.close()


async def test_compressed_cached_and_revalidated(tmp_path):
    front = WebFront(ASSETS_DIR, APP_NAME, APP_NAME, APP_DESCRIPTION, cache_dir=tmp_path)
    engine = front.base + "main.dart.mjs"
    _, _, plain = await answer(front, engine)
    # Nothing compressed yet: gzip is made at once; brotli follows in the background.
    status, headers, body = await answer(front, engine, headers={"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert (status, headers["content-encoding"], headers["vary"]) == (200, "gzip", "Accept-Encoding")
    assert gzip.decompress(body) == plain and int(headers["content-length"]) == len(body) < len(plain) / 2
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    for job in front.precompress(["main.dart.mjs"]):
        job.result(timeout=300)
    status, headers, body = await answer(front, engine, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert headers["content-encoding"] == "br" and brotli.decompress(body) == plain
    status, headers, _ = await answer(front, engine, headers={"Accept-Encoding": "br;q=0, gzip"})
    assert headers["content-encoding"] == "gzip"
    assert "content-encoding" not in (await answer(front, "/icons/icon-192.png", headers={"Accept-Encoding": "br"}))[1]
    # The page and the manifest are revalidated on every visit, and unchanged they cost a 304.
    for path in ("/", "/manifest.json"):
        status, headers, _ = await answer(front, path, headers={"Accept-Encoding": "br"})
        assert headers["cache-control"] == "no-cache"
        status, _, body = await answer(front, path, headers={"Accept-Encoding": "br", "If-None-Match": headers["etag"]})
        assert (status, body) == (304, b"")
        status, _, _ = await answer(front, path, headers={"If-Modified-Since": headers["last-modified"]})
        assert status == 304
    status, _, _ = await answer(front, "/", headers={"If-None-Match": '"something-else"'})
    assert status == 200
    front.close()


def test_the_first_screen_font_is_the_themes():
    """The page preloads the font the theme asks for (ui/app.py cannot import ui/theme.py before Flet)."""
    from ui.app import FIRST_SCREEN_FILES
    from ui.theme import BASE_FAMILY, FONTS

    assert FIRST_SCREEN_FILES == (FONTS[BASE_FAMILY],) and (ASSETS_DIR / FONTS[BASE_FAMILY]).is_file()


async def test_what_is_not_a_file_waits_for_flet():
    front = WebFront(ASSETS_DIR, APP_NAME, APP_NAME, APP_DESCRIPTION)

    async def refuse(message):
        raise AssertionError("answered")

    for scope in ({"type": "websocket", "path": "/ws"}, {"type": "http", "method": "GET", "path": "/ws"},
                  {"type": "http", "method": "POST", "path": "/"}, {"type": "http", "method": "PUT", "path": "/upload"}):
        assert not await front.serve(scope, refuse)


def test_the_web_app_answers_before_flet_is_imported(tmp_path):
    """The page comes at once; the app's websocket (what needs Flet) is served as before once it is ready."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "app", "web", "--port", str(port)], cwd=ROOT,
                               env={"PHOTOSHARE_CLIENT_DIR": str(tmp_path / "client"), "PATH": "/usr/bin:/bin",
                                    "PYTHONPATH": str(ROOT)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    page = response.read()
                    break
            except OSError:
                assert time.monotonic() < deadline, "the web app never answered"
                time.sleep(0.02)
        assert b"<title>PhotoShare</title>" in page and b'flet.webSocketEndpoint="ws"' in page
        asyncio.run(_websocket_opens(port))
    finally:
        stop_process(process)


async def _websocket_opens(port: int) -> None:
    import websockets

    async with websockets.connect(f"ws://127.0.0.1:{port}/ws", open_timeout=60) as ws:
        assert ws.protocol.state.name == "OPEN"
