"""Liking posts: POST/DELETE/GET /posts/{id}/likes."""

from __future__ import annotations

import asyncio

import pytest

from tests.interaction_helpers import (
    API, HOSTILE_POST_IDS, follow, make_private, notifications_of, publish, read_post, walk_pages,
)


@pytest.fixture
async def post(api):
    author, author_token = await api.register("author")
    post_id = await publish(api, author_token, "sunset")
    return post_id, author, author_token


async def test_a_like_counts_once_and_shows_on_the_post(api, post):
    post_id, _, _ = post
    _, token = await api.register("fan")

    assert await api.call("POST", f"{API}/posts/{post_id}/likes", token) == (201, {"like_count": 1})
    seen = await read_post(api, token, post_id)
    assert seen["like_count"] == 1 and seen["liked_by_me"] is True


async def test_liking_twice_is_a_conflict_and_the_count_stays(api, post):
    post_id, _, _ = post
    _, token = await api.register("fan")
    await api.call("POST", f"{API}/posts/{post_id}/likes", token)

    status, body = await api.call("POST", f"{API}/posts/{post_id}/likes", token)
    assert status == 409 and body["error"]["code"] == "already_liked"
    assert (await read_post(api, token, post_id))["like_count"] == 1


async def test_concurrent_duplicate_likes_land_exactly_once(api, post):
    post_id, _, _ = post
    _, token = await api.register("fan")

    results = await asyncio.gather(*(api.call("POST", f"{API}/posts/{post_id}/likes", token) for _ in range(8)))

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 7
    assert (await read_post(api, token, post_id))["like_count"] == 1


async def test_many_people_liking_at_once_are_all_counted(api, post):
    post_id, _, _ = post
    tokens = [(await api.register())[1] for _ in range(6)]

    results = await asyncio.gather(*(api.call("POST", f"{API}/posts/{post_id}/likes", token) for token in tokens))

    assert [status for status, _ in results] == [201] * 6
    assert sorted(body["like_count"] for _, body in results) == [1, 2, 3, 4, 5, 6]
    assert (await read_post(api, tokens[0], post_id))["like_count"] == 6


async def test_unlike_lowers_the_count_and_a_second_unlike_is_a_conflict(api, post):
    post_id, _, _ = post
    _, token = await api.register("fan")
    await api.call("POST", f"{API}/posts/{post_id}/likes", token)

    assert await api.call("DELETE", f"{API}/posts/{post_id}/likes", token) == (200, {"like_count": 0})
    status, body = await api.call("DELETE", f"{API}/posts/{post_id}/likes", token)
    assert status == 409 and body["error"]["code"] == "not_liked"
    seen = await read_post(api, token, post_id)
    assert seen["like_count"] == 0 and seen["liked_by_me"] is False


async def test_unliking_a_post_never_liked_is_a_conflict(api, post):
    post_id, _, _ = post
    _, token = await api.register("fan")
    status, _ = await api.call("DELETE", f"{API}/posts/{post_id}/likes", token)
    assert status == 409


@pytest.mark.parametrize("method", ["POST", "DELETE", "GET"])
async def test_unknown_and_malformed_post_ids_are_404(api, method):
    _, token = await api.register()
    for post_id in ("7215629384753152", *HOSTILE_POST_IDS):
        status, body = await api.call(method, f"{API}/posts/{post_id}/likes", token)
        assert status == 404, (post_id, body)
        assert body["error"]["code"] == "not_found"


@pytest.mark.parametrize("method", ["POST", "DELETE", "GET"])
async def test_likes_need_a_signed_in_user(api, post, method):
    post_id, _, _ = post
    status, body = await api.call(method, f"{API}/posts/{post_id}/likes")
    assert status == 401 and body["error"]["code"] == "unauthorized"


async def test_a_deleted_post_cannot_be_liked(api, post):
    post_id, _, author_token = post
    _, token = await api.register("fan")
    assert (await api.call("DELETE", f"{API}/posts/{post_id}", author_token))[0] == 204

    assert (await api.call("POST", f"{API}/posts/{post_id}/likes", token))[0] == 404
    assert (await api.call("GET", f"{API}/posts/{post_id}/likes", token))[0] == 404


async def test_a_private_authors_post_is_404_to_strangers_and_open_to_followers(api):
    author, author_token = await api.register("hidden")
    _, follower_token = await api.register("friend")
    _, stranger_token = await api.register("stranger")
    await follow(api, follower_token, author["user_id"])
    await make_private(api, author_token)
    post_id = await publish(api, author_token)

    for method in ("POST", "DELETE", "GET"):
        status, _ = await api.call(method, f"{API}/posts/{post_id}/likes", stranger_token)
        assert status == 404, method
    assert (await api.call("POST", f"{API}/posts/{post_id}/likes", follower_token))[0] == 201
    assert (await api.call("POST", f"{API}/posts/{post_id}/likes", author_token))[0] == 201


