"""The desktop window under Xvfb posts a carousel: Create → "Choose photos or a video" → the system's file chooser
(three photos) → Next → Share, and the server then holds one post of three photos in name order.

Flet's desktop file picker (file_picker's Linux code, package:file_picker/src/linux/xdp_filechooser.dart) asks
the XDG desktop portal over D-Bus for its dialog; it does not run zenity itself. So the test gives the window a
session bus of its own, on which xdg-desktop-portal and its GTK backend start on demand and draw a GTK file
chooser on the virtual screen; xdotool drives that dialog as a user would with the keyboard (ctrl+L, the folder,
select all, Open).

There is no accessibility tree to query on the desktop: the screen is found by its pixels, the dialog by its
window title, and the outcome through the server's API.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess

import pytest

from app.api_client import ApiClient
from tests.client.photos import write_photo
from tests.ui.harness import SCREENSHOTS, require
from tests.ui.test_desktop_video import changed_pixels
from tests.ui.test_desktop_smoke import (start_desktop_app, stop_desktop_app,
                                         FEED_TIMEOUT_SECONDS, PASSWORD, SCREEN, SIGN_IN_ATTEMPTS, WINDOW_TIMEOUT_SECONDS, click,
                                         grab, photo_on_screen, seed_account, sign_in_by_keyboard, wait_for,
                                         xdotool, xvfb)  # noqa: F401  (xvfb is a fixture)

PORTAL = "/usr/libexec/xdg-desktop-portal"
PORTAL_GTK = "/usr/libexec/xdg-desktop-portal-gtk"
DIALOG_TITLE = "Choose photos or a video"
DIALOG_TIMEOUT_SECONDS = 40
POST_TIMEOUT_SECONDS = 90
STEP_ATTEMPTS = 3
# Three photos of different shapes, named in the order the carousel must keep (the app orders picks by name).
PHOTOS = (("1-wide.jpg", (1200, 800), 31), ("2-square.jpg", (900, 900), 32), ("3-tall.jpg", (800, 1000), 33))
# The window is kept narrower than the rail's 900 px, so the tabs are the bottom bar (a wide window has a rail).
WINDOW = (860, SCREEN[1])
# Where things are in that window (bottom tab bar of six; the Create column centred, 24 px padding).
CREATE_TAB = (WINDOW[0] * 7 // 12, WINDOW[1] - 40)
CHOOSE_BUTTON = (WINDOW[0] // 2, 71)
PRIMARY = (142, 73, 88)  # the theme's primary colour: the fill of FilledButton
STEP_TIMEOUT_SECONDS = 20
DIALOG_ROUNDS = 4
DIALOG_ROUND_SECONDS = 5
SCREEN_CHANGE_PIXELS = 60000  # the editor's photo (540 x 360) leaving the screen
TAB_BAR_HEIGHT = 82
BUTTON_HEIGHT = 34


@pytest.fixture
def session_bus(xvfb, tmp_path):
    """A D-Bus session bus of the test's own (its own process group), with the screen and desktop the portal's
    GTK backend needs in its activation environment; yields the environment for a client of that bus."""
    require(shutil.which("dbus-daemon") is not None, "dbus-daemon is not installed (apt-get install dbus)")
    require(os.path.exists(PORTAL), "xdg-desktop-portal is not installed (apt-get install xdg-desktop-portal)")
    require(os.path.exists(PORTAL_GTK), "xdg-desktop-portal-gtk is not installed (apt-get install xdg-desktop-portal-gtk)")
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "DISPLAY": xvfb, "XDG_CURRENT_DESKTOP": "GNOME", "XDG_RUNTIME_DIR": str(runtime),
           "GDK_BACKEND": "x11", "NO_AT_BRIDGE": "1"}
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"], env=env,
                           stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        address = bus.stdout.readline().strip()
        assert address, "dbus-daemon gave no address"
        yield {**env, "DBUS_SESSION_BUS_ADDRESS": address}
    finally:
        # The portals it started on demand are in its process group: end the group, then the daemon.
        with_group = os.getpgid(bus.pid)
        os.killpg(with_group, signal.SIGTERM)
        try:
            bus.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(with_group, signal.SIGKILL)
            bus.wait(10)


def window_named(display: str, title: str) -> str | None:
    found = xdotool(display, "search", "--name", title)
    return found.split("\n")[0] if found else None


def snapshot(display: str, tmp_path, name: str) -> str:
    path = tmp_path / f"{name}.png"
    grab(display).save(path)
    return str(path)


async def carousels_of(server_url: str) -> list:
    async with ApiClient(server_url) as api:
        await api.login("deskuser", PASSWORD)
        page = await api.user_posts("deskuser")
        return [post for post in page.items if len(post.media) > 1]


def choose_in_dialog(display: str, dialog: str, folder) -> None:
    """The GTK file chooser: type the folder into its location bar and go there, then select all and open; the
    first Return may be taken by the location bar's completion, so select-all-and-open repeats until it closes."""
    xdotool(display, "windowactivate", "--sync", dialog)
    xdotool(display, "windowfocus", "--sync", dialog)
    xdotool(display, "key", "ctrl+l")
    xdotool(display, "type", "--delay", "40", f"{folder}/")
    xdotool(display, "key", "Return")
    for _attempt in range(DIALOG_ROUNDS):
        xdotool(display, "key", "ctrl+a")
        xdotool(display, "key", "Return")
        if wait_for(lambda: window_named(display, DIALOG_TITLE) is None, DIALOG_ROUND_SECONDS, "the chooser to close",
                    required=False):
            return
    raise AssertionError("the file chooser did not close with the three photos chosen")


