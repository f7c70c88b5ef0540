"""The sign-in screen in Chromium: what it asks for depends on where the app runs and what the server needs.

Served by `photoshare serve` at its own address, there is no server address to type (the page came from
the server); the very first account takes the setup code `serve` printed, and later ones an invite code
where the server registers by invitation. `photoshare web --server` run on its own still asks for the
address. The page is called PhotoShare either way.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.e2e.servers import ROOT, ServerProcess
from tests.ui.harness import UI_TIMEOUT_MS, FlutterPage

PASSWORD = "correct horse battery"
SETUP_CODE = re.compile(r"/setup\?code=([2-9A-Z-]{14})")
SETUP_HINT = "Printed by photoshare serve in its terminal"


@pytest.fixture
def served_by_invitation(tmp_path):
    env = {"PHOTOSHARE_WEB_UI": "true", "PHOTOSHARE_REQUIRE_SETUP_CODE": "true", "PHOTOSHARE_REGISTRATION": "invite"}
    server = ServerProcess(tmp_path / "data", env=env).start()
    yield server
    server.stop()


def make_invite(server: ServerProcess) -> str:
    """What the admin does in a terminal: `photoshare admin invite`."""
    result = subprocess.run([sys.executable, "-m", "app", "admin", "invite", "--data-dir", str(server.data_dir)],
                            cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=60, check=True)
    return result.stdout.strip().splitlines()[-1]


async def absent(ui: FlutterPage, label: str) -> bool:
    return await ui.host.get_by_label(label).count() == 0


async def test_served_by_the_server_first_the_setup_code_then_invites(served_by_invitation, browser_page, tmp_path):
    server = served_by_invitation
    ui = browser_page
    code = SETUP_CODE.search(server.log_path.read_text()).group(1)

    # The first visitor: no server address to give, and the setup code is asked for, with where to find it.
    await ui.open(server.url + "/")
    await ui.button("Create account")
    assert await ui.page.title() == "PhotoShare"
    await ui.see(SETUP_HINT)
    assert await absent(ui, "Server address")
    assert await absent(ui, "Invite code")  # the admin needs none
    await ui.fill("Username", "grandma")
    await ui.fill("Password", PASSWORD)
    await ui.fill("Setup code", code)
    await ui.page.screenshot(path=str(tmp_path / "setup-code.png"))  # to look at when it fails
    await ui.click("Create account")
    await ui.see("Your feed is empty")

    # Someone invited, in a browser of their own: no setup code any more, an invite code instead.
    invite = make_invite(server)
    context = await ui.page.context.browser.new_context(viewport={"width": 480, "height": 960})
    try:
        guest = FlutterPage(await context.new_page())
        await guest.open(server.url + "/")
        await guest.button("Create account")
        # This server registers by invitation (GET /setup says so): the code is asked for, not optional.
        await guest.host.get_by_label("Invite code", exact=True).first.wait_for(timeout=UI_TIMEOUT_MS)
        assert await absent(guest, "Invite code (optional)")
        await guest.see("This server registers people by invitation: the code you were given.")
        assert await absent(guest, "Setup code") and await absent(guest, "Server address")
        await guest.fill("Username", "grandson")
        await guest.fill("Password", PASSWORD)
        await guest.click("Create account")  # without the code: refused, and the field says why
        await guest.see("This server registers people by invitation: enter the invite code you were given.")
        await guest.page.screenshot(path=str(tmp_path / "invite-refused.png"))
        await guest.fill("Invite code", "WRONG-CODE")
        await guest.click("Create account")
        await guest.see("That invite code is not valid (it may be used or expired): ask for a new one.")
        await guest.fill("Invite code", invite)
        await guest.click("Create account")
        await guest.see("Your feed is empty")
        assert await guest.page.title() == "PhotoShare"
    finally:
        await context.close()


async def test_run_on_its_own_the_app_asks_which_server(web_app, browser_page):
    ui = browser_page
    await ui.open(web_app.url)
    await ui.button("Create account")
    await ui.host.get_by_label("Server address").first.wait_for(timeout=UI_TIMEOUT_MS)
    await ui.host.get_by_label("Invite code (optional)").first.wait_for(timeout=UI_TIMEOUT_MS)
    assert await absent(ui, "Setup code")  # the test server registers without one
    assert await ui.page.title() == "PhotoShare"
