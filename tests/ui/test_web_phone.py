"""The web app on a phone: what it weighs, how soon it shows, that it asks no other host, that it installs.

Chromium with a phone's screen (390×844, touch, mobile viewport; device scale 1, as Chromium draws on the CPU
here where a phone has a GPU) opens `photoshare web` on loopback: a first visit with an empty browser cache
(up to three, each in a fresh profile, the best of them held to the time target: the time is the CPU's, shared
with whatever else runs on the machine, and on an oversubscribed machine the bound grows with the load average,
as printed), then a repeat visit in the same browser. The test prints what crossed the
wire and asserts the targets of issue #17: first load ≤ 5 MB, repeat visit ≤ 200 KB, first screen ≤ 2 s, and
no request to any host but the server (Chromium is also started unable to resolve any other name, so nothing
could leave the machine anyway). Then the app is used at 360 and 430 px: sign in, nothing wider than the
screen. The same page through `photoshare serve`'s proxy keeps its compression and caching headers, and with
every request to another host intercepted and refused, the app still starts.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import time
import urllib.request

import brotli
import httpx
import pytest

from tests.e2e.servers import ServerProcess
from tests.ui.harness import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, FlutterPage, chromium_available, require
from tests.ui.web_weight import (FIRST_LOAD_TARGET_BYTES, FIRST_SCREEN_TARGET_SECONDS, PHONE, REPEAT_VISIT_TARGET_BYTES,
                                 outside, precompressed, visit)
from ui.app import APP_DESCRIPTION, APP_NAME, ASSETS_DIR
from ui.web_front import RIVE_CDN, WebFront

PASSWORD = "correct horse battery"
# Chromium cannot resolve any name but the loopback addresses: a request to a CDN would fail, and show.
OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"]
IMMUTABLE = "public, max-age=31536000, immutable"


async def nothing_wider_than_the_screen(page, width: int, timeout_s: float = 15.0) -> None:
    """After a resize Flutter lays the screen out again on its next frames: wait (bounded) until every
    semantics node fits the new width, and fail with the boxes that still stick out."""
    deadline = time.monotonic() + timeout_s
    while True:
        boxes = await page.evaluate("""() => [...document.querySelectorAll('flt-semantics')]
            .map(e => e.getBoundingClientRect()).filter(r => r.width > 0 && r.height > 0)
            .map(r => [r.left, r.right])""")
        wider = [box for box in boxes if box[0] < -1 or box[1] > width + 1]
        if boxes and not wider:
            return
        if time.monotonic() > deadline:
            assert boxes, "no semantics nodes"
            assert not wider, (width, wider)
        await page.wait_for_timeout(200)


def register(server_url: str, username: str) -> None:
    request = urllib.request.Request(f"{server_url}/api/v1/auth/register", method="POST",
                                     data=json.dumps({"username": username, "password": PASSWORD}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 201


@pytest.fixture
async def chromium():
    require(chromium_available(), f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + OFFLINE_ARGS)
        yield browser
        await browser.close()


async def test_a_phone_loads_little_soon_and_from_the_server_alone(ui_server, web_app, chromium, tmp_path):
    await precompressed(web_app.url, "br")
    # The time is the CPU's (compiling the engine, the first layout), shared with other work on this machine:
    # up to three first visits, each in a fresh browser profile, and the best must meet the target.
    firsts, context = [], None
    for _ in range(3):
        if context is not None:
            await context.close()
        context = await chromium.new_context(**PHONE)
        first = await visit(context, web_app.url + "/")
        firsts.append(first)
        print(f"\nfirst visit (empty browser cache), phone {PHONE['viewport']}:\n{first.summary()}")
        assert outside(first, web_app.url) == [], outside(first, web_app.url)
        assert not [url for url, _ in first.failed if "/ws" not in url], first.failed
        assert first.encodings[next(url for url in first.transferred if url.endswith("/main.dart.wasm"))] == "br"
        assert first.bytes <= FIRST_LOAD_TARGET_BYTES, first.summary()
        assert sum(url.endswith("/fonts/DejaVuSans.ttf") for url in first.requests.values()) == 1  # the preload is used
        # The renderer draws on the page's thread: no worker of its own (flutter/flutter#190039, ui/web_front.py).
        assert first.page.workers == [], [worker.url for worker in first.page.workers]
        if first.first_screen_seconds <= FIRST_SCREEN_TARGET_SECONDS:
            break
    repeat = await visit(context, web_app.url + "/")
    print(f"repeat visit:\n{repeat.summary()}")
    assert outside(repeat, web_app.url) == [] and not [url for url, _ in repeat.failed if "/ws" not in url]
    assert repeat.bytes <= REPEAT_VISIT_TARGET_BYTES, repeat.summary()

    # The app works at a phone's narrowest and widest: nothing past the screen's edge, signed in or not.
    register(ui_server.url, "phoebe")
    ui = FlutterPage(repeat.page)
    for width in (360, 430):
        await repeat.page.set_viewport_size({"width": width, "height": 800})
        await ui.button("Sign in", exact=True)
        await nothing_wider_than_the_screen(repeat.page, width)
    # Back to the phone's own size before typing: on a phone a resize is the on-screen keyboard coming or going,
    # and a late one would close the text editor under the keystrokes.
    await repeat.page.set_viewport_size(PHONE["viewport"])
    await nothing_wider_than_the_screen(repeat.page, PHONE["viewport"]["width"])
    await ui.fill("Username", "phoebe")
    await ui.fill("Password", PASSWORD)
    await ui.click("Sign in", exact=True)
    await ui.tab("Profile")
    await ui.see("phoebe")
    for width in (430, 360):
        await repeat.page.set_viewport_size({"width": width, "height": 800})
        await ui.see("phoebe")
        await nothing_wider_than_the_screen(repeat.page, width)
    await repeat.page.set_viewport_size(PHONE["viewport"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await repeat.page.screenshot(path=str(SCREENSHOTS / "phone-profile.png"))
    await context.close()
    # The target is for a machine that is not oversubscribed. When other work holds the cores (a load average
    # above 1.5 per CPU, as on a shared development machine), the bound grows with the load, and says so.
    best = min(first.first_screen_seconds for first in firsts)
    contention = os.getloadavg()[0] / (os.cpu_count() or 1)
    limit = FIRST_SCREEN_TARGET_SECONDS * (contention if contention > 1.5 else 1.0)
    print(f"first screen: best {best:.2f} s of {[round(first.first_screen_seconds, 2) for first in firsts]}; "
          f"load {contention:.1f} per CPU, so held to {limit:.1f} s (target {FIRST_SCREEN_TARGET_SECONDS:.0f} s)")
    assert best <= limit, [round(first.first_screen_seconds, 2) for first in firsts]


async def test_installable_from_the_page(web_app):
    """What a phone's browser needs to offer "Install" / "Add to Home screen"."""
    async with httpx.AsyncClient(base_url=web_app.url, timeout=30) as client:
        page = (await client.get("/")).text
        assert '<link rel="manifest" href="manifest.json">' in page and '<meta name="theme-color" content="#E91E63">' in page
        manifest = (await client.get("/manifest.json")).json()
        assert (manifest["name"], manifest["short_name"], manifest["display"]) == ("PhotoShare", "PhotoShare", "standalone")
        assert manifest["start_url"] and manifest["theme_color"] == "#E91E63" and manifest["background_color"]
        sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
        assert {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"), ("512x512", "maskable")} <= sizes
        for icon in manifest["icons"]:
            answer = await client.get("/" + icon["src"])
            assert answer.status_code == 200 and answer.headers["content-type"] == "image/png"
            assert answer.content == (ASSETS_DIR / icon["src"]).read_bytes()  # PhotoShare's, not Flet's


async def test_the_loading_page_follows_the_theme(web_app, chromium):
    """Before the engine draws its first frame the page itself shows: in the app's dark surface on a phone set to
    dark (not a white flash), in the light one otherwise, and in the theme chosen in Settings when there is one
    (kept in the browser's storage; ``test_navigation`` checks the app keeps it under that name)."""
    backgrounds = {"light": "rgb(255, 248, 247)", "dark": "rgb(25, 17, 19)"}
    for system, kept, shown in (("dark", None, "dark"), ("light", None, "light"), ("dark", "light", "light"),
                                ("light", "dark", "dark")):
        context = await chromium.new_context(**PHONE, color_scheme=system)
        if kept:
            await context.add_init_script(f"localStorage.setItem('flutter.photoshare.theme_mode', '\"{kept}\"')")
        page = await context.new_page()
        await page.goto(web_app.url, wait_until="domcontentloaded")
        colour = await page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert colour == backgrounds[shown], (system, kept, colour)
        await context.close()


@pytest.fixture
def served(tmp_path):
    server = ServerProcess(tmp_path / "data", env={"PHOTOSHARE_WEB_UI": "true"}).start()
    yield server
    server.stop()


async def test_through_the_servers_proxy(served, chromium):
    """`photoshare serve` forwards the app's files as they are: compressed once by the app, not again, with
    their validators and caching; and the page, with every request elsewhere intercepted, starts."""
    async with httpx.AsyncClient(base_url=served.url, timeout=60) as client:
        for _ in range(600):  # the web app's child process starts with the server: bounded wait for it
            if (await client.get("/")).status_code == 200:
                break
            await asyncio.sleep(0.2)
    engine = await precompressed(served.url, "gzip")
    front = WebFront(ASSETS_DIR, APP_NAME, APP_NAME, APP_DESCRIPTION)
    expected = front._lookup("main.dart.wasm").body()
    assert RIVE_CDN not in expected
    async with httpx.AsyncClient(base_url=served.url, timeout=60) as client:
        # httpx would undo the coding: read the raw bytes to see what crossed the wire.
        async with client.stream("GET", engine + "main.dart.wasm", headers={"Accept-Encoding": "br, gzip"}) as answer:
            raw = b"".join([chunk async for chunk in answer.aiter_raw()])
        coding = answer.headers["content-encoding"]
        assert coding in ("br", "gzip") and int(answer.headers["content-length"]) == len(raw) < len(expected) / 2
        assert (brotli.decompress(raw) if coding == "br" else gzip.decompress(raw)) == expected
        assert answer.headers["cache-control"] == IMMUTABLE and answer.headers["vary"] == "Accept-Encoding"
        again = await client.get(engine + "main.dart.wasm", headers={"Accept-Encoding": "br, gzip",
                                                                       "If-None-Match": answer.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        page = await client.get("/", headers={"Accept-Encoding": "gzip"})
        assert page.headers["cache-control"] == "no-cache" and page.headers["content-encoding"] == "gzip"

    context = await chromium.new_context(**PHONE)
    elsewhere: list[str] = []

    async def only_the_server(route):
        if route.request.url.startswith(served.url):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_the_server)
    first = await visit(context, served.url + "/")
    print(f"\nthrough the proxy, first visit:\n{first.summary()}")
    assert elsewhere == [] and outside(first, served.url) == []
    assert first.bytes <= FIRST_LOAD_TARGET_BYTES
    await context.close()
