"""The home feed and profiles over HTTP: ordering, stable cursors, fan-out, backfill, unfollow,
celebrities merged at read time, cold timelines rebuilt, private accounts."""

from __future__ import annotations

import pytest

from server.web.app import create_app
from tests.conftest import Api
from tests.feed_data import add_post

API = "/api/v1"


async def feed(api, token, **params):
    status, body = await api.call("GET", f"{API}/feed", token, params={k: str(v) for k, v in params.items()})
    assert status == 200, body
    return body


async def captions(api, token, **params) -> list[str]:
    return [post["caption"] for post in (await feed(api, token, **params))["posts"]]


async def walk(api, token, path=f"{API}/feed", limit=2, between_pages=None) -> list[str]:
    seen, cursor = [], None
    for page in range(100):
        params = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        status, body = await api.call("GET", path, token, params=params)
        assert status == 200, body
        seen += [post["caption"] for post in body["posts"]]
        if between_pages:
            await between_pages(page)
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("the cursor never ended")


async def post(api, token, caption):
    status, body = await api.post_photo(token, caption)
    assert status == 201, body
    return body["post"]["post_id"]


async def follow(api, token, username):
    status, body = await api.call("POST", f"{API}/users/@{username}/follow", token)
    assert status == 200, body
    return body


async def test_feed_needs_a_token(api):
    assert (await api.call("GET", f"{API}/feed"))[0] == 401


async def test_own_post_is_in_own_feed_at_once_and_followers_see_it_once_published(api):
    _, author = await api.register("author")
    _, fan = await api.register("fan")
    await follow(api, fan, "author")
    assert await captions(api, fan) == []  # warm and empty
    await post(api, author, "first")
    assert await captions(api, author) == ["first"]  # before processing finished
    assert await captions(api, fan) == []  # still processing: only its author sees it
    await api.run_jobs()
    assert await captions(api, fan) == ["first"]
    body = await feed(api, fan)
    assert body["posts"][0]["media_url"] and body["posts"][0]["user"]["username"] == "author"


async def test_feed_is_newest_first_across_followees(api):
    _, ann = await api.register("ann")
    _, ben = await api.register("ben")
    _, fan = await api.register("fan")
    await follow(api, fan, "ann")
    await follow(api, fan, "ben")
    for caption, token in (("a1", ann), ("b1", ben), ("a2", ann), ("own", fan), ("b2", ben)):
        await post(api, token, caption)
    await api.run_jobs()
    assert await captions(api, fan) == ["b2", "own", "a2", "b1", "a1"]


async def test_cursor_pages_never_repeat_or_skip_under_concurrent_posts(api):
    _, author = await api.register("author")
    _, fan = await api.register("fan")
    await follow(api, fan, "author")
    for index in range(5):
        await add_post(api.ctx, await author_id(api, "author"), f"p{index}")
    await api.run_jobs()

    async def someone_posts(page):
        await post(api, author, f"new{page}")
        await api.run_jobs()

    assert await walk(api, fan, between_pages=someone_posts) == ["p4", "p3", "p2", "p1", "p0"]
    assert (await captions(api, fan))[:3] == ["new2", "new1", "new0"]


async def author_id(api, username) -> int:
    return await api.ctx.db.read(lambda conn: conn.fetch_val("SELECT id FROM users WHERE username = ?", (username,)))


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "51"}, {"limit": "-3"}, {"limit": "x"}, {"limit": "1" * 30},
                                   {"cursor": "%%%"}, {"cursor": "bm9wZQ"}, {"cursor": "MS4y"}, {"cursor": "LTE"}])
async def test_bad_page_queries_are_400(api, query):
    _, token = await api.register("someone")
    for path in (f"{API}/feed", f"{API}/users/@someone/posts"):
        status, body = await api.call("GET", path, token, params=query)
        assert status == 400 and body["error"]["code"] == "invalid_input", (path, query, body)


async def test_follow_backfills_and_unfollow_removes_at_once(api):
    _, author = await api.register("author")
    _, fan = await api.register("fan")
    await post(api, author, "old")
    await api.run_jobs()
    await post(api, fan, "mine")
    assert await captions(api, fan) == ["mine"]  # the timeline is warm now
    await follow(api, fan, "author")
    assert await captions(api, fan) == ["mine", "old"]
    status, _ = await api.call("DELETE", f"{API}/users/@author/follow", fan)
    assert status == 200
    assert await captions(api, fan) == ["mine"]


