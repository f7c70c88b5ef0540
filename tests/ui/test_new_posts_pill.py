"""The "new posts" pill in Chromium: a followee's post, once ready, is announced by the server's live stream
and offered behind a pill at once, without moving the post being read; a tap shows it at the top."""

from __future__ import annotations

import asyncio
import time
import uuid

from app.api_client import ApiClient
from tests.client.photos import write_photo
from tests.ui.harness import wait_for_streams

PASSWORD = "correct horse battery"
# The stream brings the news in about a second; the client's own look for new posts, were the stream not
# announcing them, would come after 20 s at the earliest (every 2 min once the stream announces them).
PILL_MS = 10_000
LIVE_STREAM_TIMEOUT_SECONDS = 60  # signing in through Flutter on a busy machine


async def post_and_wait_until_ready(author: ApiClient, photo, caption: str) -> float:
    """Share a post; answers the moment (monotonic) it was seen ready, i.e. fanned out to followers' feeds."""
    post = await author.create_post([photo], caption, idempotency_key=str(uuid.uuid4()))
    for _ in range(600):
        if all(m.status == "ready" for m in (await author.post(post.post_id)).media):
            return time.monotonic()
        await asyncio.sleep(0.05)
    raise AssertionError(f"{caption!r} was never processed")


async def signed_in_to_bobs_posts(ui, web_app, ui_server, alice: ApiClient, bob: ApiClient, tmp_path, older: int,
                                  seed: int):
    """alice follows bob, who has shared ``older`` posts; she signs in in the browser and her live stream is
    open on the server. Answers the caption of the newest post, at the top of her feed."""
    await alice.register("alice", PASSWORD)
    await bob.register("bob", PASSWORD)
    await alice.follow("bob")
    for n in range(1, older + 1):
        await post_and_wait_until_ready(bob, write_photo(tmp_path / f"old{n}.jpg", seed=seed + n), f"Older walk {n}")
    await ui.open(web_app.url)
    await ui.fill("Username", "alice")
    await ui.fill("Password", PASSWORD)
    await ui.click("Sign in", exact=True)
    top = await ui.see(f"Older walk {older}")
    await wait_for_streams(ui_server, 1, LIVE_STREAM_TIMEOUT_SECONDS)  # the stream opens just after sign-in
    return top


async def test_a_followees_new_post_shows_a_pill_without_moving_the_list(browser_page, web_app, ui_server, tmp_path):
    ui = browser_page
    async with ApiClient(ui_server.url) as alice, ApiClient(ui_server.url) as bob:
        top = await signed_in_to_bobs_posts(ui, web_app, ui_server, alice, bob, tmp_path, older=2, seed=30)
        before = await top.bounding_box()

        ready_at = await post_and_wait_until_ready(bob, write_photo(tmp_path / "new.jpg", seed=40), "Fresh from the hills")
        pill = await ui.button("1 new post")
        pill_at = time.monotonic()
        print(f"pill shown {pill_at - ready_at:.2f} s after the post was seen ready")
        assert pill_at - ready_at < PILL_MS / 1000

        # The pill floats over the list: what was being read has not moved, and the new post waits behind it.
        assert await top.bounding_box() == before
        assert await ui.host.get_by_text("Fresh from the hills").count() == 0
        await ui.page.screenshot(path=str(tmp_path / "pill.png"))  # to look at when it fails
        await pill.click()
        await ui.see("Fresh from the hills")
        await ui.host.get_by_role("button", name="1 new post").wait_for(state="detached", timeout=10_000)


# Enough older posts (a card is about 500 px tall in the 960 px window) that scrolling puts the top one far out
# of sight: Flutter then drops it from the semantics tree as well as from the screen.
OLDER_POSTS = 6
SCROLL_PIXELS = 1800


async def box_when(locator, settled, timeout_ms: int = 10_000) -> dict | None:
    """The locator's bounding box (None while it is not in the semantics tree) once ``settled(box)`` holds
    (a scroll animates), or the last one seen."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        box = await locator.bounding_box() if await locator.count() else None
        if settled(box) or time.monotonic() > deadline:
            return box
        await asyncio.sleep(0.1)


async def test_tapping_the_pill_far_down_the_feed_scrolls_to_the_new_post(browser_page, web_app, ui_server, tmp_path):
    ui = browser_page
    async with ApiClient(ui_server.url) as alice, ApiClient(ui_server.url) as bob:
        top = await signed_in_to_bobs_posts(ui, web_app, ui_server, alice, bob, tmp_path, older=OLDER_POSTS, seed=50)
        newest = f"Older walk {OLDER_POSTS}"
        # Where the top post's caption sits with the list scrolled to its very top.
        at_top = await top.bounding_box()

        viewport = ui.page.viewport_size
        await ui.page.mouse.move(viewport["width"] / 2, viewport["height"] / 2)
        await ui.page.mouse.wheel(0, SCROLL_PIXELS)
        gone = await box_when(top, lambda box: box is None or box["y"] + box["height"] < 0)
        assert gone is None or gone["y"] + gone["height"] < 0, f"the feed did not scroll: {newest!r} still at {gone}"

        await post_and_wait_until_ready(bob, write_photo(tmp_path / "new.jpg", seed=60), "Fresh from the hills")
        pill = await ui.button("1 new post")
        await pill.click()

        # Like Instagram: the new post is loaded at the top and the list scrolls up to it (animated).
        fresh = ui.host.get_by_text("Fresh from the hills").or_(ui.host.get_by_label("Fresh from the hills")).first
        box = await box_when(fresh, lambda b: b is not None and abs(b["y"] - at_top["y"]) < 2)
        await ui.page.screenshot(path=str(tmp_path / "after-pill.png"))  # to look at when it fails
        assert box is not None, "the new post is not on screen after tapping the pill"
        assert abs(box["y"] - at_top["y"]) < 2, f"the new post is not at the top: caption at {box}, the top is {at_top}"
        assert 0 <= box["y"] and box["y"] + box["height"] <= viewport["height"]
        previous_top = await box_when(top, lambda b: b is not None and b["y"] > box["y"] + box["height"])
        assert previous_top is not None and previous_top["y"] > box["y"], "the older posts should follow the new one"
        await ui.host.get_by_role("button", name="1 new post").wait_for(state="detached", timeout=10_000)
