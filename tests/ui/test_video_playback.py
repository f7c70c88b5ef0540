"""Videos in Chromium against a real server, at phone and desktop sizes: Create picks a clip and plays it
before sharing; the feed and the post's screen play it muted by themselves, with working sound and pause
buttons; the profile grid marks it as a video; a video story plays muted and pauses while held.

"Plays" is what the page's media elements say: Flet's video control (media_kit) draws an HTML ``<video>``
element in a browser, and its ``currentTime`` must move on while it is not paused.
"""

from __future__ import annotations

import asyncio

import pytest

from app.api_client import ApiClient
from tests.fixtures.videos import make_video
from tests.ui.harness import ALL_VIDEOS_JS, UI_TIMEOUT_MS

PASSWORD = "correct horse battery"
SCREENS = {"phone": {"width": 430, "height": 932}, "desktop": {"width": 1280, "height": 800}}
CLIP_SECONDS = 6
# Transcoding, the upload queue and the first frames share two busy cores with other engineers' tests.
PLAY_TIMEOUT_MS = 90_000

VIDEOS_JS = f"""() => {ALL_VIDEOS_JS}.map(v => ({{
  time: v.currentTime, paused: v.paused, muted: v.muted, volume: v.volume, ready: v.readyState,
  error: v.error ? v.error.code : null, src: v.currentSrc, width: v.videoWidth, connected: v.isConnected}}))"""


async def videos(ui) -> list[dict]:
    return await ui.page.evaluate(VIDEOS_JS)


async def a_video_playing(ui, timeout_ms: int = PLAY_TIMEOUT_MS) -> dict:
    """Wait until some connected <video> has decoded frames and its time moves on; answer its state."""
    deadline = asyncio.get_running_loop().time() + timeout_ms / 1000
    last: list[dict] = []
    while asyncio.get_running_loop().time() < deadline:
        before = {v["src"]: v for v in await videos(ui) if v["connected"] and not v["paused"] and v["width"] > 0}
        await asyncio.sleep(1.0)
        last = await videos(ui)
        for now in last:
            then = before.get(now["src"])
            if then is not None and not now["paused"] and now["time"] > then["time"] and now["time"] > 0:
                return now
    raise AssertionError(f"no video played within {timeout_ms} ms; the page's videos: {last}")


async def until_ready(read) -> None:
    for _ in range(600):
        if await read():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the video was never processed")


@pytest.mark.parametrize("screen", SCREENS)
async def test_a_video_is_picked_shared_and_plays_in_feed_post_grid_and_story(browser_page, web_app, ui_server,
                                                                               tmp_path, screen):
    ui = browser_page
    clip = tmp_path / "lake.mp4"
    make_video(clip, CLIP_SECONDS, size=(640, 360))
    story_clip = tmp_path / "story.mp4"
    make_video(story_clip, CLIP_SECONDS, size=(360, 640))
    alice = ApiClient(ui_server.url)
    try:
        await alice.register("alice", PASSWORD)
        await ui.page.set_viewport_size(SCREENS[screen])
        await ui.open(web_app.url)
        await ui.fill("Username", "alice")
        await ui.fill("Password", PASSWORD)
        await ui.click("Sign in", exact=True)
        await ui.see("Your feed is empty")

        # Create: the picker takes a video, and the clip plays before it is shared.
        await ui.tab("New post")
        async with ui.page.expect_file_chooser(timeout=30_000) as chooser:
            await ui.click("Choose photos")
        await (await chooser.value).set_files(str(clip))
        await ui.see("New video post")
        preview = await a_video_playing(ui)
        assert preview["muted"] or preview["volume"] == 0
        await ui.screenshot(f"create-video-{screen}")
        await ui.fill("Write a caption…", "Ducks on the lake")
        await ui.click("Publish video")  # the queue uploads it, then Create goes back to the feed by itself

        # The feed: the poster, then the clip playing by itself with the sound off.
        async def processed():
            posts = (await alice.user_posts("alice")).items
            return posts and posts[0].first_media.status == "ready"
        await until_ready(processed)
        await ui.host.get_by_label("Video by alice. Double tap to like.").first.wait_for(timeout=PLAY_TIMEOUT_MS)
        await ui.see("Ducks on the lake")
        playing = await a_video_playing(ui)
        assert playing["muted"] or playing["volume"] == 0, playing
        assert "/photoshare-media/" in playing["src"], "the stream should come from the web app's own origin"
        await ui.screenshot(f"feed-video-{screen}")

        # Sound on is a tap away; pause stops the clip.
        await ui.click("Sound on", exact=True)
        await ui.button("Sound off", exact=True)
        await ui.page.wait_for_function(
            f"() => ({VIDEOS_JS})().some(v => v.connected && !v.muted && v.volume > 0.5)", timeout=UI_TIMEOUT_MS)
        await ui.click("Pause video", exact=True)
        await ui.button("Play video", exact=True)
        await ui.page.wait_for_function(f"() => ({VIDEOS_JS})().filter(v => v.connected).every(v => v.paused)",
                                        timeout=UI_TIMEOUT_MS)
        await ui.click("Play video", exact=True)
        await a_video_playing(ui)

        # The profile grid marks it as a video; opening it plays it on the post's own screen.
        await ui.tab("Profile")
        await ui.host.get_by_label("Video, post 1").first.wait_for(timeout=UI_TIMEOUT_MS)
        await ui.screenshot(f"profile-video-badge-{screen}")
        await ui.host.get_by_label("Post 1").first.click()
        await ui.button("Post comment")
        await ui.host.get_by_label("Video by alice. Double tap to like.").first.wait_for(timeout=UI_TIMEOUT_MS)
        await a_video_playing(ui)

        # A video story: it plays with the sound off, and holding it pauses the clip with the story.
        await alice.post_story(story_clip)
        await until_ready(lambda: _story_ready(alice))
        await ui.tab("Home")
        await ui.click("Stories of alice")
        await ui.host.get_by_label("Story 1 of 1 by alice. Video, sound off.").first.wait_for(timeout=UI_TIMEOUT_MS)
        story = await a_video_playing(ui)
        assert story["muted"] or story["volume"] == 0, story
        await ui.screenshot(f"story-video-{screen}")
        # What a screen reader says of it follows the sound and the pause.
        await ui.click("Sound on", exact=True)
        sounding = ui.host.get_by_label("Story 1 of 1 by alice. Video, sound on.").first
        await sounding.wait_for(timeout=UI_TIMEOUT_MS)
        box = await sounding.bounding_box()
        await ui.page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
        await ui.page.mouse.down()
        await ui.see("Paused")
        await ui.host.get_by_label("Story 1 of 1 by alice. Video, sound on, paused.").first.wait_for(timeout=UI_TIMEOUT_MS)
        await ui.page.wait_for_function(f"() => ({VIDEOS_JS})().filter(v => v.connected).every(v => v.paused)",
                                        timeout=UI_TIMEOUT_MS)
        await ui.page.mouse.up()
        await a_video_playing(ui)
    finally:
        await alice.aclose()


async def _story_ready(alice: ApiClient) -> bool:
    mine = await alice.user_stories("alice")
    return bool(mine) and mine[0].media.status == "ready"
