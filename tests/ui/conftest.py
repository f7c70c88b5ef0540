"""Fixtures for the browser and desktop UI tests: a real server, the web app, Chromium.

A failing browser test leaves ``failed-screen.png`` (and ``failed-semantics.html``) in its ``tmp_path``, taken by
the page fixture while the app and the server are still up (``harness.browser_session``); the tests themselves
need no code for it.
"""

from __future__ import annotations

import pytest

from tests.client.conftest import GENEROUS_LIMITS
from tests.e2e.servers import ServerProcess
from tests.ui.harness import PHASE_REPORTS, WebApp, browser_session


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's outcome on the item, where the page fixtures look when they stop."""
    report = yield
    item.stash.setdefault(PHASE_REPORTS, {})[report.when] = report
    return report


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
async def browser_page(request, tmp_path):
    async with browser_session(request, tmp_path, {"width": 480, "height": 960}) as page:
        yield page
