"""Following over HTTP: every status code of the follow routes, private accounts and requests, lists."""

from __future__ import annotations

import pytest

API = "/api/v1"
HOSTILE_REFS = ["abc", "0", "-1", "1e3", "99999999999999999999", "@", "@nobody_here", "%20", "12abc"]


async def follow(api, token, user):
    return await api.call("POST", f"{API}/users/{user['user_id']}/follow", token)


async def profile_of(api, token, ref):
    status, body = await api.call("GET", f"{API}/users/{ref}", token)
    assert status == 200, body
    return body["user"]


async def make_private(api, token, private=True):
    status, body = await api.call("PATCH", f"{API}/me", token, json={"is_private": private})
    assert status == 200, body


async def test_follow_and_unfollow_with_counts(api):
    alice, alice_token = await api.register("alice")
    bob, bob_token = await api.register("bob")
    assert await follow(api, bob_token, alice) == (200, {"following": True})
    seen = await profile_of(api, bob_token, alice["user_id"])
    assert seen["followed_by_me"] is True and seen["follower_count"] == 1
    assert (await profile_of(api, bob_token, "@bob"))["following_count"] == 1

    status, body = await api.call("DELETE", f"{API}/users/@alice/follow", bob_token)
    assert (status, body) == (200, {"following": False})
    seen = await profile_of(api, bob_token, "@alice")
    assert seen["followed_by_me"] is False and seen["follower_count"] == 0
    assert (await profile_of(api, bob_token, "@bob"))["following_count"] == 0


async def test_follow_errors(api):
    alice, alice_token = await api.register("alice")
    _, bob_token = await api.register("bob")
    status, body = await follow(api, alice_token, alice)
    assert status == 400 and body["error"]["code"] == "cannot_follow_self"
    await follow(api, bob_token, alice)
    status, body = await follow(api, bob_token, alice)
    assert status == 409 and body["error"]["code"] == "already_following"
    for ref in HOSTILE_REFS:
        status, body = await api.call("POST", f"{API}/users/{ref}/follow", bob_token)
        assert status == 404, (ref, body)
        status, body = await api.call("DELETE", f"{API}/users/{ref}/follow", bob_token)
        assert status == 404, (ref, body)
    status, body = await api.call("POST", f"{API}/users/{alice['user_id']}/follow")
    assert status == 401


async def test_unfollowing_someone_not_followed_is_409(api):
    alice, _ = await api.register("alice")
    _, bob_token = await api.register("bob")
    status, body = await api.call("DELETE", f"{API}/users/{alice['user_id']}/follow", bob_token)
    assert status == 409 and body["error"]["code"] == "not_following"


async def test_a_follow_notifies_the_followee(api):
    alice, alice_token = await api.register("alice")
    _, bob_token = await api.register("bob")
    await follow(api, bob_token, alice)
    status, body = await api.call("GET", f"{API}/notifications", alice_token)
    assert status == 200
    assert [(n["type"], n["actor"]["username"]) for n in body["notifications"]] == [("follow", "bob")]


async def test_private_account_request_approve_flow(api):
    owner, owner_token = await api.register("owner")
    fan, fan_token = await api.register("fan")
    await make_private(api, owner_token)
    assert await follow(api, fan_token, owner) == (200, {"requested": True})
    status, body = await follow(api, fan_token, owner)
    assert status == 409 and body["error"]["code"] == "already_requested"
    seen = await profile_of(api, fan_token, "@owner")
    assert seen["follow_requested_by_me"] is True and seen["followed_by_me"] is False and seen["follower_count"] == 0

    status, body = await api.call("GET", f"{API}/notifications", owner_token)
    assert [n["type"] for n in body["notifications"]] == ["follow_request"]
    status, body = await api.call("GET", f"{API}/me/follow_requests", owner_token)
    assert status == 200 and [u["username"] for u in body["users"]] == ["fan"] and body["next_cursor"] is None

    status, body = await api.call("POST", f"{API}/me/follow_requests/{fan['user_id']}/approve", owner_token)
    assert (status, body) == (200, {"approved": True})
    seen = await profile_of(api, fan_token, "@owner")
    assert seen["followed_by_me"] is True and seen["follow_requested_by_me"] is False and seen["follower_count"] == 1
    status, body = await api.call("GET", f"{API}/me/follow_requests", owner_token)
    assert body["users"] == []
    status, _ = await api.call("POST", f"{API}/me/follow_requests/{fan['user_id']}/approve", owner_token)
    assert status == 404  # nothing left to approve


