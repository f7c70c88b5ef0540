"""The desktop window under Xvfb plays a video post: the feed's clip is drawn and keeps changing.

The honest observable on the desktop is the screen itself: the poster is a still and a blank window is a still,
while ffmpeg's test pattern, playing, draws a new frame number and moving parts every second. So the test grabs
the feed column a few times and requires the picture to be a rich one (a video frame, not a form) and to change
from grab to grab.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid

from PIL import ImageChops

from app.api_client import ApiClient
from tests.fixtures.videos import make_video
from tests.ui.harness import SCREENSHOTS
from tests.ui.test_desktop_smoke import (start_desktop_app, stop_desktop_app,
                                         FEED_TIMEOUT_SECONDS, PASSWORD, SCREEN, SIGN_IN_ATTEMPTS, WINDOW_TIMEOUT_SECONDS,
                                         distinct_colours, grab, sign_in_by_keyboard, wait_for,
                                         xdotool, xvfb)  # noqa: F401  (xvfb is a fixture)

CLIP_SECONDS = 20  # long enough to be watched for a while before it loops
GRABS = 6
GRAB_INTERVAL_SECONDS = 1.0
# The test pattern's poster or frames have about 2,400 distinct colours here; the sign-in form a few hundred.
PATTERN_COLOURS = 1500
# Pixels of the feed column that must differ between two grabs a second apart (the frame counter alone is more).
CHANGED_PIXELS = 400


def feed_column(image):
    """The centred feed column (560 px wide) below the story tray: where the post's video is drawn."""
    left = (SCREEN[0] - 560) // 2
    return image.convert("RGB").crop((left, 130, left + 560, SCREEN[1] - 120))


def changed_pixels(a, b) -> int:
    difference = ImageChops.difference(a, b).convert("L").point(lambda value: 255 if value > 24 else 0)
    return difference.histogram()[255]


async def seed_video_post(server_url: str, tmp_path) -> None:
    clip = tmp_path / "desk.mp4"
    make_video(clip, CLIP_SECONDS, size=(640, 360))
    async with ApiClient(server_url) as api:
        await api.register("deskuser", PASSWORD)
        post = await api.create_post([clip], "A clip on the desktop", idempotency_key=str(uuid.uuid4()))
        for _ in range(600):
            if (await api.post(post.post_id)).first_media.status == "ready":
                return
            await asyncio.sleep(0.2)
        raise AssertionError("the video was never processed")


def test_the_desktop_window_plays_a_video_post(xvfb, ui_server, tmp_path):
    asyncio.run(seed_video_post(ui_server.url, tmp_path))
    env = {**os.environ, "DISPLAY": xvfb, "PHOTOSHARE_CLIENT_DIR": str(tmp_path / "client")}
    app = start_desktop_app(ui_server.url, tmp_path, env)
    try:
        window = wait_for(lambda: xdotool(xvfb, "search", "--name", "PhotoShare").split("\n")[0], WINDOW_TIMEOUT_SECONDS,
                          "the window")
        xdotool(xvfb, "windowsize", window, str(SCREEN[0]), str(SCREEN[1]))
        wait_for(lambda: distinct_colours(grab(xvfb)) > 20, WINDOW_TIMEOUT_SECONDS, "the sign-in screen")
        painted = None
        for _attempt in range(SIGN_IN_ATTEMPTS):
            sign_in_by_keyboard(xvfb, window)
            painted = wait_for(lambda: distinct_colours(grab(xvfb)) > PATTERN_COLOURS, FEED_TIMEOUT_SECONDS,
                               "the feed with its video", required=False)
            if painted is not None:
                break
        if painted is None:
            grab(xvfb).save(tmp_path / "last-screen.png")
            raise AssertionError(f"the feed never showed its video; last screen saved to {tmp_path / 'last-screen.png'}")

        # Playing: grab after grab, the column shows a different frame (a poster or a stalled player would not).
        def frames_move():
            frames = []
            for _ in range(GRABS):
                frames.append(feed_column(grab(xvfb)))
                time.sleep(GRAB_INTERVAL_SECONDS)
            changes = [changed_pixels(a, b) for a, b in zip(frames, frames[1:])]
            return changes if sum(change > CHANGED_PIXELS for change in changes) >= GRABS - 2 else None

        changes = wait_for(frames_move, FEED_TIMEOUT_SECONDS, "the video to play (frames changing)", required=False)
        last = grab(xvfb)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        last.save(SCREENSHOTS / "desktop-video.png")
        print(f"pixels changed between grabs a second apart: {changes}")
        assert changes, f"the feed's video did not play: the column stayed still (screen: {SCREENSHOTS / 'desktop-video.png'})"
    finally:
        stop_desktop_app(app, tmp_path)