async def test_a_fan_out_that_read_its_followers_before_an_unfollow_takes_the_post_back_out(api, monkeypatch):
    """A post's fan-out reads the followers, then pushes; an unfollow in between (in this process or another)
    must not leave the post in the leaver's feed: the timeline manager re-reads after each push."""
    _, author = await api.register("author")
    _, fan = await api.register("fan")
    await follow(api, fan, "author")
    assert await captions(api, fan) == []  # warm
    late = await post(api, author, "late")  # processing: its fan-out has not run yet
    read_before_the_unfollow = [await author_id(api, "fan")]

    async def follower_batches(_author_id):
        yield read_before_the_unfollow

    manager = api.ctx.timeline_manager
    monkeypatch.setattr(manager, "_follower_batches", follower_batches)
    status, _ = await api.call("DELETE", f"{API}/users/@author/follow", fan)
    assert status == 200
    assert await manager.deliver(int(late), await author_id(api, "author")) == []  # pushed to the fan, then taken out
    await api.run_jobs()  # processed and published (its own fan-out reads the same stale list)
    assert await captions(api, fan) == []
    assert await captions(api, author) == ["late"]


async def test_deleted_post_leaves_the_feed_before_the_cleanup_job(api):
    _, author = await api.register("author")
    _, fan = await api.register("fan")
    await follow(api, fan, "author")
    await post(api, author, "keep")
    gone = await post(api, author, "gone")
    await api.run_jobs()
    assert await captions(api, fan) == ["gone", "keep"]
    assert (await api.call("DELETE", f"{API}/posts/{gone}", author))[0] == 204
    assert await captions(api, fan) == ["keep"]
    await api.run_jobs()
    assert await captions(api, fan) == ["keep"]


async def test_paging_past_the_capped_timeline_reads_the_database(api):
    _, author = await api.register("author")
    _, fan = await api.register("fan")
    await follow(api, fan, "author")
    api.ctx.timelines.max_items = 4  # a tiny cap (on whichever store runs), so a few posts run past it
    uid = await author_id(api, "author")
    for index in range(9):
        await add_post(api.ctx, uid, f"p{index}")
    await api.run_jobs()
    assert await walk(api, fan, limit=3) == [f"p{index}" for index in range(8, -1, -1)]
    page = await api.ctx.timelines.read(await author_id(api, "fan"), before=None, limit=50)
    assert len(page.post_ids) == 4  # the timeline stayed capped


async def test_celebrities_are_merged_at_read_time(settings, aiohttp_client):
    api = Api(await aiohttp_client(create_app(settings.replace(celebrity_threshold=2))))
    _, star = await api.register("star")
    _, friend = await api.register("friend")
    _, fan = await api.register("fan")
    _, other = await api.register("other")
    await follow(api, other, "star")
    await follow(api, fan, "star")  # star now has 2 followers: a celebrity
    await follow(api, fan, "friend")
    assert await captions(api, fan) == []
    for caption, token in (("f1", friend), ("s1", star), ("f2", friend), ("s2", star)):
        await post(api, token, caption)
    await api.run_jobs()
    fan_id = await author_id(api, "fan")
    timeline = await api.ctx.timelines.read(fan_id, before=None, limit=50)
    assert len(timeline.post_ids) == 2  # only the friend's posts were pushed
    assert await captions(api, fan) == ["s2", "f2", "s1", "f1"]
    assert await walk(api, fan, limit=1) == ["s2", "f2", "s1", "f1"]
    assert await captions(api, other) == ["s2", "s1"]
    await api.call("DELETE", f"{API}/users/@star/follow", fan)
    assert await captions(api, fan) == ["f2", "f1"]


async def test_a_restarted_server_rebuilds_cold_timelines_and_writes_them_back(settings, aiohttp_client):
    first = Api(await aiohttp_client(create_app(settings)))
    _, author = await first.register("author")
    _, fan = await first.register("fan")
    await follow(first, fan, "author")
    await post(first, author, "one")
    await post(first, author, "two")
    await first.run_jobs()
    await first.client.close()

    second = Api(await aiohttp_client(create_app(settings)))
    fan_id = await author_id(second, "fan")
    assert await second.ctx.timelines.read(fan_id, before=None, limit=10) is None
    assert await captions(second, fan) == ["two", "one"]
    assert len((await second.ctx.timelines.read(fan_id, before=None, limit=10)).post_ids) == 2
    await post(second, author, "three")  # pushed into the rebuilt timeline
    await second.run_jobs()
    assert await captions(second, fan) == ["three", "two", "one"]


