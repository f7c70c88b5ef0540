"""Create a carousel in the browser (desktop and phone sizes): pick three photos at once, reorder them, give one a
filter, a zoom and a drag, write an alt text for each, share, and find them in the feed in the chosen order.

What reached the server is checked too: the order, the alt texts, the filter (black and white) and that the
uploaded photo is the zoomed and dragged part the preview showed, not the whole photo.
"""

from __future__ import annotations

import asyncio
import io

import httpx
import pytest
from PIL import Image, ImageChops, ImageStat

from app.api_client import ApiClient
from app.editing import EditSpec, apply_edits, open_photo, pan_focus
from tests.client.photos import write_photo
from tests.ui.harness import UI_TIMEOUT_MS, FlutterPage
from tests.ui.test_safety_flows import PASSWORD, SCREENS, register, sign_in

SETTLE_MS = 800  # the drawn frame may trail the accessibility tree on two busy cores
SHARE_TIMEOUT_MS = 90_000
ALTS = ["A wide lake at dawn", "A tall pine, in black and white", "A square field"]
# The drag: a quarter of the frame to the right, in steps slower than the frame's drag sampling (66 ms).
DRAG_FRACTION = 0.25
DRAG_STEPS = 8
ZOOM_SHOWN = ("1.25×", "1.5×")  # after each click on Zoom in


@pytest.fixture(params=sorted(SCREENS))
def screen(request) -> str:
    return request.param


async def test_a_carousel_of_three_photos_reordered_filtered_zoomed_with_alt_texts(browser_page, web_app, ui_server,
                                                                                  tmp_path, screen):
    ui: FlutterPage = browser_page
    await ui.page.set_viewport_size(SCREENS[screen])
    # Picked files come in name order (a browser hands them over as it finishes reading them).
    wide = write_photo(tmp_path / "1-lake.jpg", size=(1200, 900), seed=31)
    square = write_photo(tmp_path / "2-field.jpg", size=(900, 900), seed=32)
    tall = write_photo(tmp_path / "3-pine.jpg", size=(720, 960), seed=33)
    carla = await register(ui_server.url, "carla")
    try:
        await sign_in(ui, web_app.url, "carla", PASSWORD)
        await ui.see("Your feed is empty")

        # Pick all three at once.
        await ui.tab("New post")
        async with ui.page.expect_file_chooser(timeout=30_000) as chooser:
            await ui.click("Choose photos")
        await (await chooser.value).set_files([str(tall), str(wide), str(square)])
        await ui.host.get_by_label("Edit photo 3 of 3").first.wait_for(timeout=UI_TIMEOUT_MS)

        # The tall photo goes second.
        await ui.host.get_by_label("Edit photo 3 of 3").first.click()
        await ui.see("Photo 3 of 3")
        await ui.click("Move earlier")
        await ui.see("Photo 2 of 3")
        await ui.host.get_by_label("Edit photo 2 of 3 (editing)").first.wait_for(timeout=UI_TIMEOUT_MS)

        # Zoomed in, dragged to the right (showing more of its left side), and black and white.
        for shown in ZOOM_SHOWN:
            await ui.click("Zoom in")
            await ui.see(shown)
        box = await frame_box(ui)
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        await ui.page.mouse.move(x, y)
        await ui.page.mouse.down()
        for step in range(1, DRAG_STEPS + 1):
            await ui.page.mouse.move(x + box["width"] * DRAG_FRACTION * step / DRAG_STEPS, y)
            await ui.page.wait_for_timeout(120)
        await ui.page.mouse.up()
        await ui.choose("Moon")
        await ui.page.wait_for_timeout(SETTLE_MS)
        await ui.screenshot(f"create-carousel-{screen}")

        # Caption and one alt text per photo, then share.
        await ui.click("Next")
        await ui.fill("Write a caption…", "Three from the weekend")
        for index, alt in enumerate(ALTS):
            await ui.fill(f"Alt text for photo {index + 1}", alt)
        await ui.click("Share")

        # The feed shows one post of three photos in the chosen order, each named by its alt text.
        for index, alt in enumerate(ALTS):
            if index:
                await ui.click("Next photo")
            await ui.host.get_by_label(f"{alt}. Photo {index + 1} of 3 by carla").first.wait_for(timeout=SHARE_TIMEOUT_MS)
        await ui.see("Three from the weekend")

        post = (await carla.user_posts("carla")).items[0]
        assert len((await carla.user_posts("carla")).items) == 1
        assert [m.alt_text for m in post.media] == ALTS
        assert [m.width > m.height for m in post.media] == [True, False, False]
        assert post.media[1].width < post.media[1].height  # the tall one second, its own shape kept
        await check_the_uploaded_crop(carla, post, tall, box)
    finally:
        await carla.aclose()


async def frame_box(ui: FlutterPage) -> dict:
    """Where the crop frame is. Clicking something below the fold (which scrolls) leaves the accessibility
    tree's positions stale on a phone, so the test drags before it clicks further down."""
    frame = ui.host.get_by_label("Preview. Drag to choose what the frame keeps").first
    await frame.wait_for(timeout=UI_TIMEOUT_MS)
    box = await frame.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= ui.page.viewport_size["height"], f"the frame is not on screen: {box}"
    return box


async def check_the_uploaded_crop(api: ApiClient, post, tall_path, frame_box) -> None:
    """The server's copy of the second photo is the zoomed, dragged, black-and-white window the preview showed."""
    media = post.media[1]
    for _ in range(200):
        if media.status == "ready":
            break
        await asyncio.sleep(0.1)
        media = (await api.post(post.post_id)).media[1]
    async with httpx.AsyncClient() as http:
        response = await http.get(media.variants["640"], params={"format": "jpeg"}, timeout=30)
    served = Image.open(io.BytesIO(response.content)).convert("RGB")
    r, g, b = ImageStat.Stat(served).mean
    assert abs(r - g) < 3 and abs(g - b) < 3, "the Moon filter (black and white) was not applied"

    photo = open_photo(tall_path)
    drag = (DRAG_FRACTION, 0.0)
    focus = pan_focus(photo.size, "original", 1.5, (0.5, 0.5), drag)
    expected = apply_edits(photo, EditSpec(filter="moon", zoom=1.5, focus=focus)).resize(served.size)
    whole = apply_edits(photo, EditSpec(filter="moon")).resize(served.size)
    centred = apply_edits(photo, EditSpec(filter="moon", zoom=1.5)).resize(served.size)

    def difference(image) -> float:
        return max(ImageStat.Stat(ImageChops.difference(served, image)).mean)

    assert difference(expected) < 6, f"the upload is not the window the preview showed ({difference(expected):.1f})"
    assert difference(expected) < difference(whole) / 2 and difference(expected) < difference(centred) / 2
