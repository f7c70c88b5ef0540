"""Search (GET /search) and hashtag pages (GET /tags/{tag}/posts)."""

from __future__ import annotations

import pytest

from server.services.search import MAX_HASHTAGS, MAX_QUERY_CHARS, MAX_USERS
from tests.interaction_helpers import API, follow, make_private, publish, walk_pages


async def search(api, token, q):
    status, body = await api.call("GET", f"{API}/search", token, params={"q": q})
    assert status == 200, body
    return [user["username"] for user in body["users"]], [(tag["tag"], tag["post_count"]) for tag in body["hashtags"]]


@pytest.fixture
async def people(api):
    for name in ("alina", "alice", "alicia", "bob", "_ali"):
        _, token = await api.register(name)
    return token


async def test_usernames_match_by_prefix_in_name_order(api, people):
    users, _ = await search(api, people, "ali")
    assert users == ["alice", "alicia", "alina"]
    assert (await search(api, people, "alic"))[0] == ["alice", "alicia"]
    assert (await search(api, people, "alice"))[0] == ["alice"]
    assert (await search(api, people, "zed"))[0] == []


async def test_a_leading_at_sign_searches_people_only_and_case_does_not_matter(api, people):
    _, token = await api.register("painter")
    await publish(api, token, "#alps")
    assert await search(api, people, "@ALI") == (["alice", "alicia", "alina"], [])


async def test_prefixes_are_not_patterns(api, people):
    assert (await search(api, people, "_"))[0] == ["_ali"]
    assert (await search(api, people, "%"))[0] == []
    assert (await search(api, people, "a%"))[0] == []


async def test_user_results_are_summaries_and_capped(api):
    for index in range(MAX_USERS + 3):
        _, token = await api.register(f"crowd{index:02d}")
    status, body = await api.call("GET", f"{API}/search", token, params={"q": "crowd"})
    assert status == 200
    assert len(body["users"]) == MAX_USERS
    assert set(body["users"][0]) == {"user_id", "username", "avatar_url"}


async def test_hashtags_match_by_prefix_most_used_first(api):
    _, token = await api.register()
    await publish(api, token, "#sun at the #beach")
    await publish(api, token, "#sunset #beach")
    await publish(api, token, "another #sunset, #Sunset again")

    assert await search(api, token, "#sun") == ([], [("sunset", 2), ("sun", 1)])
    assert (await search(api, token, "SUNS"))[1] == [("sunset", 2)]
    assert (await search(api, token, "#b"))[1] == [("beach", 2)]


async def test_a_deleted_post_lowers_counts_and_unused_tags_disappear(api):
    _, token = await api.register()
    keep = await publish(api, token, "#garden")
    gone = await publish(api, token, "#garden #gardening")
    await api.call("DELETE", f"{API}/posts/{gone}", token)

    assert (await search(api, token, "#garden"))[1] == [("garden", 1)]
    status, body = await api.call("GET", f"{API}/tags/garden/posts", token)
    assert status == 200, body
    assert [post["post_id"] for post in body["posts"]] == [keep]  # the tag page still shows the post kept


async def test_hashtag_results_are_capped(api):
    _, token = await api.register()
    await publish(api, token, " ".join(f"#tag{index:02d}" for index in range(MAX_HASHTAGS + 3)))
    assert len((await search(api, token, "#tag"))[1]) == MAX_HASHTAGS


async def test_non_ascii_hashtags_are_found(api):
    _, token = await api.register()
    await publish(api, token, "#café #cafézinho #日本")
    assert (await search(api, token, "#caf"))[1] == [("café", 1), ("cafézinho", 1)]
    assert (await search(api, token, "#日"))[1] == [("日本", 1)]


@pytest.mark.parametrize("q", [None, "", "   ", "@", "#", "x" * (MAX_QUERY_CHARS + 1)])
async def test_empty_or_overlong_queries_are_400(api, q):
    _, token = await api.register()
    params = {} if q is None else {"q": q}
    status, body = await api.call("GET", f"{API}/search", token, params=params)
    assert status == 400 and body["error"]["code"] in {"empty_query", "invalid_input"}


async def test_search_needs_a_signed_in_user(api):
    assert (await api.call("GET", f"{API}/search", params={"q": "a"}))[0] == 401
    assert (await api.call("GET", f"{API}/tags/sun/posts"))[0] == 401


async def test_a_tag_page_lists_its_posts_newest_first(api):
    _, token = await api.register()
    tagged = [await publish(api, token, f"day {index} #travel") for index in range(5)]
    await publish(api, token, "#work")

    pages = await walk_pages(api, token, f"{API}/tags/travel/posts", "posts", limit=2)

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [post["post_id"] for page in pages for post in page] == list(reversed(tagged))
    status, body = await api.call("GET", f"{API}/tags/%23Travel/posts", token)
    assert status == 200 and body["tag"] == "travel" and len(body["posts"]) == 5


async def test_an_unknown_tag_is_an_empty_page(api):
    _, token = await api.register()
    assert await api.call("GET", f"{API}/tags/nothinghere/posts", token) == (
        200, {"tag": "nothinghere", "posts": [], "next_cursor": None})


async def test_a_tag_page_hides_private_posts_from_strangers_only(api):
    author, author_token = await api.register("hidden")
    _, friend_token = await api.register("friend")
    _, stranger_token = await api.register("stranger")
    await follow(api, friend_token, author["user_id"])
    await make_private(api, author_token)
    secret = await publish(api, author_token, "#picnic")
    _, public_token = await api.register("open")
    public = await publish(api, public_token, "#picnic")

    async def listed(token):
        status, body = await api.call("GET", f"{API}/tags/picnic/posts", token)
        assert status == 200
        return [post["post_id"] for post in body["posts"]]

    assert await listed(stranger_token) == [public]
    assert await listed(friend_token) == [public, secret]
    assert await listed(author_token) == [public, secret]


@pytest.mark.parametrize("path", ["tags/sun%20set/posts", "tags/%25/posts", "tags/" + "a" * 101 + "/posts",
                                  "tags/%23/posts"])
async def test_something_that_is_not_a_hashtag_is_400(api, path):
    _, token = await api.register()
    status, body = await api.call("GET", f"{API}/{path}", token)
    assert status == 400 and body["error"]["code"] == "invalid_tag"


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "51"}, {"cursor": "@@"}])
async def test_bad_paging_parameters_on_a_tag_page_are_400(api, query):
    _, token = await api.register()
    assert (await api.call("GET", f"{API}/tags/sun/posts", token, params=query))[0] == 400
