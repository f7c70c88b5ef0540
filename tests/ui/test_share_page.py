"""A share link opened on a phone with JavaScript off: the page alone shows the photo."""

from __future__ import annotations

import asyncio
import uuid

from app.api_client import ApiClient
from tests.client.conftest import GENEROUS_LIMITS
from tests.client.photos import write_photo
from tests.e2e.servers import ServerProcess
from tests.ui.legibility import MIN_CONTRAST, background_fits, background_level, contrast, ink_level, luminance_grey
from tests.ui.harness import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, UI_TIMEOUT_MS, chromium_available, require

PASSWORD = "correct horse battery"
PHONE = {"width": 390, "height": 844}


async def test_a_share_link_shows_the_photo_on_a_phone_without_javascript(tmp_path):
    require(chromium_available(), f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.async_api import async_playwright

    # The web app is on (as `photoshare serve` runs by default): its proxy must leave /s/ to the server.
    server = ServerProcess(tmp_path / "data", env={**GENEROUS_LIMITS, "PHOTOSHARE_WEB_UI": "true"}).start()
    client = ApiClient(server.url)
    try:
        await client.register("grandpa", PASSWORD)
        photo = write_photo(tmp_path / "cake.jpg", size=(1600, 1200), seed=21)
        post = await client.create_post([photo], "Ninety candles", idempotency_key=str(uuid.uuid4()))
        for _ in range(300):  # the link shows the post once its variants exist
            if all(m.status == "ready" for m in (await client.post(post.post_id)).media):
                break
            await asyncio.sleep(0.1)
        link = await client.create_share_link("post", post.post_id)

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = await browser.new_context(java_script_enabled=False, viewport=PHONE, is_mobile=True,
                                                device_scale_factor=2)
            page = await context.new_page()
            response = await page.goto(link.url)
            assert response.status == 200 and "Ninety candles" in await page.content()
            photo_img = page.locator("main picture img").first
            await photo_img.wait_for(timeout=UI_TIMEOUT_MS)
            await page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=await photo_img.element_handle(),
                                         timeout=UI_TIMEOUT_MS)
            box = await photo_img.bounding_box()
            assert box["width"] > 300  # fills the phone's width
            assert await page.locator("text=Open in PhotoShare").count() == 1
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            light = await page.screenshot(path=str(SCREENSHOTS / "share-page.png"))  # shown in docs/sharing.md
            assert background_fits(background_level(light), "light")

            # On a phone set to dark, the page is dark too, its words still readable.
            dark_context = await browser.new_context(java_script_enabled=False, viewport=PHONE, is_mobile=True,
                                                     color_scheme="dark")
            dark_page = await dark_context.new_page()
            await dark_page.goto(link.url)
            await dark_page.locator("main picture img").first.wait_for(timeout=UI_TIMEOUT_MS)
            dark = await dark_page.screenshot()
            assert background_fits(background_level(dark), "dark")
            caption = await dark_page.locator("text=Ninety candles").first.screenshot()
            paper = background_level(caption)
            ink = ink_level(luminance_grey(caption).histogram(), paper)
            assert background_fits(paper, "dark") and contrast(ink, paper) >= MIN_CONTRAST, (ink, paper)
            await browser.close()
    finally:
        await client.aclose()
        server.stop()