async def test_deny_and_withdraw_requests(api):
    owner, owner_token = await api.register("owner")
    fan, fan_token = await api.register("fan")
    other, other_token = await api.register("other")
    await make_private(api, owner_token)
    await follow(api, fan_token, owner)
    await follow(api, other_token, owner)
    status, body = await api.call("POST", f"{API}/me/follow_requests/{fan['user_id']}/deny", owner_token)
    assert (status, body) == (200, {"approved": False})
    assert (await profile_of(api, fan_token, "@owner"))["follow_requested_by_me"] is False
    status, _ = await api.call("POST", f"{API}/me/follow_requests/{fan['user_id']}/deny", owner_token)
    assert status == 404
    # Unfollowing withdraws a pending request; asking again is then allowed.
    status, body = await api.call("DELETE", f"{API}/users/@owner/follow", other_token)
    assert (status, body) == (200, {"following": False})
    status, body = await api.call("GET", f"{API}/me/follow_requests", owner_token)
    assert body["users"] == []
    assert await follow(api, other_token, owner) == (200, {"requested": True})
    for bad in ("abc", "0", "99999999999999999999"):
        status, _ = await api.call("POST", f"{API}/me/follow_requests/{bad}/approve", owner_token)
        assert status == 404


async def test_turning_public_approves_pending_requests(api):
    owner, owner_token = await api.register("owner")
    _, fan_token = await api.register("fan")
    await make_private(api, owner_token)
    await follow(api, fan_token, owner)
    await make_private(api, owner_token, False)
    seen = await profile_of(api, fan_token, "@owner")
    assert seen["followed_by_me"] is True and seen["follower_count"] == 1


async def test_follower_and_following_lists_newest_first_with_stable_pages(api):
    star, star_token = await api.register("star")
    tokens = []
    for index in range(5):
        _, token = await api.register(f"fan{index}")
        await follow(api, token, star)
        tokens.append(token)
    seen, cursor = [], None
    for _ in range(10):
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        status, body = await api.call("GET", f"{API}/users/@star/followers", star_token, params=query)
        assert status == 200
        seen += [u["username"] for u in body["users"]]
        if len(seen) == 2:  # someone follows between page loads: no repeat, no skip
            _, late = await api.register("late")
            await follow(api, late, star)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == ["fan4", "fan3", "fan2", "fan1", "fan0"]

    fan0 = tokens[0]
    await api.call("POST", f"{API}/users/@fan1/follow", fan0)
    status, body = await api.call("GET", f"{API}/users/@fan0/following", star_token)
    assert status == 200 and [u["username"] for u in body["users"]] == ["fan1", "star"]
    status, body = await api.call("GET", f"{API}/users/@star/followers", tokens[1], params={"limit": "50"})
    flags = {u["username"]: u["followed_by_me"] for u in body["users"]}
    assert flags["fan0"] is False and flags["late"] is False
    status, body = await api.call("GET", f"{API}/users/@fan1/followers", tokens[2])
    assert [(u["username"], u["followed_by_me"]) for u in body["users"]] == [("fan0", False)]


async def test_private_lists_are_for_approved_followers(api):
    owner, owner_token = await api.register("owner")
    fan, fan_token = await api.register("fan")
    _, stranger_token = await api.register("stranger")
    await make_private(api, owner_token)
    await follow(api, fan_token, owner)
    await api.call("POST", f"{API}/me/follow_requests/{fan['user_id']}/approve", owner_token)
    for path in ("followers", "following"):
        status, body = await api.call("GET", f"{API}/users/@owner/{path}", stranger_token)
        assert status == 403 and body["error"]["code"] == "private_account"
        assert (await api.call("GET", f"{API}/users/@owner/{path}", fan_token))[0] == 200
        assert (await api.call("GET", f"{API}/users/@owner/{path}", owner_token))[0] == 200


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "51"}, {"limit": "ten"}, {"limit": "99999999999"},
                                   {"cursor": "!!!"}, {"cursor": "bm90IGEgY3Vyc29y"}, {"cursor": "MQ"}])
async def test_list_pages_reject_bad_query(api, query):
    _, token = await api.register("someone")
    for path in ("users/@someone/followers", "users/@someone/following", "me/follow_requests"):
        status, body = await api.call("GET", f"{API}/{path}", token, params=query)
        assert status == 400, (path, query, body)


async def test_user_lookup(api):
    alice, alice_token = await api.register("alice")
    status, body = await api.call("GET", f"{API}/users/{alice['user_id']}", alice_token)
    assert status == 200 and body["user"]["username"] == "alice" and body["user"]["followed_by_me"] is False
    for ref in HOSTILE_REFS:
        status, body = await api.call("GET", f"{API}/users/{ref}", alice_token)
        assert status == 404 and body["error"]["code"] == "not_found", ref
        for path in ("followers", "following", "posts"):
            assert (await api.call("GET", f"{API}/users/{ref}/{path}", alice_token))[0] == 404
    assert (await api.call("GET", f"{API}/users/@alice"))[0] == 401
