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
from tests.xvfb import virtual_screen

PASSWORD = "correct horse battery"
SCREEN = (1100, 900)
# A cold Flutter desktop start on two busy cores takes a while; every wait below is bounded.
WINDOW_TIMEOUT_SECONDS = 90
FEED_TIMEOUT_SECONDS = 45
SIGN_IN_ATTEMPTS = 3
TERMINATE_TIMEOUT_SECONDS = 15
# Where the sign-in form puts its fields (ui/views/sign_in.py: a centred column, 24 px from the top).
USERNAME_FIELD_Y = 215
PASSWORD_FIELD_Y = 279
# A form of text and buttons has a few hundred distinct colours (anti-aliasing); a painted photo has thousands.
PHOTO_COLOURS = 3000


@pytest.fixture
def xvfb():
    require(shutil.which("xdotool") is not None, "xdotool is not installed (apt-get install xdotool)")
    with virtual_screen(*SCREEN) as display:
        yield display


def xdotool(display: str, *args: str) -> str:
    return subprocess.run(["xdotool", *args], env={**os.environ, "DISPLAY": display}, capture_output=True,
                          text=True, timeout=30).stdout.strip()


def grab(display: str):
    from PIL import ImageGrab

    return ImageGrab.grab(xdisplay=display)


def distinct_colours(image) -> int:
    return len(image.convert("RGB").resize((320, 260)).getcolors(1 << 20) or [])


def wait_for(predicate, timeout: float, what: str, required: bool = True):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(1)
    if required:
        raise AssertionError(f"timed out waiting for {what}")
    return None


def photo_on_screen(display: str):
    image = grab(display)
    return image if distinct_colours(image) > PHOTO_COLOURS else None


def click(display: str, window: str, x: int, y: int) -> None:
    xdotool(display, "mousemove", "--window", window, str(x), str(y))
    xdotool(display, "click", "1")
    time.sleep(0.5)


def fill(display: str, window: str, y: int, text: str) -> None:
    click(display, window, SCREEN[0] // 2, y)
    xdotool(display, "key", "ctrl+a")
    xdotool(display, "type", "--delay", "60", text)


def sign_in_by_keyboard(display: str, window: str) -> None:
    xdotool(display, "windowactivate", "--sync", window)
    xdotool(display, "windowfocus", "--sync", window)
    fill(display, window, USERNAME_FIELD_Y, "deskuser")
    fill(display, window, PASSWORD_FIELD_Y, PASSWORD)
    xdotool(display, "key", "Return")


async def seed_account(server_url: str, tmp_path) -> None:
    async with ApiClient(server_url) as api:
        await api.register("deskuser", PASSWORD)
        post = await api.create_post([write_photo(tmp_path / "desk.jpg", size=(1000, 800), seed=21)],
                                     "From the desktop", idempotency_key=str(uuid.uuid4()))
        for _ in range(100):
            if (await api.post(post.post_id)).first_media.status == "ready":
                return
            await asyncio.sleep(0.1)



def start_desktop_app(server_url: str, tmp_path, env: dict) -> subprocess.Popen:
    """``photoshare app`` in a window of the virtual screen, its output in ``tmp_path/desktop.log``."""
    with open(tmp_path / "desktop.log", "wb") as log:
        return subprocess.Popen([sys.executable, "-m", "app", "app", "--server", server_url], cwd=ROOT, env=env,
                                stdout=log, stderr=subprocess.STDOUT)


def stop_desktop_app(app: subprocess.Popen, tmp_path) -> None:
    """End the app however the test went (killed if it does not stop), and print the tail of its log."""
    app.terminate()
    try:
        app.wait(15)
    except subprocess.TimeoutExpired:
        app.kill()
    print((tmp_path / "desktop.log").read_text(errors="replace")[-3000:])

def test_window_opens_signs_in_and_paints_the_feed(xvfb, ui_server, tmp_path):
    asyncio.run(seed_account(ui_server.url, tmp_path))
    env = {**os.environ, "DISPLAY": xvfb, "PHOTOSHARE_CLIENT_DIR": str(tmp_path / "client")}
    app = start_desktop_app(ui_server.url, tmp_path, env)
    try:
        window = wait_for(lambda: xdotool(xvfb, "search", "--name", "PhotoShare").split("\n")[0], WINDOW_TIMEOUT_SECONDS,
                          "the window")
        xdotool(xvfb, "windowsize", window, str(SCREEN[0]), str(SCREEN[1]))
        blank = distinct_colours(grab(xvfb))
        wait_for(lambda: distinct_colours(grab(xvfb)) > 20, WINDOW_TIMEOUT_SECONDS, "the sign-in screen")
        # Each attempt clicks into the fields (keyboard focus is not certain under a window-manager-less Xvfb on a
        # busy machine), replaces what they hold, and presses the button; a later attempt repairs a lost keystroke.
        painted = None
        for _attempt in range(SIGN_IN_ATTEMPTS):
            sign_in_by_keyboard(xvfb, window)
            painted = wait_for(lambda: photo_on_screen(xvfb), FEED_TIMEOUT_SECONDS, "the feed with its photo",
                               required=False)
            if painted is not None:
                break
        if painted is None:
            grab(xvfb).save(tmp_path / "last-screen.png")
            raise AssertionError(f"the feed never showed its photo; last screen saved to {tmp_path / 'last-screen.png'}")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        painted.save(SCREENSHOTS / "desktop-feed.png")
        assert distinct_colours(painted) > blank
        app.terminate()  # as a service manager or a logout stops it: the app must end, window and all
        try:
            app.wait(TERMINATE_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the app was still running {TERMINATE_TIMEOUT_SECONDS} s after SIGTERM") from None
        assert wait_for(lambda: not xdotool(xvfb, "search", "--name", "PhotoShare"), 10, "the window to close")
    finally:
        stop_desktop_app(app, tmp_path)
