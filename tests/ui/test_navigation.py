"""Finding one's way, in Chromium at phone and desktop sizes: Back on every pushed screen and the right tab lit,
a navigation rail on a wide window and the bottom bar on a phone, relative times with the full date on hover,
dark mode (as the system, or chosen in Settings and kept), and the small things of issue #17 (a follow request
once in Activity, "View 1 comment" not under the comment itself, Settings in sections, the Edit profile switch's
words whole at 390 px). Screenshots for the README: the feed in dark mode, the phone layout, the wide layout."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import uuid

import pytest
from PIL import Image

from app.api_client import ApiClient
from server import __version__
from tests.client.photos import real_photo
from tests.ui.harness import UI_TIMEOUT_MS
from ui.timefmt import full

PASSWORD = "correct horse battery"
SCREENS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
SETTLE_MS = 800  # how far the drawn frame may trail the accessibility tree on two busy cores
RECENT = re.compile(r"^(now|\d+ m)$")  # a time a minute or two old


async def ready(client: ApiClient, post_id: str) -> None:
    for _ in range(300):  # others see a post once its media are processed
        if all(m.status == "ready" for m in (await client.post(post_id)).media):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the photo was never processed")


async def a_family(tmp_path, url: str):
    """alice (private) posts a photo bob commented on; bob posts two photos and asks to follow alice;
    alice follows bob."""
    alice, bob = ApiClient(url), ApiClient(url)
    await alice.register("alice", PASSWORD)
    await bob.register("bob", PASSWORD)
    # Real photos: this test takes the README's dark-mode and layout screenshots.
    mine = await alice.create_post([real_photo("coffee", tmp_path / "alice.jpg")], "Morning coffee",
                                   idempotency_key=str(uuid.uuid4()))
    theirs = []
    for name, caption in (("rocket", "Launch at dawn"), ("cat", "Chelsea in the garden")):
        theirs.append(await bob.create_post([real_photo(name, tmp_path / f"bob-{name}.jpg")],
                                            caption, idempotency_key=str(uuid.uuid4())))
    for post in (mine, *theirs):
        await ready(alice if post is mine else bob, post.post_id)
    await bob.comment(mine.post_id, "Lovely colours")
    await alice.update_me(is_private=True)
    await bob.follow("alice")  # a request, as alice's account is private
    await alice.follow("bob")
    return alice, bob, mine, theirs


async def background(ui, x: int, y: int) -> tuple[int, int, int]:
    """The colour drawn at (x, y), once the frame has caught up with the accessibility tree."""
    await ui.page.wait_for_timeout(SETTLE_MS)
    shot = Image.open(io.BytesIO(await ui.page.screenshot())).convert("RGB")
    return shot.getpixel((x, y))


def dark(colour) -> bool:
    return sum(colour) / 3 < 80


def light(colour) -> bool:
    return sum(colour) / 3 > 200


async def lit_tab(ui, name: str) -> None:
    await ui.destination(name, lit=True).wait_for(timeout=UI_TIMEOUT_MS)


async def shows_line(ui, pattern: re.Pattern, count: int = 1) -> None:
    """Flutter merges a card's texts into one node's label, a line each (a text on its own is the node's text): wait for ``count`` lines matching ``pattern``."""
    async def found():
        lines = await ui.page.evaluate("""() => [...document.querySelectorAll('flt-semantics')]
            .flatMap(e => (e.getAttribute('aria-label') || (e.querySelector('flt-semantics') ? '' : e.textContent) || '').split('\\n'))""")
        return sum(bool(pattern.match(line.strip())) for line in lines) >= count
    await until(found, f"no {count} line(s) matching {pattern.pattern}")


async def hover_last_line(ui, text: str) -> None:
    """Rest the pointer on the last line of the node that reads ``text`` (a card's time, under its caption)."""
    box = await ui.page.evaluate("""text => {
        const nodes = [...document.querySelectorAll('flt-semantics')].filter(e => (e.getAttribute('aria-label') || '').includes(text))
            .map(e => e.getBoundingClientRect()).sort((a, b) => a.height - b.height);
        const r = nodes[0]; return {x: r.left, y: r.top, width: r.width, height: r.height};
    }""", text)
    await ui.page.mouse.move(box["x"] + 20, box["y"] + box["height"] - 8)


async def until(check, message: str, seconds: float = 30) -> None:
    for _ in range(int(seconds * 10)):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(message)


@pytest.mark.parametrize("screen", SCREENS)
async def test_back_tabs_layout_times_dark_mode_and_small_things(browser_page, web_app, ui_server, tmp_path, screen):
    ui = browser_page
    size = SCREENS[screen]
    alice, bob, mine, theirs = await a_family(tmp_path, ui_server.url)
    try:
        await ui.page.set_viewport_size(size)
        # Dark mode follows the system until chosen: a dark system draws the sign-in screen dark.
        await ui.page.emulate_media(color_scheme="dark")
        await ui.open(web_app.url)
        await ui.button("Sign in", exact=True)
        assert dark(await background(ui, size["width"] - 4, size["height"] - 4))
        await ui.page.emulate_media(color_scheme="light")
        assert light(await background(ui, size["width"] - 4, size["height"] - 4))
        await ui.fill("Username", "alice")
        await ui.fill("Password", PASSWORD)
        await ui.click("Sign in", exact=True)

        # The layout: a rail at the side of a wide window, the bar at the bottom of a phone.
        await ui.see("Chelsea in the garden")
        await lit_tab(ui, "Home")
        home = await ui.destination("Home").bounding_box()
        if screen == "desktop":
            assert home["x"] < 120 and home["y"] < size["height"] / 2, home
        else:
            assert home["y"] > size["height"] - 120 and home["x"] < size["width"] / 4, home
        await ui.page.wait_for_timeout(SETTLE_MS)
        await ui.screenshot("layout-wide" if screen == "desktop" else "layout-phone")

        # Relative times on the cards, the full date as their tooltip (shown on hover and long-press, and what a
        # screen reader hears after the time).
        await shows_line(ui, RECENT)
        await hover_last_line(ui, "Chelsea in the garden")
        await ui.see(full(theirs[1].created_at))

        # From my profile to my post: Profile stays lit, Back returns to the profile.
        await ui.tab("Profile")
        await ui.button("Edit profile")
        await ui.host.get_by_label("Post 1").first.click()
        await ui.see("Lovely colours")
        await lit_tab(ui, "Profile")
        assert await ui.host.get_by_text("View 1 comment").count() == 0  # the comment is right there
        await shows_line(ui, RECENT, 2)  # the post's time and the comment's
        await ui.click("Go back", exact=True)
        await ui.button("Edit profile")
        await lit_tab(ui, "Profile")
        await until(lambda: _none(ui, "Go back"), "a tab's own screen has no Back")

        # A post opened from the feed is pushed on Home; the browser's own Back returns to the feed.
        await ui.tab("Home")
        await ui.click("Comment")  # the newest post: bob's garden
        await ui.button("Post comment")
        await lit_tab(ui, "Home")
        await ui.button("Go back", exact=True)
        await ui.page.go_back()
        await ui.see("Chelsea in the garden")
        await lit_tab(ui, "Home")
        await until(lambda: _none(ui, "Go back"), "the feed, a tab's own screen, has no Back")

        # Activity: bob's request once (not also as a notification), with Approve; no raw timestamps.
        await ui.tab("Activity")
        await ui.button("Approve")
        await ui.see("bob wants to follow you")
        assert await ui.host.get_by_text("asked to follow you").count() == 0
        assert await ui.host.get_by_text(re.compile(r"\d{4}-\d\d-\d\d")).count() == 0

        # Settings, in sections; Back on its subpages; the theme chosen there is drawn and kept.
        await ui.tab("Profile")
        bar = await ui.destination("Profile").get_attribute("id")
        await ui.click_until_seen("Settings", "Appearance", exact=True)
        # The tabs are the same tabs on a pushed screen, not made anew (a tap on the old ones was dropped).
        assert await ui.destination("Profile").get_attribute("id") == bar
        for heading in ("Account", "Appearance", "Privacy and safety", "About"):
            await ui.see(heading)
        await ui.see(f"Server: {ui_server.url}")
        await ui.see(f"PhotoShare {__version__}")
        await ui.click("Blocked accounts")
        await ui.see("You haven't blocked anyone.")
        # One way back, the bar's: the list once drew a second arrow of its own ("Back to settings") beside it.
        assert await ui.host.get_by_role("button", name=re.compile("back", re.IGNORECASE)).count() == 1
        await ui.click_until_gone("Go back", "You haven't blocked anyone.", exact=True)
        await ui.see("Appearance")
        await lit_tab(ui, "Profile")
        corner = (size["width"] - 4, size["height"] // 2)
        assert light(await background(ui, *corner))
        await ui.click("Dark theme")
        await until(lambda: _is(background(ui, *corner), dark), "choosing Dark did not darken the screen")
        # Kept in the browser's storage, under the name the loading page reads before the engine starts.
        assert await ui.page.evaluate("localStorage.getItem('flutter.photoshare.theme_mode')") == '"dark"'
        await ui.page.reload()
        await ui.page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=UI_TIMEOUT_MS)
        await ui.page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
        await ui.see("Appearance")
        await until(lambda: _is(background(ui, *corner), dark), "the dark theme was not kept")
        await lit_tab(ui, "Profile")  # an address opened afresh still lights its tab

        # The feed in the dark, with real photos.
        await ui.tab("Home")
        await ui.see("Chelsea in the garden")
        await ui.page.mouse.move(size["width"] / 2, size["height"] / 3)  # off the tab: its tooltip goes
        await ui.page.wait_for_timeout(SETTLE_MS * 2)
        if screen == "phone":
            await ui.screenshot("feed-dark")

        # Edit profile, pushed from the profile: the private switch's words are whole on a phone.
        await ui.tab("Profile")
        await ui.click("Edit profile")
        await ui.see("Only approved followers see your photos.")
        words = await ui.host.get_by_text("Only approved followers see your photos.").first.bounding_box()
        assert words["x"] + words["width"] <= size["width"], words
        switch = await ui.host.get_by_role("switch").first.bounding_box()
        assert switch["x"] + switch["width"] <= size["width"] and switch["x"] > words["x"] + words["width"] - 1
        await ui.click("Go back", exact=True)
        await ui.button("Settings", exact=True)
        await ui.page.emulate_media(color_scheme="light")
        await ui.tab("Profile")
        await ui.click_until_seen("Settings", "Appearance", exact=True)
        # Back to following the (light) system; a tap lost while Settings was still being drawn is tapped again.
        for _attempt in range(3):
            await ui.click("As the system theme")
            with contextlib.suppress(AssertionError):
                await until(lambda: _is(background(ui, *corner), light), "", seconds=10)
                break
        await until(lambda: _is(background(ui, *corner), light), "As the system did not follow the light system")
    finally:
        await alice.aclose()
        await bob.aclose()


async def _is(colour, test) -> bool:
    return test(await colour)


async def _none(ui, button: str) -> bool:
    return await ui.host.get_by_role("button", name=button).count() == 0
