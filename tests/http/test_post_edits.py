"""Editing a post: PATCH /posts/{id} changes the caption (tags and mentions follow) and alt texts."""

from __future__ import annotations

import asyncio
import time

import pytest

from server.web.app import create_app
from tests.conftest import Api
from tests.interaction_helpers import API, notifications_of, read_post
from tests.sharing_helpers import ready_post


@pytest.fixture(params=["embedded", "scaled"])
def stack(request):
    return request.param


async def test_an_edit_changes_caption_tags_and_alt_text_and_marks_the_post_edited(api):
    _, token = await api.register("author")
    _, fan_token = await api.register("fan")
    post = await ready_post(api, token, "beach #summer", images=None)
    assert post["edited_at"] is None
    await read_post(api, fan_token, post["post_id"])  # the fan's process now holds the post in its cache

    status, body = await api.call("PATCH", f"{API}/posts/{post['post_id']}", token,
                                  json={"caption": "lake #autumn #family", "alt_text": ["a lake at dawn"]})

    assert status == 200, body
    assert body["post"]["caption"] == "lake #autumn #family" and body["post"]["edited_at"]
    seen = await read_post(api, fan_token, post["post_id"])  # not the cached copy from before the edit
    assert seen["caption"] == "lake #autumn #family" and seen["hashtags"] == ["autumn", "family"]
    assert seen["media"][0]["alt_text"] == "a lake at dawn" and seen["edited_at"] == body["post"]["edited_at"]
    assert (await api.call("GET", f"{API}/tags/summer/posts", fan_token))[1]["posts"] == []
    assert [p["post_id"] for p in (await api.call("GET", f"{API}/tags/autumn/posts", fan_token))[1]["posts"]] == [post["post_id"]]


async def test_an_edit_notifies_only_people_newly_mentioned(api):
    _, token = await api.register("author")
    _, ann_token = await api.register("ann")
    _, bob_token = await api.register("bob")
    post = await ready_post(api, token, "with @ann")
    assert len((await notifications_of(api, ann_token))["notifications"]) == 1

    status, _ = await api.call("PATCH", f"{API}/posts/{post['post_id']}", token, json={"caption": "with @ann and @bob"})

    assert status == 200
    assert len((await notifications_of(api, ann_token))["notifications"]) == 1  # told once, at publishing
    bob = (await notifications_of(api, bob_token))["notifications"]
    assert [(n["type"], n["post"]["post_id"]) for n in bob] == [("mention", post["post_id"])]


async def test_only_the_author_edits_and_bad_edits_change_nothing(api):
    _, token = await api.register("author")
    _, other_token = await api.register("other")
    post = await ready_post(api, token, "keep me")
    path = f"{API}/posts/{post['post_id']}"

    assert (await api.call("PATCH", path, other_token, json={"caption": "mine now"}))[0] == 403
    assert (await api.call("PATCH", path, token, json={"caption": "x" * 2201}))[1]["error"]["code"] == "caption_too_long"
    assert (await api.call("PATCH", path, token, json={"alt_text": ["one", "two"]}))[0] == 400  # the post has one photo
    assert (await api.call("PATCH", path, token, json={"like_count": 1000}))[0] == 400
    assert (await api.call("PATCH", path, token, json={}))[0] == 400
    assert (await api.call("PATCH", f"{API}/posts/123456789", token, json={"caption": "x"}))[0] == 404
    unchanged = await read_post(api, token, post["post_id"])
    assert unchanged["caption"] == "keep me" and unchanged["edited_at"] is None


@pytest.mark.backends(has=["redis"])
async def test_another_server_process_shows_the_edit_not_its_cached_copy(api, settings, aiohttp_client, media_pool):
    other = Api(await aiohttp_client(create_app(settings, media_pool=media_pool)))
    _, token = await api.register("author")
    post = await ready_post(api, token, "before")
    assert (await read_post(other, token, post["post_id"]))["caption"] == "before"  # now cached over there

    assert (await api.call("PATCH", f"{API}/posts/{post['post_id']}", token, json={"caption": "after"}))[0] == 200

    deadline = time.monotonic() + 5  # the forget crosses Redis pub/sub: milliseconds, bounded here
    while (await read_post(other, token, post["post_id"]))["caption"] != "after":
        assert time.monotonic() < deadline, "the other process kept serving the caption from before the edit"
        await asyncio.sleep(0.02)
