"""Comments: POST/GET /posts/{id}/comments, DELETE /comments/{id}."""

from __future__ import annotations

import pytest

from server.services.comments import MAX_COMMENT_CHARS
from tests.interaction_helpers import (
    API, HOSTILE_POST_IDS, follow, make_private, notifications_of, publish, read_post, walk_pages,
)


@pytest.fixture
async def post(api):
    author, author_token = await api.register("author")
    post_id = await publish(api, author_token, "our garden")
    return post_id, author, author_token


async def comment(api, token, post_id, text="lovely"):
    status, body = await api.call("POST", f"{API}/posts/{post_id}/comments", token, json={"text": text})
    assert status == 201, body
    return body["comment"]


async def test_a_comment_has_the_contract_shape_and_counts_on_the_post(api, post):
    post_id, _, _ = post
    fan, token = await api.register("fan")

    created = await comment(api, token, post_id, "  what a view!  ")

    assert set(created) == {"comment_id", "post_id", "user", "text", "created_at"}
    assert created["post_id"] == post_id and created["text"] == "what a view!"
    assert created["user"] == {"user_id": fan["user_id"], "username": "fan", "avatar_url": None}
    assert created["comment_id"].isdigit() and created["created_at"].endswith("Z")
    assert (await read_post(api, token, post_id))["comment_count"] == 1


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "   \n\t "}, {"text": "x" * (MAX_COMMENT_CHARS + 1)},
                                  {}, {"text": None}, {"text": 42}, {"text": ["hi"]}, {"text": {"a": 1}}])
async def test_empty_overlong_or_mistyped_text_is_400_and_nothing_is_written(api, post, body):
    post_id, _, author_token = post
    status, answer = await api.call("POST", f"{API}/posts/{post_id}/comments", author_token, json=body)
    assert status == 400, answer
    assert (await read_post(api, author_token, post_id))["comment_count"] == 0


async def test_text_of_exactly_the_limit_is_accepted(api, post):
    post_id, _, author_token = post
    created = await comment(api, author_token, post_id, "é" * MAX_COMMENT_CHARS)
    assert len(created["text"]) == MAX_COMMENT_CHARS


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'"text"', b""])
async def test_a_body_that_is_not_a_json_object_is_400(api, post, raw):
    post_id, _, author_token = post
    status, body = await api.call("POST", f"{API}/posts/{post_id}/comments", author_token, data=raw,
                                  headers={"Content-Type": "application/json"})
    assert status == 400 and body["error"]["code"] == "invalid_input"


async def test_unknown_and_malformed_posts_are_404(api):
    _, token = await api.register()
    for post_id in ("7215629384753152", *HOSTILE_POST_IDS):
        assert (await api.call("POST", f"{API}/posts/{post_id}/comments", token, json={"text": "hi"}))[0] == 404
        assert (await api.call("GET", f"{API}/posts/{post_id}/comments", token))[0] == 404


async def test_comments_need_a_signed_in_user(api, post):
    post_id, _, author_token = post
    created = await comment(api, author_token, post_id)
    assert (await api.call("POST", f"{API}/posts/{post_id}/comments", json={"text": "hi"}))[0] == 401
    assert (await api.call("GET", f"{API}/posts/{post_id}/comments"))[0] == 401
    assert (await api.call("DELETE", f"{API}/comments/{created['comment_id']}"))[0] == 401


async def test_comments_are_listed_oldest_first_across_pages(api, post):
    post_id, _, author_token = post
    _, token = await api.register("chatty")
    texts = [f"comment {index}" for index in range(5)]
    for text in texts:
        await comment(api, token, post_id, text)

    pages = await walk_pages(api, author_token, f"{API}/posts/{post_id}/comments", "comments", limit=2)

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [c["text"] for page in pages for c in page] == texts


async def test_a_comment_added_while_paging_appears_at_the_end_once(api, post):
    post_id, _, author_token = post
    for index in range(3):
        await comment(api, author_token, post_id, f"first {index}")
    status, first = await api.call("GET", f"{API}/posts/{post_id}/comments", author_token, params={"limit": "2"})
    await comment(api, author_token, post_id, "latecomer")
    status, rest = await api.call("GET", f"{API}/posts/{post_id}/comments", author_token,
                                  params={"limit": "10", "cursor": first["next_cursor"]})

    assert status == 200
    assert [c["text"] for c in first["comments"] + rest["comments"]] == ["first 0", "first 1", "first 2", "latecomer"]


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "51"}, {"limit": "x"}, {"cursor": "%%%"}, {"cursor": "LTE"}])
async def test_bad_paging_parameters_are_400(api, post, query):
    post_id, _, author_token = post
    status, _ = await api.call("GET", f"{API}/posts/{post_id}/comments", author_token, params=query)
    assert status == 400


