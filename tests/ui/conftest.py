"""Fixtures for the browser and desktop UI tests: a real server, the web app, Chromium."""

from __future__ import annotations

import pytest

from tests.client.conftest import GENEROUS_LIMITS
from tests.e2e.servers import ServerProcess
from tests.ui.harness import CHROMIUM, CHROMIUM_ARGS, FlutterPage, WebApp, chromium_available, require


@pytest.fixture
def ui_server(tmp_path):
    server = ServerProcess(tmp_path / "server-data", env=GENEROUS_LIMITS).start()
    yield server
    server.stop()


@pytest.fixture
def web_app(tmp_path, ui_server):
    app = WebApp(tmp_path / "client", ui_server.url).start()
    yield app
    app.stop()
    print("---- web app log (tail) ----\n" + app.log_path.read_text(errors="replace")[-4000:])


@pytest.fixture
async def browser_page(tmp_path):
    require(chromium_available(), f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        require(False, "the playwright package is not installed")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 480, "height": 960})
        yield FlutterPage(page)
        last = tmp_path / "last-screen.png"  # what the page showed at the end: the first thing to look at on failure
        await page.screenshot(path=str(last))
        print(f"last screen: {last}")
        await browser.close()
