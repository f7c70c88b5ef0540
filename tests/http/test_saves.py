"""Saving posts: POST/DELETE /posts/{id}/save and GET /saved."""

from __future__ import annotations

import pytest

from tests.interaction_helpers import API, HOSTILE_POST_IDS, make_private, publish, read_post, walk_pages


async def saved_ids(api, token, **query) -> list[str]:
    status, body = await api.call("GET", f"{API}/saved", token, params=query)
    assert status == 200, body
    return [post["post_id"] for post in body["posts"]]


async def test_saving_is_idempotent_and_shows_as_saved_by_me(api):
    _, token = await api.register()
    post_id = await publish(api, token)

    assert await api.call("POST", f"{API}/posts/{post_id}/save", token) == (200, {"saved": True})
    assert await api.call("POST", f"{API}/posts/{post_id}/save", token) == (200, {"saved": True})

    assert await saved_ids(api, token) == [post_id]
    assert (await read_post(api, token, post_id))["saved_by_me"] is True


async def test_unsaving_is_idempotent(api):
    _, token = await api.register()
    post_id = await publish(api, token)
    await api.call("POST", f"{API}/posts/{post_id}/save", token)

    assert await api.call("DELETE", f"{API}/posts/{post_id}/save", token) == (200, {"saved": False})
    assert await api.call("DELETE", f"{API}/posts/{post_id}/save", token) == (200, {"saved": False})
    assert await saved_ids(api, token) == []
    assert (await read_post(api, token, post_id))["saved_by_me"] is False


async def test_saves_are_private_to_the_saver(api):
    _, author_token = await api.register()
    _, saver_token = await api.register()
    post_id = await publish(api, author_token)
    await api.call("POST", f"{API}/posts/{post_id}/save", saver_token)

    assert await saved_ids(api, author_token) == []
    assert (await read_post(api, author_token, post_id))["saved_by_me"] is False


async def test_the_list_is_most_recently_saved_first_not_newest_post_first(api):
    _, token = await api.register()
    older, newer = await publish(api, token, "older"), await publish(api, token, "newer")
    await api.call("POST", f"{API}/posts/{newer}/save", token)
    await api.call("POST", f"{API}/posts/{older}/save", token)
    await api.call("POST", f"{API}/posts/{newer}/save", token)  # saving again keeps its place

    assert await saved_ids(api, token) == [older, newer]


async def test_saved_posts_page_without_repeats(api):
    _, token = await api.register()
    post_ids = [await publish(api, token, f"p{index}") for index in range(5)]
    for post_id in post_ids:
        await api.call("POST", f"{API}/posts/{post_id}/save", token)

    pages = await walk_pages(api, token, f"{API}/saved", "posts", limit=2)

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [post["post_id"] for page in pages for post in page] == list(reversed(post_ids))
    assert all(post["saved_by_me"] for page in pages for post in page)


async def test_a_deleted_post_leaves_the_saved_list(api):
    _, author_token = await api.register()
    _, saver_token = await api.register()
    kept, deleted = await publish(api, author_token), await publish(api, author_token)
    for post_id in (kept, deleted):
        await api.call("POST", f"{API}/posts/{post_id}/save", saver_token)
    await api.call("DELETE", f"{API}/posts/{deleted}", author_token)

    assert await saved_ids(api, saver_token) == [kept]


async def test_a_post_that_turned_private_leaves_a_strangers_saved_list(api):
    _, author_token = await api.register()
    _, saver_token = await api.register()
    post_id = await publish(api, author_token)
    await api.call("POST", f"{API}/posts/{post_id}/save", saver_token)
    await make_private(api, author_token)

    assert await saved_ids(api, saver_token) == []
    assert (await api.call("POST", f"{API}/posts/{post_id}/save", saver_token))[0] == 404


@pytest.mark.parametrize("method", ["POST", "DELETE"])
async def test_unknown_and_malformed_posts_are_404(api, method):
    _, token = await api.register()
    for post_id in ("7215629384753152", *HOSTILE_POST_IDS):
        status, body = await api.call(method, f"{API}/posts/{post_id}/save", token)
        assert status == 404, (post_id, body)


async def test_saving_needs_a_signed_in_user(api):
    _, token = await api.register()
    post_id = await publish(api, token)
    assert (await api.call("POST", f"{API}/posts/{post_id}/save"))[0] == 401
    assert (await api.call("DELETE", f"{API}/posts/{post_id}/save"))[0] == 401
    assert (await api.call("GET", f"{API}/saved"))[0] == 401


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "51"}, {"limit": "1e3"}, {"cursor": "bm9wZQ"}])
async def test_bad_paging_parameters_are_400(api, query):
    _, token = await api.register()
    status, _ = await api.call("GET", f"{API}/saved", token, params=query)
    assert status == 400
