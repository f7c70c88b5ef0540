"""The web app in Chromium against a real server: the flows people use every day.

Screenshots of the main screens are written to docs/screenshots/ (shown in docs/client.md).
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
import uuid

from app.api_client import ApiClient
from app.media_server import PATH_PREFIX, token_for
from tests.client.photos import real_photo

PASSWORD = "correct horse battery"
# News on the live stream reaches the screen in well under this; polling would take up to 20 s.
LIVE_MS = 10_000
# How far the drawn frame may trail the accessibility tree on two busy cores.
SETTLE_MS = 800


async def make_friend_with_a_carousel(friend: ApiClient, tmp_path) -> None:
    await friend.register("bob", PASSWORD)
    photos = [real_photo("coffee", tmp_path / "bob-1.jpg"), real_photo("cat", tmp_path / "bob-2.jpg")]
    post = await friend.create_post(photos, "Coffee with Chelsea #cats", idempotency_key=str(uuid.uuid4()))
    for _ in range(200):  # others see a post once its media are processed
        if all(m.status == "ready" for m in (await friend.post(post.post_id)).media):
            return
        await asyncio.sleep(0.1)


class PhotoRequests:
    """What the browser fetched from the web app's local media path (photos go by URL, not in the websocket)."""

    def __init__(self, page) -> None:
        self.ok: set[str] = set()
        self.fonts: set[str] = set()
        page.on("response", self._seen)

    def _seen(self, response) -> None:
        if "/fonts/" in response.url and response.status == 200:
            self.fonts.add(response.url.rsplit("/", 1)[-1])
        if PATH_PREFIX in response.url and response.status == 200 and response.headers.get("content-type") == "image/jpeg":
            self.ok.add(response.url.rsplit("/", 1)[-1].split(".")[0])

    def fetched(self, media_url: str) -> bool:
        return token_for(media_url) in self.ok


async def test_register_post_with_filter_like_comment_and_follow(browser_page, web_app, ui_server, tmp_path):
    ui = browser_page
    bob = ApiClient(ui_server.url)
    try:
        await make_friend_with_a_carousel(bob, tmp_path)
        await everyday_flows(ui, web_app, bob, tmp_path)
    finally:
        await bob.aclose()