def filled_button(display: str):
    """The centre of the lowest primary-coloured shape at the right end of the Create column, above the tab bar:
    the step's filled button ("Next" on the edit step, "Share" on the details step; sliders sit higher)."""
    image = grab(display).convert("RGB")
    left, right = WINDOW[0] // 2 + 150, WINDOW[0] // 2 + 290
    hits = [(x, y) for y in range(0, SCREEN[1] - TAB_BAR_HEIGHT, 2) for x in range(left, right, 2)
            if sum(abs(a - b) for a, b in zip(image.getpixel((x, y)), PRIMARY)) < 30]
    if not hits:
        return None
    bottom = max(y for _, y in hits)
    button = [(x, y) for x, y in hits if y > bottom - BUTTON_HEIGHT]
    if len(button) < 40:
        return None
    xs, ys = [x for x, _ in button], [y for _, y in button]
    return (min(xs) + max(xs)) // 2, (min(ys) + max(ys)) // 2


def press_filled_button(display: str, window: str, tmp_path, step: str, done, timeout: float = 20) -> None:
    """Click the step's filled button until ``done()`` holds (bounded); scroll down if it is below the fold."""
    for _attempt in range(STEP_ATTEMPTS):
        button = wait_for(lambda: filled_button(display), STEP_TIMEOUT_SECONDS, f"the {step} button", required=False)
        if button is None:
            xdotool(display, "mousemove", "--window", window, str(WINDOW[0] // 2), str(WINDOW[1] // 2))
            xdotool(display, "click", "--repeat", "10", "5")
            continue
        click(display, window, *button)
        if wait_for(done, timeout, f"{step} to take effect", required=False):
            return
    raise AssertionError(f"{step} never took effect; screen: {snapshot(display, tmp_path, step)}")


def test_the_desktop_window_posts_a_carousel_from_the_file_chooser(session_bus, xvfb, ui_server, tmp_path):
    asyncio.run(seed_account(ui_server.url, tmp_path))
    folder = tmp_path / "to-post"
    folder.mkdir()
    for name, size, seed in PHOTOS:
        write_photo(folder / name, size=size, seed=seed)
    env = {**session_bus, "PHOTOSHARE_CLIENT_DIR": str(tmp_path / "client")}
    app = start_desktop_app(ui_server.url, tmp_path, env)
    try:
        window = wait_for(lambda: window_named(xvfb, "PhotoShare"), WINDOW_TIMEOUT_SECONDS, "the window")
        xdotool(xvfb, "windowsize", window, str(WINDOW[0]), str(WINDOW[1]))
        signed_in = None
        for _attempt in range(SIGN_IN_ATTEMPTS):
            sign_in_by_keyboard(xvfb, window)
            signed_in = wait_for(lambda: photo_on_screen(xvfb), FEED_TIMEOUT_SECONDS, "the feed", required=False)
            if signed_in:
                break
        assert signed_in, f"never signed in; screen: {snapshot(xvfb, tmp_path, 'sign-in')}"

        # Create, then its "Choose photos or a video" button: the system's file chooser opens (a window of its own).
        dialog = None
        for _attempt in range(STEP_ATTEMPTS):
            click(xvfb, window, *CREATE_TAB)
            wait_for(lambda: not photo_on_screen(xvfb), STEP_TIMEOUT_SECONDS, "the Create screen", required=False)
            click(xvfb, window, *CHOOSE_BUTTON)
            dialog = wait_for(lambda: window_named(xvfb, DIALOG_TITLE), DIALOG_TIMEOUT_SECONDS, "the file chooser",
                              required=False)
            if dialog:
                break
        assert dialog, f"the file chooser never opened; screen: {snapshot(xvfb, tmp_path, 'no-dialog')}"
        choose_in_dialog(xvfb, dialog, folder)

        # The edit step shows the picked photos (a photo's thousands of colours); Next, then Share.
        wait_for(lambda: photo_on_screen(xvfb), STEP_TIMEOUT_SECONDS, "the picked photos in the editor")
        edit_screen = grab(xvfb)
        press_filled_button(xvfb, window, tmp_path, "Next",
                            lambda: changed_pixels(edit_screen, grab(xvfb)) > SCREEN_CHANGE_PIXELS)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        grab(xvfb).save(SCREENSHOTS / "desktop-carousel.png")  # the details step: three photos, an alt text each
        carousels = []

        def posted():
            carousels[:] = asyncio.run(carousels_of(ui_server.url))
            return bool(carousels)

        press_filled_button(xvfb, window, tmp_path, "Share", posted, POST_TIMEOUT_SECONDS)
        snapshot(xvfb, tmp_path, "shared")

        # The server holds one post of the three photos, in name order (told apart by their shapes).
        assert len(carousels) == 1, f"expected one carousel, the server has {len(carousels)}"
        post = carousels[0]
        assert len(post.media) == len(PHOTOS)
        shapes = [round(media.width / media.height, 2) for media in post.media if media.width and media.height]
        assert shapes == [round(w / h, 2) for _, (w, h), _ in PHOTOS], f"the photos are out of order: {shapes}"
    finally:
        stop_desktop_app(app, tmp_path)
