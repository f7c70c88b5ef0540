"""Blocks and mutes over HTTP, on the embedded and the scaled stack: every status code, both directions of a
block, what a block ends and stops, and what a mute does (and does not do)."""

from __future__ import annotations

import pytest

from tests.interaction_helpers import API, follow, notifications_of, publish


@pytest.fixture(params=["embedded", "scaled"])
def stack(request):
    return request.param


async def call(api, method, path, token, **kwargs):
    return await api.call(method, f"{API}{path}", token, **kwargs)


async def feed_ids(api, token) -> list[str]:
    status, body = await call(api, "GET", "/feed", token, params={"limit": "50"})
    assert status == 200, body
    return [post["post_id"] for post in body["posts"]]


async def test_block_and_unblock_answers_and_lists(api):
    alice, alice_token = await api.register("alice")
    bob, _ = await api.register("bob")
    carol, _ = await api.register("carol")
    assert await call(api, "POST", "/users/@bob/block", alice_token) == (200, {"blocking": True})
    assert await call(api, "POST", "/users/@bob/block", alice_token) == (200, {"blocking": True})  # again: the same
    assert await call(api, "POST", f"/users/{carol['user_id']}/block", alice_token) == (200, {"blocking": True})
    status, body = await call(api, "GET", "/me/blocks", alice_token, params={"limit": "1"})
    assert status == 200 and [u["username"] for u in body["users"]] == ["carol"] and body["next_cursor"]
    status, body = await call(api, "GET", "/me/blocks", alice_token, params={"limit": "1", "cursor": body["next_cursor"]})
    assert [u["username"] for u in body["users"]] == ["bob"] and body["next_cursor"] is None

    assert await call(api, "DELETE", "/users/@bob/block", alice_token) == (200, {"blocking": False})
    status, body = await call(api, "DELETE", "/users/@bob/block", alice_token)
    assert status == 409 and body["error"]["code"] == "not_blocking"
    status, body = await call(api, "POST", "/users/@alice/block", alice_token)
    assert status == 400 and body["error"]["code"] == "cannot_block_self"
    for ref in ("@nobody_here", "99999999999999999999", "abc"):
        assert (await call(api, "POST", f"/users/{ref}/block", alice_token))[0] == 404
    assert (await call(api, "POST", "/users/@bob/block", None))[0] == 401
    status, body = await call(api, "GET", "/me/blocks", alice_token)
    assert [u["username"] for u in body["users"]] == ["carol"]
    assert bob  # listed by name above


@pytest.mark.parametrize("blocker", ["author", "reader"])
async def test_a_block_either_way_ends_follows_and_feeds_and_hides_each_from_the_other(api, blocker):
    author, author_token = await api.register("author")
    reader, reader_token = await api.register("reader")
    await follow(api, reader_token, author["user_id"])
    await follow(api, author_token, reader["user_id"])
    author_post = await publish(api, author_token, "by the author #both")
    reader_post = await publish(api, reader_token, "by the reader #both")
    await api.run_jobs()
    assert set(await feed_ids(api, reader_token)) == {author_post, reader_post}
    assert set(await feed_ids(api, author_token)) == {author_post, reader_post}

    if blocker == "author":
        assert (await call(api, "POST", f"/users/{reader['user_id']}/block", author_token))[0] == 200
    else:
        assert (await call(api, "POST", f"/users/{author['user_id']}/block", reader_token))[0] == 200
    # Follows both ways are gone, counters with them, and each one's posts left the other's feed at once.
    assert await feed_ids(api, reader_token) == [reader_post]
    assert await feed_ids(api, author_token) == [author_post]
    status, me = await call(api, "GET", "/me", author_token)
    assert me["user"]["follower_count"] == 0 and me["user"]["following_count"] == 0
    # Each is invisible to the other, whoever blocked.
    for token, other, post in ((reader_token, author, author_post), (author_token, reader, reader_post)):
        assert (await call(api, "GET", f"/users/{other['user_id']}", token))[0] == 404
        assert (await call(api, "GET", f"/posts/{post}", token))[0] == 404
        status, body = await call(api, "GET", "/search", token, params={"q": "#both"})
        assert body["hashtags"] == [{"tag": "both", "post_count": 1}]  # only their own post counts
        status, body = await call(api, "GET", "/search", token, params={"q": "@" + other["username"]})
        assert body["users"] == []


@pytest.mark.parametrize("blocker", ["author", "reader"])
async def test_a_block_stops_follows_likes_comments_and_mentions(api, blocker):
    author, author_token = await api.register("author")
    reader, reader_token = await api.register("reader")
    post = await publish(api, author_token, "hello")
    await api.run_jobs()
    status, body = await call(api, "POST", f"/posts/{post}/comments", reader_token, json={"text": "before the block"})
    assert status == 201
    blocker_token, blocked = (author_token, reader) if blocker == "author" else (reader_token, author)
    assert (await call(api, "POST", f"/users/{blocked['user_id']}/block", blocker_token))[0] == 200

    assert (await call(api, "POST", f"/users/{author['user_id']}/follow", reader_token))[0] == 404
    assert (await call(api, "POST", f"/users/{reader['user_id']}/follow", author_token))[0] == 404
    assert (await call(api, "POST", f"/posts/{post}/likes", reader_token))[0] == 404
    assert (await call(api, "POST", f"/posts/{post}/comments", reader_token, json={"text": "hi"}))[0] == 404
    # The earlier comment no longer shows to the author; a mention by one of the other notifies nobody.
    status, body = await call(api, "GET", f"/posts/{post}/comments", author_token)
    assert body["comments"] == []
    own_post = await publish(api, reader_token, "hey @author")
    await api.run_jobs()
    assert own_post and [n for n in (await notifications_of(api, author_token))["notifications"] if n["type"] == "mention"] == []


