"""Albums in the web app (Chromium, desktop and phone sizes): create one with a second member, add photos with
the picker, and the member sees it."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from app.api_client import ApiClient
from tests.client.photos import write_photo
from tests.ui.harness import UI_TIMEOUT_MS, browser_session

PASSWORD = "correct horse battery"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=sorted(SIZES))
async def sized_page(request, tmp_path):
    async with browser_session(request, tmp_path, SIZES[request.param]) as page:
        yield request.param, page


async def ready_posts(client: ApiClient, tmp_path, count: int) -> list[str]:
    ids = []
    for n in range(count):
        photo = write_photo(tmp_path / f"lake-{n}.jpg", size=(800, 600), seed=30 + n)
        ids.append((await client.create_post([photo], f"Lake day {n}", idempotency_key=str(uuid.uuid4()))).post_id)
    for _ in range(300):  # the picker offers photos once they are processed
        posts = [await client.post(post_id) for post_id in ids]
        if all(m.status == "ready" for post in posts for m in post.media):
            return ids
        await asyncio.sleep(0.1)
    raise AssertionError("the photos were never processed")


async def test_create_an_album_with_a_member_and_add_photos(sized_page, web_app, ui_server, tmp_path):
    size, ui = sized_page
    alice, bob = ApiClient(ui_server.url), ApiClient(ui_server.url)
    try:
        await alice.register("alice", PASSWORD)
        await bob.register("bob", PASSWORD)
        await ready_posts(alice, tmp_path, 3)

        await ui.open(web_app.url)
        await ui.fill("Username", "alice")
        await ui.fill("Password", PASSWORD)
        await ui.click("Sign in", exact=True)
        await ui.see("Lake day 2")

        # Profile → Albums → New album, with bob as a contributor.
        await ui.tab("Profile")
        await ui.click("Albums", exact=True)
        await ui.click("New album")
        await ui.fill("Album title", "Summer 2026")
        await ui.fill("Member's username", "bob")
        await ui.click("Add member")
        await ui.see("Contributor (adds photos)")
        await ui.click("Create album")
        await ui.see("0 photos")
        await ui.host.get_by_text("bob").first.wait_for(timeout=UI_TIMEOUT_MS)  # among the members

        # The picker adds two photos at once.
        await ui.click("Add photos")
        for n in (1, 2):
            target = ui.host.get_by_label(f"My photo {n}", exact=True).first
            await target.wait_for(timeout=UI_TIMEOUT_MS)
            await target.click()
            await ui.host.get_by_label(f"Chosen: My photo {n}").first.wait_for(timeout=UI_TIMEOUT_MS)
        await ui.click("Add 2 photos")
        await ui.host.get_by_text("2 photos", exact=True).first.wait_for(timeout=UI_TIMEOUT_MS)  # the album's count
        await ui.host.get_by_label("Album photo 2 by alice").first.wait_for(timeout=UI_TIMEOUT_MS)
        if size == "desktop":
            await ui.page.wait_for_timeout(800)  # let the frame catch up with the accessibility tree
            await ui.screenshot("album")

        # A post's menu edits it: the new caption shows, marked "edited".
        if size == "desktop":
            await ui.host.get_by_label("Album photo 1 by alice").first.click()
            await ui.click("Post options")
            await (await ui.see("Edit post")).click()
            await ui.fill("Caption", "Lake day, edited")
            await ui.click("Save changes")
            await ui.see("Lake day, edited")
            await ui.see("edited")

        # Bob is in it, as a contributor, and was told.
        albums = (await bob.albums()).items
        assert [(a.title, a.my_role, a.item_count) for a in albums] == [("Summer 2026", "contributor", 2)]
        news = (await bob.notifications()).items
        assert {(n.type, n.album_title, n.count) for n in news} == {("album_invite", "Summer 2026", 0),
                                                                   ("album_item", "Summer 2026", 2)}
    finally:
        await alice.aclose()
        await bob.aclose()
