"""Create in the browser, at desktop and phone sizes: the picked photos are reordered by dragging one onto another's
place (a mouse at desktop size, a finger's touch events on the narrowest phone), and the post reaches the server in
the order shown; nothing in the strip or the frame choices is cut off; files that are not taken are named with the
reason, and a single photo can be removed.
"""

from __future__ import annotations

import asyncio
import io
import time

import pytest
from PIL import Image, ImageFont

from tests.client.photos import write_photo
from tests.e2e.servers import ROOT
from tests.ui.harness import UI_TIMEOUT_MS, FlutterPage
from tests.ui.test_safety_flows import PASSWORD, SCREENS, register, sign_in
from ui.theme import FONTS, BASE_FAMILY
from ui.views.create import CROP_LABEL_SIZE, CROP_LABELS

# The narrowest phone the app is made for (issue 17: 360–430 px), and a desktop window.
DRAG_SCREENS = {"desktop": SCREENS["desktop"], "phone": {"width": 360, "height": 780}}
SETTLE_MS = 800  # the drawn frame may trail the accessibility tree on two busy cores
INK = 60  # this much darker than the button's surface (0–255) is a letter's ink, antialiased edges included

SHARE_TIMEOUT_SECONDS = 90
DRAG_STEPS = 12
STEP_MS = 40
HOLD_MS = 300  # over the target before letting go, as a person does
STRIP_LABELS = ("Edit photo 1 of 3", "Edit photo 2 of 3", "Edit photo 3 of 3", "Add more photos", "Move earlier",
                "Move later", "Remove this photo")


@pytest.fixture(params=sorted(DRAG_SCREENS))
def screen(request) -> str:
    return request.param


async def centre(ui: FlutterPage, label: str) -> tuple[float, float]:
    target = ui.host.get_by_label(label).first
    await target.wait_for(timeout=UI_TIMEOUT_MS)
    box = await target.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


async def on_screen(ui: FlutterPage, label: str) -> None:
    """Nothing clipped: the whole of it inside the viewport."""
    target = ui.host.get_by_label(label).or_(ui.host.get_by_text(label)).first
    await target.wait_for(timeout=UI_TIMEOUT_MS)
    box = await target.bounding_box()
    size = ui.page.viewport_size
    assert box["x"] >= 0 and box["x"] + box["width"] <= size["width"], f"{label!r} is cut off at the side: {box}"
    assert box["y"] >= 0 and box["y"] + box["height"] <= size["height"], f"{label!r} is off screen: {box}"


async def drawn_whole(ui: FlutterPage, word: str, size: float) -> None:
    """The word on a button is drawn whole, not cut off by its box: its ink is about as wide as the word set in the
    app's font at that size (a cut-off word is narrower by its missing letters)."""
    target = ui.host.get_by_text(word, exact=True).or_(ui.host.get_by_label(word, exact=True)).first
    await target.wait_for(timeout=UI_TIMEOUT_MS)
    await ui.page.wait_for_timeout(SETTLE_MS)
    box = await target.bounding_box()
    shot = Image.open(io.BytesIO(await ui.page.screenshot(clip=box))).convert("L")
    band = range(max(0, shot.height // 2 - 7), min(shot.height, shot.height // 2 + 7))  # the letters' height
    inside = range(3, shot.width - 3)  # within the outline
    surface = max(shot.getpixel((x, y)) for x in inside for y in band)
    columns = [x for x in inside if any(shot.getpixel((x, y)) < surface - INK for y in band)]
    assert columns, f"no text drawn on {word!r}"
    expected = ImageFont.truetype(str(ROOT / "assets" / FONTS[BASE_FAMILY]), round(size)).getlength(word)
    drawn = columns[-1] - columns[0] + 1
    assert drawn >= 0.92 * expected, f"{word!r} is cut off: {drawn} px of ink, the word is {expected:.0f} px wide"


async def mouse_drag(ui: FlutterPage, start, end) -> None:
    page = ui.page
    await page.mouse.move(*start)
    await page.mouse.down()
    for step in range(1, DRAG_STEPS + 1):
        await page.mouse.move(start[0] + (end[0] - start[0]) * step / DRAG_STEPS,
                              start[1] + (end[1] - start[1]) * step / DRAG_STEPS)
        await page.wait_for_timeout(STEP_MS)
    await page.wait_for_timeout(HOLD_MS)
    await page.mouse.up()


async def touch_drag(ui: FlutterPage, start, end) -> None:
    """A finger: Chromium's touch events through the DevTools protocol (Playwright's touchscreen only taps), which
    the page sees as touch pointer events."""
    session = await ui.page.context.new_cdp_session(ui.page)
    await session.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 1})
    try:
        def point(fraction: float) -> list[dict]:
            return [{"x": start[0] + (end[0] - start[0]) * fraction, "y": start[1] + (end[1] - start[1]) * fraction}]

        await session.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": point(0)})
        for step in range(1, DRAG_STEPS + 1):
            await session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": point(step / DRAG_STEPS)})
            await ui.page.wait_for_timeout(STEP_MS)
        await ui.page.wait_for_timeout(HOLD_MS)
        await session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    finally:
        await session.send("Emulation.setTouchEmulationEnabled", {"enabled": False})
        await session.detach()