async def test_the_comments_author_and_the_posts_author_may_delete_others_may_not(api, post):
    post_id, _, author_token = post
    _, fan_token = await api.register("fan")
    _, other_token = await api.register("other")
    mine = await comment(api, fan_token, post_id, "mine")
    second = await comment(api, fan_token, post_id, "second")

    status, body = await api.call("DELETE", f"{API}/comments/{mine['comment_id']}", other_token)
    assert status == 403 and body["error"]["code"] == "forbidden"
    assert (await api.call("DELETE", f"{API}/comments/{mine['comment_id']}", fan_token))[0] == 204
    assert (await api.call("DELETE", f"{API}/comments/{second['comment_id']}", author_token))[0] == 204

    _, listing = await api.call("GET", f"{API}/posts/{post_id}/comments", author_token)
    assert listing["comments"] == []
    assert (await read_post(api, author_token, post_id))["comment_count"] == 0


async def test_deleting_a_comment_twice_or_an_unknown_one_is_404(api, post):
    post_id, _, author_token = post
    created = await comment(api, author_token, post_id)
    assert (await api.call("DELETE", f"{API}/comments/{created['comment_id']}", author_token))[0] == 204
    assert (await api.call("DELETE", f"{API}/comments/{created['comment_id']}", author_token))[0] == 404
    for comment_id in ("7215629384753152", *HOSTILE_POST_IDS):
        assert (await api.call("DELETE", f"{API}/comments/{comment_id}", author_token))[0] == 404


async def test_comment_count_follows_adds_and_deletes(api, post):
    post_id, _, author_token = post
    created = [await comment(api, author_token, post_id, f"c{index}") for index in range(3)]
    await api.call("DELETE", f"{API}/comments/{created[1]['comment_id']}", author_token)

    assert (await read_post(api, author_token, post_id))["comment_count"] == 2
    _, listing = await api.call("GET", f"{API}/posts/{post_id}/comments", author_token)
    assert [c["text"] for c in listing["comments"]] == ["c0", "c2"]


async def test_a_private_post_hides_its_comments_from_strangers(api):
    author, author_token = await api.register("hidden")
    _, friend_token = await api.register("friend")
    _, stranger_token = await api.register("stranger")
    await follow(api, friend_token, author["user_id"])
    await make_private(api, author_token)
    post_id = await publish(api, author_token)
    created = await comment(api, friend_token, post_id, "only friends see this")

    assert (await api.call("GET", f"{API}/posts/{post_id}/comments", stranger_token))[0] == 404
    assert (await api.call("POST", f"{API}/posts/{post_id}/comments", stranger_token, json={"text": "hi"}))[0] == 404
    # Not 403: a stranger must not learn that the comment exists.
    assert (await api.call("DELETE", f"{API}/comments/{created['comment_id']}", stranger_token))[0] == 404
    assert (await api.call("GET", f"{API}/posts/{post_id}/comments", friend_token))[0] == 200


async def test_a_deleted_post_takes_its_comments_with_it(api, post):
    post_id, _, author_token = post
    created = await comment(api, author_token, post_id)
    await api.call("DELETE", f"{API}/posts/{post_id}", author_token)

    assert (await api.call("DELETE", f"{API}/comments/{created['comment_id']}", author_token))[0] == 404
    assert (await api.call("GET", f"{API}/posts/{post_id}/comments", author_token))[0] == 404


async def test_the_post_owner_is_notified_and_deleting_the_comment_withdraws_it(api, post):
    post_id, author, author_token = post
    fan, token = await api.register("fan")
    created = await comment(api, token, post_id, "nice")

    inbox = await notifications_of(api, author_token)
    assert [(n["type"], n["actor"]["username"]) for n in inbox["notifications"]] == [("comment", "fan")]
    assert inbox["notifications"][0]["post"]["post_id"] == post_id

    await api.call("DELETE", f"{API}/comments/{created['comment_id']}", token)
    inbox = await notifications_of(api, author_token)
    assert inbox["notifications"] == [] and inbox["unread_count"] == 0