async def test_unblocking_restores_visibility_but_not_follows(api):
    author, author_token = await api.register("author")
    _, reader_token = await api.register("reader")
    await follow(api, reader_token, author["user_id"])
    post = await publish(api, author_token)
    await api.run_jobs()
    await call(api, "POST", "/users/@reader/block", author_token)
    await call(api, "DELETE", "/users/@reader/block", author_token)
    assert (await call(api, "GET", f"/posts/{post}", reader_token))[0] == 200
    assert await feed_ids(api, reader_token) == []  # the follow ended with the block; asking again brings it back
    await follow(api, reader_token, author["user_id"])
    assert await feed_ids(api, reader_token) == [post]


async def test_mute_quiets_the_home_feed_only(api):
    author, author_token = await api.register("author")
    _, reader_token = await api.register("reader")
    await follow(api, reader_token, author["user_id"])
    post = await publish(api, author_token, "#quiet")
    await api.run_jobs()
    assert await feed_ids(api, reader_token) == [post]

    assert await call(api, "POST", "/users/@author/mute", reader_token) == (200, {"muting": True})
    assert await call(api, "POST", "/users/@author/mute", reader_token) == (200, {"muting": True})
    assert await feed_ids(api, reader_token) == []
    later = await publish(api, author_token, "while muted")
    await api.run_jobs()
    assert await feed_ids(api, reader_token) == []  # the fan-out skips muters too
    # Nothing else changes: still following, the profile, the post, the tag all show.
    status, body = await call(api, "GET", "/users/@author", reader_token)
    assert body["user"]["followed_by_me"] is True
    assert (await call(api, "GET", f"/posts/{post}", reader_token))[0] == 200
    status, body = await call(api, "GET", "/tags/quiet/posts", reader_token)
    assert [p["post_id"] for p in body["posts"]] == [post]
    status, body = await call(api, "GET", "/me/mutes", reader_token)
    assert [u["username"] for u in body["users"]] == ["author"]

    assert await call(api, "DELETE", "/users/@author/mute", reader_token) == (200, {"muting": False})
    assert await feed_ids(api, reader_token) == [later, post]
    status, body = await call(api, "DELETE", "/users/@author/mute", reader_token)
    assert status == 409 and body["error"]["code"] == "not_muting"
    status, body = await call(api, "POST", "/users/@reader/mute", reader_token)
    assert status == 400 and body["error"]["code"] == "cannot_mute_self"
    assert (await call(api, "POST", "/users/@nobody_here/mute", reader_token))[0] == 404
    await call(api, "POST", "/users/@reader/block", author_token)
    assert (await call(api, "POST", "/users/@author/mute", reader_token))[0] == 404  # invisible behind a block


async def test_mute_and_block_reach_a_celebritys_merged_posts(api):
    """A celebrity's posts are merged into feeds at read time, not pushed: mutes and blocks must reach them too."""
    api.ctx.settings.values["celebrity_threshold"] = 1
    star, star_token = await api.register("star")
    _, fan_token = await api.register("fan")
    _, other_token = await api.register("other")
    await follow(api, fan_token, star["user_id"])
    await follow(api, other_token, star["user_id"])
    post = await publish(api, star_token)
    await api.run_jobs()
    assert await feed_ids(api, fan_token) == [post] and await feed_ids(api, other_token) == [post]
    await call(api, "POST", "/users/@star/mute", fan_token)
    assert await feed_ids(api, fan_token) == []
    await call(api, "POST", "/users/@other/block", star_token)
    assert await feed_ids(api, other_token) == []


async def test_comment_counts_leave_out_blocked_commenters(api):
    _, author_token = await api.register("author")
    _, reader_token = await api.register("reader")
    _, troll_token = await api.register("troll")
    post = await publish(api, author_token)
    await api.run_jobs()
    await follow(api, reader_token, (await call(api, "GET", "/users/@author", reader_token))[1]["user"]["user_id"])
    for token in (reader_token, troll_token):
        assert (await call(api, "POST", f"/posts/{post}/comments", token, json={"text": "hi"}))[0] == 201

    async def counts(token):
        page = (await call(api, "GET", "/feed", token))[1]["posts"]
        return (await call(api, "GET", f"/posts/{post}", token))[1]["post"]["comment_count"], [p["comment_count"] for p in page]

    assert await counts(reader_token) == (2, [2])
    await call(api, "POST", "/users/@troll/block", reader_token)
    assert await counts(reader_token) == (1, [1])  # the post page and the (cached) feed page alike
    assert await counts(author_token) == (2, [2])
    await call(api, "DELETE", "/users/@troll/block", reader_token)
    assert await counts(reader_token) == (2, [2])