async def test_likers_are_listed_newest_first_across_pages(api, post):
    post_id, _, author_token = post
    names = [f"liker{index}" for index in range(5)]
    for name in names:
        _, token = await api.register(name)
        assert (await api.call("POST", f"{API}/posts/{post_id}/likes", token))[0] == 201
        await asyncio.sleep(0.002)  # distinct milliseconds, so "newest first" has one right answer

    pages = await walk_pages(api, author_token, f"{API}/posts/{post_id}/likes", "users", limit=2)

    assert [len(page) for page in pages] == [2, 2, 1]
    listed = [user["username"] for page in pages for user in page]
    assert listed == list(reversed(names))
    assert set(pages[0][0]) == {"user_id", "username", "avatar_url", "followed_by_me", "follow_requested_by_me"}
    assert not any(user["followed_by_me"] for page in pages for user in page)  # the author follows none of them


async def test_likers_say_whom_the_viewer_follows(api, post):
    post_id, _, author_token = post
    fan, fan_token = await api.register("fan")
    stranger, stranger_token = await api.register("stranger")
    for token in (fan_token, stranger_token):
        assert (await api.call("POST", f"{API}/posts/{post_id}/likes", token))[0] == 201
    assert (await api.call("POST", f"{API}/users/{fan['user_id']}/follow", author_token))[0] == 200

    status, body = await api.call("GET", f"{API}/posts/{post_id}/likes", author_token)

    assert status == 200
    assert {user["username"]: user["followed_by_me"] for user in body["users"]} == {"fan": True, "stranger": False}


async def test_a_like_added_between_pages_does_not_repeat_or_shift_the_list(api, post):
    post_id, _, author_token = post
    for index in range(3):
        _, token = await api.register(f"early{index}")
        await api.call("POST", f"{API}/posts/{post_id}/likes", token)
        await asyncio.sleep(0.002)
    status, first = await api.call("GET", f"{API}/posts/{post_id}/likes", author_token, params={"limit": "2"})
    assert status == 200

    _, late_token = await api.register("late")
    await api.call("POST", f"{API}/posts/{post_id}/likes", late_token)
    status, second = await api.call("GET", f"{API}/posts/{post_id}/likes", author_token,
                                    params={"limit": "2", "cursor": first["next_cursor"]})

    assert [u["username"] for u in first["users"]] == ["early2", "early1"]
    assert [u["username"] for u in second["users"]] == ["early0"]
    assert second["next_cursor"] is None


async def test_an_unliked_person_leaves_the_likers_list(api, post):
    post_id, _, author_token = post
    _, token = await api.register("fickle")
    await api.call("POST", f"{API}/posts/{post_id}/likes", token)
    await api.call("DELETE", f"{API}/posts/{post_id}/likes", token)

    status, body = await api.call("GET", f"{API}/posts/{post_id}/likes", author_token)
    assert status == 200 and body == {"users": [], "next_cursor": None}


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "51"}, {"limit": "ten"}, {"limit": "-1"},
                                   {"cursor": "not-a-cursor!"}, {"cursor": "MTIz"}])
async def test_bad_paging_parameters_are_400(api, post, query):
    post_id, _, author_token = post
    status, body = await api.call("GET", f"{API}/posts/{post_id}/likes", author_token, params=query)
    assert status == 400 and body["error"]["code"] == "invalid_input"


async def test_the_owner_is_notified_once_through_like_unlike_like_churn(api, post):
    post_id, _, author_token = post
    fan, token = await api.register("fan")
    for method in ("POST", "DELETE", "POST", "DELETE", "POST"):
        await api.call(method, f"{API}/posts/{post_id}/likes", token)

    inbox = await notifications_of(api, author_token)
    likes = [n for n in inbox["notifications"] if n["type"] == "like"]
    assert len(likes) == 1 and likes[0]["actor"]["user_id"] == fan["user_id"]
    assert inbox["unread_count"] == 1


async def test_an_unlike_takes_back_its_notification(api, post):
    post_id, _, author_token = post
    _, token = await api.register("fan")
    await api.call("POST", f"{API}/posts/{post_id}/likes", token)
    await api.call("DELETE", f"{API}/posts/{post_id}/likes", token)

    inbox = await notifications_of(api, author_token)
    assert inbox["notifications"] == [] and inbox["unread_count"] == 0


async def test_liking_your_own_post_notifies_nobody(api, post):
    post_id, _, author_token = post
    assert (await api.call("POST", f"{API}/posts/{post_id}/likes", author_token))[0] == 201
    assert (await notifications_of(api, author_token))["unread_count"] == 0