async def everyday_flows(ui, web_app, bob: ApiClient, tmp_path) -> None:
    photo = real_photo("rocket", tmp_path / "holiday.jpg")  # real photos: this test takes the README's screenshots
    portrait = real_photo("astronaut", tmp_path / "me.jpg")
    photos = PhotoRequests(ui.page)

    # Register, and see an empty feed.
    await ui.open(web_app.url)
    await ui.button("Create account")
    await snapshot(ui, "sign-in")
    await ui.fill("Username", "alice")
    await ui.fill("Password", PASSWORD)
    await ui.click("Create account")
    await ui.see("Your feed is empty")
    await snapshot(ui, "feed-empty")

    # A profile photo: picked on the edit screen, sent at once, shown there and fetched by URL.
    await ui.tab("Profile")
    await ui.click("Edit profile")
    async with ui.page.expect_file_chooser(timeout=30_000) as chooser:
        await ui.click("Change profile photo")
    await (await chooser.value).set_files(str(portrait))
    await ui.host.get_by_label("Profile photo of alice").first.wait_for(timeout=45_000)
    avatar_url = (await bob.user("alice")).avatar_url
    assert avatar_url, "the server has no profile photo for alice"
    await _eventually(lambda: photos.fetched(avatar_url), "the profile photo was never fetched by the browser")
    await snapshot(ui, "edit-profile")
    await ui.tab("Home")

    # Create a post from a file, with a filter.
    await ui.tab("New post")
    async with ui.page.expect_file_chooser(timeout=30_000) as chooser:
        await ui.click("Choose photos")
    await (await chooser.value).set_files(str(photo))
    await ui.choose("Juno")
    await ui.click("Square")
    await asyncio.sleep(1)  # the preview is re-rendered after each choice
    await snapshot(ui, "create-filter")
    await ui.click("Next")
    await fill_multiline(ui, "Write a caption…", "Launch day at the coast 🚀 湖 #summer")
    await ui.click("Share")

    # It shows in the feed, then on the profile.
    await ui.host.get_by_label("Photo by alice. Double tap to like.").first.wait_for(timeout=90_000)
    await ui.see("Launch day at the coast")
    await ui.host.get_by_label("Profile photo of alice").first.wait_for(timeout=30_000)  # on the post's header
    own_post = (await bob.user_posts("alice")).items[0]
    await _eventually(lambda: photos.fetched(own_post.first_media.variants["640"]),
                      "the feed photo did not reach the browser by URL")
    await snapshot(ui, "feed-post")
    # The CJK and emoji fonts come just after the first frame, so the caption above can be drawn.
    await _eventually(lambda: {"DroidSansFallbackFull.ttf", "NotoColorEmoji.ttf"} <= photos.fonts,
                      "the fallback fonts were never loaded")

    # News arrives live: bob follows alice, and the Activity tab shows it without a refresh.
    await bob.follow("alice")
    await ui.host.get_by_label("1 new").first.wait_for(timeout=LIVE_MS)
    await ui.tab("Activity")
    await ui.see("started following you")
    await ui.tab("Home")
    await ui.tab("Profile")
    await ui.host.get_by_label("Post 1").first.wait_for(timeout=45_000)
    await ui.host.get_by_label("Profile photo of alice").first.wait_for(timeout=30_000)  # in the profile's header
    await snapshot(ui, "profile")

    # Like it by double tap, then comment.
    await ui.tab("Home")
    await ui.double_tap("Photo by alice. Double tap to like.")
    await ui.see("1 like")
    await ui.click("Comment")
    await ui.fill("Add a comment…", "What a view!")
    await ui.click("Post comment")
    await ui.see("What a view!")  # listed under the post (no "View 1 comment" above the comment itself)
    await snapshot(ui, "post-detail")

    # Follow another user and see their post in the feed.
    await ui.tab("Search")
    await ui.fill("Search people and #tags", "bo")
    await ui.click("Search", exact=True)  # the button beside the field
    await ui.click("bob")
    await ui.click("Follow", exact=True)
    await ui.button("Following", exact=True)
    await snapshot(ui, "profile-other")
    await ui.tab("Home")
    await ui.see("Coffee with Chelsea")
    await snapshot(ui, "feed")

    # Bob's post has two photos: arrows and dots in the feed, and on the post's own screen.
    await ui.host.get_by_label("Photo 1 of 2 by bob").first.wait_for(timeout=30_000)
    await ui.see("Showing photo 1 of 2")
    await ui.click("Next photo")
    await ui.see("Showing photo 2 of 2")
    await ui.host.get_by_label("Photo 2 of 2 by bob").first.wait_for(timeout=30_000)
    bobs_post = (await bob.user_posts("bob")).items[0]
    await _eventually(lambda: photos.fetched(bobs_post.media[1].variants["640"]), "the second photo was never fetched")
    await ui.page.goto(f"{web_app.url}/post/{bobs_post.post_id}")
    await ui.page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=45_000)
    await ui.page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
    await ui.see("Showing photo 1 of 2")
    await ui.click("Next photo")
    await ui.see("Showing photo 2 of 2")
    await ui.host.get_by_label("Photo 2 of 2 by bob").first.wait_for(timeout=30_000)
    await snapshot(ui, "post-carousel")

    # The account's stream stayed open the whole time: news came live, not by polling.
    await ui.page.goto(f"{web_app.url}/settings")
    await ui.page.wait_for_selector("flt-semantics-placeholder", state="attached", timeout=45_000)
    await ui.page.evaluate("document.querySelector('flt-semantics-placeholder').click()")
    await ui.see("News arrives live.")


async def snapshot(ui, name: str) -> None:
    """A screenshot for the docs. Flutter updates its accessibility tree (what the steps wait for) before its
    renderer draws the frame, so give the pixels a moment to catch up with what was just seen."""
    await ui.page.wait_for_timeout(SETTLE_MS)
    await ui.screenshot(name)


async def fill_multiline(ui, label: str, text: str) -> None:
    """A multi-line field does not mirror its text into the page, so typing cannot be checked afterwards:
    type only once the browser's editing element has the focus (keys sent before that are lost)."""
    field = ui.host.get_by_label(label).first
    await field.wait_for(timeout=45_000)
    await field.click()
    await ui.page.wait_for_function("document.activeElement && document.activeElement.tagName === 'TEXTAREA'",
                                    timeout=15_000)
    await ui.page.wait_for_timeout(300)  # Flutter attaches its key listeners just after focusing
    await ui.page.keyboard.type(text)


async def _eventually(check, message: str, seconds: float = 15.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(message)


def test_the_engine_is_not_made_to_load_fonts_photoshare_never_draws(web_app):
    """The Flutter engine loads every font in its manifest before the first frame: the maths fonts of
    Flet's Markdown are left out, Flet's own icons and its offline Roboto stay."""
    with urllib.request.urlopen(f"{web_app.url}/assets/FontManifest.json", timeout=10) as response:
        families = [entry["family"] for entry in json.load(response)]
    assert not [f for f in families if "KaTeX" in f]
    assert {"MaterialIcons", "Roboto"} <= set(families)


def test_a_5000_character_path_is_a_404(web_app):
    """The app's file server would take the path as a file name, which the OS refuses as too long (once a 500)."""
    import urllib.error

    for path in ("/" + "a" * 5000, "/assets/" + "x" * 5000 + ".png"):
        try:
            urllib.request.urlopen(f"{web_app.url}{path}", timeout=10)
            raise AssertionError("a 5,000-character path was answered")
        except urllib.error.HTTPError as error:
            assert error.code == 404, error.code
