"""The early front (ui/web_front.py) serves what Flet's own web app serves, byte for byte, with its headers.

It answers while Flet is still being imported; if a Flet upgrade changed the page, its patching or its
headers, the browser would get a different app for the first second: this catches that here.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import urllib.request

import httpx

from tests.e2e.servers import ROOT, stop_process
from tests.ports import free_port
from ui.app import APP_DESCRIPTION, APP_NAME, ASSETS_DIR
from ui.web_front import FLET_HEADERS, EarlyFront

# What the browser asks for before the app's websocket opens, and a route of the app (answered with the page).
PATHS = ["/", "/index.html", "/manifest.json", "/flutter_bootstrap.js", "/flutter.js", "/main.dart.mjs",
         "/main.dart.wasm", "/main.dart.js", "/canvaskit/canvaskit.js", "/canvaskit/chromium/canvaskit.wasm",
         "/favicon.png", "/icons/icon-192.png", "/assets/fonts/roboto.woff2", "/assets/fonts/DejaVuSans.ttf",
         "/post/1234", "/settings", "/no/such/file.js", "/../secret", "/%2e%2e/etc/passwd"]
COMPARED_HEADERS = ["content-type", "content-length", *(name.decode() for name, _ in FLET_HEADERS)]


async def early_answer(front: EarlyFront, path: str, method: str = "GET") -> tuple[int, dict, bytes]:
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    raw_path = path.split("?")[0]
    served = await front.serve({"type": "http", "method": method, "path": raw_path, "raw_path": raw_path.encode(),
                                "query_string": b"", "headers": []}, send)
    assert served, f"the early front refused {path}"
    headers = {name.decode(): value.decode() for name, value in sent[0]["headers"]}
    return sent[0]["status"], headers, sent[1]["body"]


async def test_the_early_front_serves_what_flet_serves():
    from flet_web.fastapi import app as flet_web_app

    flet = flet_web_app(lambda page: None, assets_dir=str(ASSETS_DIR), no_cdn=True, app_name=APP_NAME,
                        app_short_name=APP_NAME, app_description=APP_DESCRIPTION)
    front = EarlyFront(ASSETS_DIR, APP_NAME, APP_NAME, APP_DESCRIPTION)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=flet), base_url="http://test") as client:
        for path in PATHS:
            theirs = await client.get(path)
            status, headers, body = await early_answer(front, path)
            assert (status, body) == (theirs.status_code, theirs.content), path
            for name in COMPARED_HEADERS:
                assert headers.get(name) == theirs.headers.get(name), (path, name)
    assert b"<title>PhotoShare</title>" in (await early_answer(front, "/"))[2]


async def test_what_is_not_a_file_waits_for_flet():
    front = EarlyFront(ASSETS_DIR, APP_NAME, APP_NAME, APP_DESCRIPTION)

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
