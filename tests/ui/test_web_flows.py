"""The web app in Chromium against a real server: the flows people use every day.

Screenshots of the main screens are written to docs/screenshots/ (shown in docs/client.md).
"""

from __future__ import annotations

import asyncio
import uuid

from app.api_client import ApiClient
from tests.client.photos import write_photo

PASSWORD = "correct horse battery"


async def make_friend_with_a_post(server_url: str, tmp_path) -> None:
    async with ApiClient(server_url) as friend:
        await friend.register("bob", PASSWORD)
        post = await friend.create_post([write_photo(tmp_path / "bob.jpg", seed=11)], "Bob's garden #flowers",
                                        idempotency_key=str(uuid.uuid4()))
        for _ in range(100):  # others see a post once its media are processed
            if (await friend.post(post.post_id)).first_media.status == "ready":
                return
            await asyncio.sleep(0.1)


async def test_register_post_with_filter_like_comment_and_follow(browser_page, web_app, ui_server, tmp_path):
    ui = browser_page
    await make_friend_with_a_post(ui_server.url, tmp_path)
    photo = write_photo(tmp_path / "holiday.jpg", size=(1200, 900), seed=5)

    # Register, and see an empty feed.
    await ui.open(web_app.url)
    await ui.button("Create account")
    await ui.screenshot("sign-in")
    await ui.fill("Username", "alice")
    await ui.fill("Password", PASSWORD)
    await ui.click("Create account")
    await ui.see("Your feed is empty")
    await ui.screenshot("feed-empty")

    # Create a post from a file, with a filter.
    await ui.tab("New post")
    async with ui.page.expect_file_chooser(timeout=30_000) as chooser:
        await ui.click("Choose a photo")
    await (await chooser.value).set_files(str(photo))
    await ui.choose("Juno")
    await ui.click("Square")
    await asyncio.sleep(1)  # the preview is re-rendered after each choice
    await ui.screenshot("create-filter")
    await ui.click("Next")
    await ui.fill("Write a caption…", "Holiday at the lake 🌊 湖 #summer")
    await ui.click("Share")

    # It shows in the feed, then on the profile.
    await ui.host.get_by_label("Photo by alice. Double tap to like.").first.wait_for(timeout=90_000)
    await ui.see("Holiday at the lake")
    await ui.screenshot("feed-post")
    await ui.tab("Profile")
    await ui.host.get_by_label("Post 1").first.wait_for(timeout=45_000)
    await ui.screenshot("profile")

    # Like it by double tap, then comment.
    await ui.tab("Home")
    await ui.double_tap("Photo by alice. Double tap to like.")
    await ui.see("1 like")
    await ui.click("Comment")
    await ui.fill("Add a comment…", "What a view!")
    await ui.click("Post comment")
    await ui.see("View 1 comment")  # the count went up, so the comment is stored, not just typed
    await ui.see("What a view!")
    await ui.screenshot("post-detail")

    # Follow another user and see their post in the feed.
    await ui.tab("Search")
    await ui.fill("Search people and #tags", "bo")
    await ui.click("Search", exact=True)  # the button beside the field
    await ui.click("bob")
    await ui.click("Follow", exact=True)
    await ui.button("Following", exact=True)
    await ui.screenshot("profile-other")
    await ui.tab("Home")
    await ui.see("Bob's garden")
    await ui.screenshot("feed")
