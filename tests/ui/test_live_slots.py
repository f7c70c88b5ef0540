"""A browser tab of the web app `photoshare serve` shows holds one live-notification stream on the server
for its account; closing the tab gives that slot back within seconds (it used to stay taken until Flet
expired the session an hour later, and the next sign-ins met `too_many_streams`)."""

from __future__ import annotations

import urllib.request

import pytest

from tests.e2e.servers import ServerProcess
from tests.ui.harness import wait_for_streams

PASSWORD = "correct horse battery"
SIGNED_IN_STREAM_TIMEOUT_SECONDS = 60  # signing in through Flutter on a busy machine
FREED_TIMEOUT_SECONDS = 5


@pytest.fixture
def served(tmp_path):
    server = ServerProcess(tmp_path / "data", env={"PHOTOSHARE_WEB_UI": "true"}).start()
    yield server
    server.stop()


async def test_closing_the_tab_frees_its_live_stream_on_the_server(served, browser_page):
    import json

    request = urllib.request.Request(f"{served.url}/api/v1/auth/register", method="POST",
                                     data=json.dumps({"username": "grandma", "password": PASSWORD}).encode(),
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=10).close()
    tab = browser_page  # its page is closed below (a failure before then keeps its screen)
    await tab.open(served.url + "/")
    await tab.fill("Username", "grandma")
    await tab.fill("Password", PASSWORD)
    await tab.click("Sign in", exact=True)
    await tab.see("Your feed is empty")
    await wait_for_streams(served, 1, SIGNED_IN_STREAM_TIMEOUT_SECONDS)

    await tab.page.close()
    took = await wait_for_streams(served, 0, FREED_TIMEOUT_SECONDS)
    print(f"the closed tab's stream was freed after {took:.2f} s")