async def test_profile_posts(api):
    author, author_token = await api.register("author")
    _, fan = await api.register("fan")
    for caption in ("a", "b", "c"):
        await post(api, author_token, caption)
    await api.run_jobs()
    await post(api, author_token, "processing")
    status, body = await api.call("GET", f"{API}/users/@author/posts", fan)
    assert status == 200 and [p["caption"] for p in body["posts"]] == ["c", "b", "a"]
    assert body["user"]["username"] == "author" and body["user"]["post_count"] == 4 and body["next_cursor"] is None
    assert await walk(api, fan, path=f"{API}/users/{author['user_id']}/posts") == ["c", "b", "a"]
    assert await walk(api, author_token, path=f"{API}/users/@author/posts") == ["processing", "c", "b", "a"]
    assert (await api.call("GET", f"{API}/users/@nobody/posts", fan))[0] == 404
    assert (await api.call("GET", f"{API}/users/@author/posts"))[0] == 401


async def test_private_account_posts_are_for_approved_followers(api):
    owner, owner_token = await api.register("owner")
    fan, fan_token = await api.register("fan")
    await api.call("PATCH", f"{API}/me", owner_token, json={"is_private": True})
    await post(api, owner_token, "secret")
    await api.run_jobs()
    assert await captions(api, fan_token) == []
    status, body = await api.call("GET", f"{API}/users/@owner/posts", fan_token)
    assert status == 403 and body["error"]["code"] == "private_account"
    assert await follow(api, fan_token, "owner") == {"requested": True}
    assert (await api.call("GET", f"{API}/users/@owner/posts", fan_token))[0] == 403
    assert await captions(api, fan_token) == []
    await api.call("POST", f"{API}/me/follow_requests/{fan['user_id']}/approve", owner_token)
    status, body = await api.call("GET", f"{API}/users/@owner/posts", fan_token)
    assert status == 200 and [p["caption"] for p in body["posts"]] == ["secret"]
    assert await captions(api, fan_token) == ["secret"]
    await api.call("DELETE", f"{API}/users/@owner/follow", fan_token)
    assert await captions(api, fan_token) == []
    assert (await api.call("GET", f"{API}/users/@owner/posts", fan_token))[0] == 403


async def test_liked_and_saved_flags_follow_the_viewer_on_warm_pages(api):
    """The warm feed serves cached flags; liking, unliking, saving and unsaving must show at once."""
    _, token = await api.register()
    post_id = (await api.post_photo(token, "flags"))[1]["post_id"]

    async def flags():
        posts = (await api.call("GET", "/api/v1/feed", token))[1]["posts"]
        [post] = [p for p in posts if p["post_id"] == post_id]
        return post["liked_by_me"], post["saved_by_me"], post["like_count"]

    assert await flags() == (False, False, 0)
    assert await flags() == (False, False, 0)  # now served warm
    await api.call("POST", f"/api/v1/posts/{post_id}/likes", token)
    assert await flags() == (True, False, 1)
    await api.call("POST", f"/api/v1/posts/{post_id}/save", token)
    assert await flags() == (True, True, 1)
    await api.call("DELETE", f"/api/v1/posts/{post_id}/likes", token)
    await api.call("DELETE", f"/api/v1/posts/{post_id}/save", token)
    assert await flags() == (False, False, 0)


async def test_a_reloaded_first_page_shows_every_change_at_once(api):
    """The top of the feed is served from a cached page while nothing on it changes: every change a reader
    would notice (someone else's like or comment, the author's new avatar, a deleted post) shows on the next load."""
    from tests.conftest import jpeg_bytes

    _, author = await api.register("cachedauthor")
    _, reader = await api.register("cachedreader")
    _, other = await api.register("cachedother")
    await follow(api, reader, "cachedauthor")
    first = await post(api, author, "one")
    second = await post(api, author, "two")
    await api.run_jobs()

    async def top():
        return {p["post_id"]: p for p in (await feed(api, reader))["posts"]}

    before = await top()
    assert await top() == before  # the same page twice: now it comes from the cache
    assert before[first]["like_count"] == 0 and before[second]["user"]["avatar_url"] is None

    assert (await api.call("POST", f"{API}/posts/{first}/likes", other))[0] == 201
    assert (await top())[first]["like_count"] == 1

    status, _ = await api.call("POST", f"{API}/posts/{second}/comments", other, json={"text": "lovely"})
    assert status == 201
    assert (await top())[second]["comment_count"] == 1

    status, _ = await api.call("PUT", f"{API}/me/avatar", author, data=jpeg_bytes(),
                               headers={"Content-Type": "image/jpeg"})
    assert status == 200
    await api.run_jobs()
    page = await top()
    assert page[first]["user"]["avatar_url"] and page[second]["user"]["avatar_url"]

    assert (await api.call("DELETE", f"{API}/posts/{first}", author))[0] == 204
    assert list(await top()) == [second]
