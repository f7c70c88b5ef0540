"""The web app as `photoshare serve` shows it to a phone: at the server's own address, in Chromium.

A fresh server listens on all addresses; the browser reaches it by the machine's network address (not
loopback, as a phone would), creates the admin on the /setup page with the printed code, then signs in
to the app served at / and posts a photo, which the browser fetches through the server like the rest.
"""

from __future__ import annotations

import re

import pytest

from server.ops.first_run import lan_address
from tests.client.photos import write_photo
from tests.e2e.servers import ServerProcess
from tests.services import require
from tests.ui.harness import FlutterPage

PASSWORD = "correct horse battery"
SETUP_CODE = re.compile(r"/setup\?code=([2-9A-Z-]{14})")
PHOTO_TIMEOUT_MS = 90_000


@pytest.fixture
def served(tmp_path):
    env = {"PHOTOSHARE_WEB_UI": "true", "PHOTOSHARE_REQUIRE_SETUP_CODE": "true"}
    server = ServerProcess(tmp_path / "data", env=env, args=["--host", "0.0.0.0"]).start()
    yield server
    server.stop()


async def test_a_phone_sets_up_the_server_and_posts_from_its_browser(served, browser_page, tmp_path):
    address = lan_address()
    require(address is not None, "this machine has no network address besides loopback")
    base = f"http://{address}:{served.port}"
    code = SETUP_CODE.search(served.log_path.read_text()).group(1)
    page = browser_page.page

    # The setup page is plain HTML: fill it as a person would.
    await page.goto(f"{base}/setup?code={code}")
    assert await page.input_value("#code") == code
    await page.fill("#username", "grandma")
    await page.fill("#password", PASSWORD)
    await page.fill("#password2", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=You are the admin")
    await page.click("text=Open PhotoShare")

    # The app, served by the server at its own address, over the forwarded websocket.
    photos_seen: list[str] = []
    page.on("response", lambda response: photos_seen.append(response.url)
            if "/photoshare-media/" in response.url and response.status == 200 else None)
    ui = FlutterPage(page)
    await ui.open(base + "/")
    await ui.fill("Username", "grandma")
    await ui.fill("Password", PASSWORD)
    await ui.click("Sign in", exact=True)
    await ui.see("Your feed is empty")

    photo = write_photo(tmp_path / "garden.jpg", size=(900, 700), seed=3)
    await ui.tab("New post")
    async with page.expect_file_chooser(timeout=30_000) as chooser:
        await ui.click("Choose photos")
    await (await chooser.value).set_files(str(photo))
    await ui.click("Next")
    await ui.fill("Write a caption…", "Roses are out #garden")
    await ui.click("Share")
    await ui.host.get_by_label("Photo by grandma. Double tap to like.").first.wait_for(timeout=PHOTO_TIMEOUT_MS)
    await ui.see("Roses are out")
    for _ in range(60):
        if any(url.startswith(base + "/photoshare-media/") for url in photos_seen):
            break
        await page.wait_for_timeout(500)
    assert any(url.startswith(base + "/photoshare-media/") for url in photos_seen), photos_seen


async def test_another_browser_is_not_signed_in_as_someone_else(served, browser_page, tmp_path):
    base = f"http://127.0.0.1:{served.port}"
    code = SETUP_CODE.search(served.log_path.read_text()).group(1)
    page = browser_page.page
    await page.goto(f"{base}/setup?code={code}")
    await page.fill("#username", "grandma")
    await page.fill("#password", PASSWORD)
    await page.fill("#password2", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=You are the admin")
    ui = FlutterPage(page)
    await ui.open(base + "/")
    await ui.fill("Username", "grandma")
    await ui.fill("Password", PASSWORD)
    await ui.click("Sign in", exact=True)
    await ui.see("Your feed is empty")

    # Someone else on the network opens the same address in a browser of their own (no shared cookies).
    context = await page.context.browser.new_context(viewport={"width": 480, "height": 960})
    try:
        stranger = FlutterPage(await context.new_page())
        await stranger.open(base + "/")
        sign_in = stranger.host.get_by_role("button", name="Sign in", exact=True)
        feed = stranger.host.get_by_text("Your feed is empty")
        await sign_in.or_(feed).first.wait_for(timeout=45_000)
        assert await sign_in.count() == 1 and await feed.count() == 0, "a stranger's browser opened grandma's account"
    finally:
        await context.close()
