"""The desktop window under Xvfb: it opens, signs in with the keyboard, and paints the feed."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest

from app.api_client import ApiClient
from tests.client.photos import write_photo
from tests.e2e.servers import ROOT
from tests.ui.harness import SCREENSHOTS, require

PASSWORD = "correct horse battery"
DISPLAY = ":93"
SCREEN = (1100, 900)
# A cold Flutter desktop start on two busy cores takes a while; every wait below is bounded.
WINDOW_TIMEOUT_SECONDS = 90
FEED_TIMEOUT_SECONDS = 90
# A form of text and buttons has a few hundred distinct colours (anti-aliasing); a painted photo has thousands.
PHOTO_COLOURS = 3000


@pytest.fixture
def xvfb():
    require(shutil.which("Xvfb") is not None, "Xvfb is not installed (apt-get install xvfb)")
    require(shutil.which("xdotool") is not None, "xdotool is not installed (apt-get install xdotool)")
    process = subprocess.Popen(["Xvfb", DISPLAY, "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24", "-nolisten", "tcp"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    if process.poll() is not None:
        require(False, "Xvfb could not start")
    yield DISPLAY
    process.terminate()
    process.wait(10)


def xdotool(display: str, *args: str) -> str:
    return subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": display}, capture_output=True,
                          text=True, timeout=30).stdout.strip()


def grab(display: str):
    from PIL import ImageGrab

    return ImageGrab.grab(xdisplay=display)


def distinct_colours(image) -> int:
    return len(image.convert("RGB").resize((320, 260)).getcolors(1 << 20) or [])


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


async def seed_account(server_url: str, tmp_path) -> None:
    async with ApiClient(server_url) as api:
        await api.register("deskuser", PASSWORD)
        post = await api.create_post([write_photo(tmp_path / "desk.jpg", size=(1000, 800), seed=21)],
                                     "From the desktop", idempotency_key=str(uuid.uuid4()))
        for _ in range(100):
            if (await api.post(post.post_id)).first_media.status == "ready":
                return
            await asyncio.sleep(0.1)


def test_window_opens_signs_in_and_paints_the_feed(xvfb, ui_server, tmp_path):
    asyncio.run(seed_account(ui_server.url, tmp_path))
    env = {**os.environ, "DISPLAY": xvfb, "PHOTOSHARE_CLIENT_DIR": str(tmp_path / "client")}
    log = open(tmp_path / "desktop.log", "wb")
    app = subprocess.Popen([sys.executable, "-m", "app", "app", "--server", ui_server.url], cwd=ROOT, env=env,
                           stdout=log, stderr=subprocess.STDOUT)
    try:
        window = wait_for(lambda: xdotool(xvfb, "search", "--name", "PhotoShare").split("\n")[0], WINDOW_TIMEOUT_SECONDS,
                          "the window")
        xdotool(xvfb, "windowsize", window, str(SCREEN[0]), str(SCREEN[1]))
        blank = distinct_colours(grab(xvfb))
        wait_for(lambda: distinct_colours(grab(xvfb)) > 20, WINDOW_TIMEOUT_SECONDS, "the sign-in screen")
        time.sleep(3)  # the username field takes focus once the first frame is up
        xdotool(xvfb, "windowactivate", "--sync", window)
        xdotool(xvfb, "type", "--delay", "60", "deskuser")
        xdotool(xvfb, "key", "Tab")
        xdotool(xvfb, "type", "--delay", "60", PASSWORD)
        xdotool(xvfb, "key", "Return")
        # The feed shows a photo: many more colours than the flat sign-in form.
        painted = wait_for(lambda: (lambda img: img if distinct_colours(img) > PHOTO_COLOURS else None)(grab(xvfb)),
                           FEED_TIMEOUT_SECONDS, "the feed with its photo")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        painted.save(SCREENSHOTS / "desktop-feed.png")
        assert distinct_colours(painted) > blank
    finally:
        app.terminate()
        try:
            app.wait(15)
        except subprocess.TimeoutExpired:
            app.kill()
        print((tmp_path / "desktop.log").read_text(errors="replace")[-3000:])