async def the_only_post(api, username: str):
    deadline = time.monotonic() + SHARE_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        posts = (await api.user_posts(username)).items
        if posts:
            assert len(posts) == 1, f"expected one post, the server has {len(posts)}"
            return posts[0]
        await asyncio.sleep(0.5)
    raise AssertionError(f"no post reached the server in {SHARE_TIMEOUT_SECONDS} s")


async def test_dragging_the_third_photo_onto_the_first_posts_it_first(browser_page, web_app, ui_server, tmp_path,
                                                                      screen):
    ui: FlutterPage = browser_page
    await ui.page.set_viewport_size(DRAG_SCREENS[screen])
    # Added in name order: wide, square, tall. Told apart on the server by their shapes.
    wide = write_photo(tmp_path / "1-lake.jpg", size=(1200, 900), seed=41)
    square = write_photo(tmp_path / "2-field.jpg", size=(900, 900), seed=42)
    tall = write_photo(tmp_path / "3-pine.jpg", size=(720, 960), seed=43)
    dana = await register(ui_server.url, "dana")
    try:
        await sign_in(ui, web_app.url, "dana", PASSWORD)
        await ui.see("Your feed is empty")
        await ui.tab("New post")
        async with ui.page.expect_file_chooser(timeout=30_000) as chooser:
            await ui.click("Choose photos")
        await (await chooser.value).set_files([str(tall), str(wide), str(square)])

        # The strip: three numbered photos, the first being edited, and its buttons, none of them cut off.
        await ui.host.get_by_label("Edit photo 1 of 3 (editing)").first.wait_for(timeout=UI_TIMEOUT_MS)
        await ui.see("Photo 1 of 3")
        await ui.see("Drag a photo onto another's place to change the order.")
        for label in STRIP_LABELS:
            await on_screen(ui, label)
        for name in CROP_LABELS.values():
            await drawn_whole(ui, name, CROP_LABEL_SIZE)

        # The tall photo (third) dragged onto the first place: the photo being edited (the lake) is now second.
        start, end = await centre(ui, "Edit photo 3 of 3"), await centre(ui, "Edit photo 1 of 3")
        await (touch_drag if screen == "phone" else mouse_drag)(ui, start, end)
        await ui.see("Photo 2 of 3")
        await ui.host.get_by_label("Edit photo 2 of 3 (editing)").first.wait_for(timeout=UI_TIMEOUT_MS)
        await ui.page.screenshot(path=str(tmp_path / f"reordered-{screen}.png"))

        await ui.click("Next")
        await ui.click("Share")
        post = await the_only_post(dana, "dana")
        shapes = [round(media.width / media.height, 2) for media in post.media]
        assert shapes == [0.75, 1.33, 1.0], f"the photos reached the server out of the order shown: {shapes}"
    finally:
        await dana.aclose()


async def test_files_left_out_are_named_with_the_reason_and_a_single_photo_can_be_removed(browser_page, web_app,
                                                                                         ui_server, tmp_path):
    ui: FlutterPage = browser_page
    await ui.page.set_viewport_size(SCREENS["phone"])
    beach = write_photo(tmp_path / "1-beach.jpg", size=(800, 600), seed=44)
    notes = tmp_path / "2-notes.txt"
    notes.write_text("milk, eggs, film")
    fake = tmp_path / "3-holiday.jpg"
    fake.write_text("this is text with a photo's name")
    huge = tmp_path / "4-huge.jpg"
    with open(huge, "wb") as sparse:  # 60 MB on paper, nothing on disk; refused by its size before it is read
        sparse.truncate(60 * 1024 * 1024)
    erin = await register(ui_server.url, "erin")
    try:
        await sign_in(ui, web_app.url, "erin", PASSWORD)
        await ui.see("Your feed is empty")
        await ui.tab("New post")
        async with ui.page.expect_file_chooser(timeout=30_000) as chooser:
            await ui.click("Choose photos")
        await (await chooser.value).set_files([str(beach), str(notes), str(fake)])

        # The photo is taken; the two others are named, each with its reason, under the strip where it is seen.
        await ui.host.get_by_label("Edit photo 1 of 1 (editing)").first.wait_for(timeout=UI_TIMEOUT_MS)
        await ui.see("2-notes.txt is not a photo: PhotoShare posts JPEG, PNG, HEIC, WebP, AVIF or GIF photos.")
        await ui.see("3-holiday.jpg is not a photo PhotoShare can read (its contents are not an image).")
        await on_screen(ui, "3-holiday.jpg is not a photo PhotoShare can read (its contents are not an image).")
        await on_screen(ui, "Remove this photo")
        await ui.page.screenshot(path=str(tmp_path / "refused.png"))

        # One photo can be removed too: back to choosing.
        await ui.click("Remove this photo")
        await ui.see("Choose photos or a video")

        # A file too big for the app, opened by its path.
        await ui.fill("Photo path", str(huge))
        await ui.click("Open")
        await ui.see("4-huge.jpg is too big (60 MB): a photo can be at most 50 MB.")
        await on_screen(ui, "4-huge.jpg is too big (60 MB): a photo can be at most 50 MB.")
        assert not (await erin.user_posts("erin")).items
    finally:
        await erin.aclose()
