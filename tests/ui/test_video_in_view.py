"""Videos in the feed as on a phone: the one in view starts by itself, muted, on a page nobody has touched yet;
only one plays at a time; scrolling hands over to the next one; a carousel plays its video only while it shows it.

Chromium runs with a phone's autoplay rule (``--autoplay-policy=document-user-activation-required``): a page that
has not been touched may start a video only if it is muted (the muted flag, not a volume of zero). The app is
signed in first, then loaded afresh, so that the feed's page has had no gesture at all. Playwright's own
``evaluate`` runs scripts as if from a user gesture, which would lift the rule, so the page is read and the
semantics switched on through the DevTools protocol with ``userGesture`` false; scrolling is by mouse wheel,
which is not a gesture either.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest

from app.api_client import ApiClient
from app.media_server import token_for
from tests.client.photos import real_photo
from tests.fixtures.videos import make_video
from tests.ui.harness import ALL_VIDEOS_JS, UI_TIMEOUT_MS, browser_session
from ui.components.video import stream_url

PASSWORD = "correct horse battery"
SCREENS = {"phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
           "desktop": {"viewport": {"width": 1280, "height": 800}}}
PHONE_AUTOPLAY = "--autoplay-policy=document-user-activation-required"
PLAY_TIMEOUT_S = 90  # transcoding and first frames share two busy cores with other tests
WHEEL_STEP = 200

VIDEOS_JS = f"""{ALL_VIDEOS_JS}.filter(v => v.isConnected).map(v => ({{
  src: v.currentSrc || v.src, time: v.currentTime, paused: v.paused, muted: v.muted, width: v.videoWidth}}))"""


@pytest.fixture(params=SCREENS)
async def phone_rules_page(request, tmp_path):
    options = dict(SCREENS[request.param])
    async with browser_session(request, tmp_path, options.pop("viewport"), (PHONE_AUTOPLAY,), **options) as page:
        yield page


class Page:
    """The page as the DevTools protocol sees it, with no user gesture."""

    def __init__(self, ui, cdp) -> None:
        self.ui, self.cdp = ui, cdp

    async def run(self, expression: str):
        answer = await self.cdp.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                          "userGesture": False, "awaitPromise": True})
        if "exceptionDetails" in answer:
            raise AssertionError(f"the page's script failed: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    async def activated(self) -> bool:
        return await self.run("navigator.userActivation.hasBeenActive")

    async def videos(self) -> list[dict]:
        return await self.run(VIDEOS_JS)

    async def box(self, name: str) -> dict | None:
        """Where the innermost semantics node that names ``name`` (in its label or its words) is on screen."""
        return await self.run(f"""(() => {{
          const nodes = [...document.querySelectorAll('flt-semantics')].filter(n =>
            ((n.getAttribute('aria-label') || '') + ' ' + (n.textContent || '')).includes({json.dumps(name)}));
          const node = nodes.filter(n => !nodes.some(m => m !== n && n.contains(m)))[0];
          if (!node) return null;
          const r = node.getBoundingClientRect();
          return {{top: r.top, bottom: r.bottom}};
        }})()""")

    async def playing(self, seconds: float = 1.2) -> set[str]:
        """The sources of the videos whose time moves on over ``seconds`` (and are not paused)."""
        before = {v["src"]: v["time"] for v in await self.videos() if not v["paused"]}
        await asyncio.sleep(seconds)
        return {v["src"] for v in await self.videos()
                if not v["paused"] and v["width"] > 0 and v["src"] in before and v["time"] > before[v["src"]]}

    async def until_only(self, token: str, what: str) -> dict:
        """Wait until exactly one video plays, the one whose source holds ``token``; answer its state."""
        deadline = time.monotonic() + PLAY_TIMEOUT_S
        seen: set[str] = set()
        while time.monotonic() < deadline:
            seen = await self.playing()
            if len(seen) == 1 and token in next(iter(seen)):
                return next(v for v in await self.videos() if token in v["src"])
        raise AssertionError(f"{what}: playing {seen or 'nothing'}; the page's videos: {await self.videos()}")

    async def until_none(self, what: str) -> None:
        deadline = time.monotonic() + PLAY_TIMEOUT_S
        while time.monotonic() < deadline:
            if not await self.playing():
                return
        raise AssertionError(f"{what}: still playing; the page's videos: {await self.videos()}")

    async def wheel_until(self, direction: int, arrived, what: str, steps: int = 60) -> None:
        """Wheel the feed a step at a time until ``arrived()``; on the way, never two videos at once."""
        size = self.ui.page.viewport_size
        await self.ui.page.mouse.move(size["width"] / 2, size["height"] / 2)
        for _ in range(steps):
            if await arrived():
                return
            await self.ui.page.mouse.wheel(0, direction * WHEEL_STEP)
        raise AssertionError(f"{what}: not reached after {steps} wheel steps; the page's videos: {await self.videos()}")

    async def only_playing(self, token: str) -> bool:
        now = await self.playing()
        assert len(now) <= 1, f"two videos play at once: {now}"
        return len(now) == 1 and token in next(iter(now))

    async def shows_whole(self, name: str) -> bool:
        box = await self.box(name)
        return box is not None and box["top"] > 80 and box["bottom"] < self.ui.page.viewport_size["height"] - 80


async def processed(api: ApiClient, post_id: str):
    for _ in range(900):
        post = await api.post(post_id)
        if all(m.status == "ready" for m in post.media):
            return post
        await asyncio.sleep(0.2)
    raise AssertionError("the video was never processed")


def token(post, index: int = 0) -> str:
    """What the page's <video> source holds for this post's stream."""
    return token_for(stream_url(post.media[index].streams))


async def test_the_video_in_view_plays_muted_untouched_and_alone(phone_rules_page, web_app, ui_server, tmp_path):
    ui = phone_rules_page
    clips = {}
    for seconds, name in enumerate(("top", "lower", "carousel"), start=7):  # three different files (and streams)
        clips[name] = tmp_path / f"{name}.mp4"
        make_video(clips[name], seconds, size=(640, 360))
    photos = {name: real_photo(name, tmp_path / f"{name}.jpg") for name in ("cat", "coffee", "astronaut", "rocket")}
    async with ApiClient(ui_server.url) as alice:
        await alice.register("alice", PASSWORD)

        async def share(files, alts):
            post = await alice.create_post(files, alt_texts=alts, idempotency_key=str(uuid.uuid4()))
            return await processed(alice, post.post_id)

        # Oldest first: the feed shows them the other way up.
        lower = await share([clips["lower"]], ["Lower clip"])
        await share([photos["astronaut"]], ["Astronaut"])
        carousel = await share([photos["coffee"], clips["carousel"]], ["Coffee", "Carousel clip"])
        await share([photos["rocket"]], ["Rocket"])
        await share([photos["cat"]], ["Cat"])
        top = await share([clips["top"]], ["Top clip"])

    # Signed in with taps, then the page loaded afresh: a new page, never touched.
    await ui.open(web_app.url)
    await ui.fill("Username", "alice")
    await ui.fill("Password", PASSWORD)
    await ui.click("Sign in", exact=True)
    await ui.host.get_by_label("Top clip. Video by alice").first.wait_for(timeout=UI_TIMEOUT_MS)
    cdp = await ui.page.context.new_cdp_session(ui.page)
    await ui.page.reload(wait_until="domcontentloaded")
    page = Page(ui, cdp)
    for _ in range(300):
        if await page.run("!!document.querySelector('flt-semantics-placeholder')"):
            break
        await asyncio.sleep(0.2)
    await page.run("document.querySelector('flt-semantics-placeholder').click()")  # a script's click: no gesture
    for _ in range(300):
        if await page.run("document.querySelectorAll('flt-semantics').length > 10"):
            break
        await asyncio.sleep(0.2)
    assert not await page.activated(), "the check needs a page nobody has touched"

    # The top video plays by itself, muted; the two further down wait.
    state = await page.until_only(token(top), "at the top of the feed")
    assert state["muted"], state
    assert not await page.activated()

    # Wheeled down (no gesture either): the top video stops as it leaves, and the lower one takes over, alone.
    await page.wheel_until(1, lambda: page.only_playing(token(lower)), "the lower video playing")
    state = next(v for v in await page.videos() if token(lower) in v["src"])
    assert state["muted"] and not state["paused"], state
    assert not await page.activated()

    # Back up to the carousel: it shows its photo first, so nothing plays.
    await page.wheel_until(-1, lambda: page.shows_whole("Next photo"), "the carousel")
    await page.until_none("the carousel showing its photo")
    # On to its video (a tap): that clip plays, alone; back to the photo, it stops.
    await ui.click("Next photo", exact=True)
    await page.until_only(token(carousel, 1), "the carousel's video shown")
    await ui.click("Previous photo", exact=True)
    await page.until_none("the carousel back on its photo")
