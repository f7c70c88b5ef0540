"""Notifications: what lands in GET /notifications, and POST /notifications/read."""

from __future__ import annotations

import pytest

from server.services.notifications import MAX_IDS_MARKED, MAX_MENTIONS_NOTIFIED
from tests.interaction_helpers import API, follow, make_private, notifications_of, publish, walk_pages


async def comment(api, token, post_id, text):
    status, body = await api.call("POST", f"{API}/posts/{post_id}/comments", token, json={"text": text})
    assert status == 201, body
    return body["comment"]


def kinds(inbox: dict) -> list[tuple[str, str]]:
    return [(n["type"], n["actor"]["username"]) for n in inbox["notifications"]]


async def test_likes_and_comments_arrive_newest_first_with_the_contract_shape(api):
    owner, owner_token = await api.register("owner")
    liker, liker_token = await api.register("liker")
    _, commenter_token = await api.register("commenter")
    post_id = await publish(api, owner_token, "beach day")
    await api.call("POST", f"{API}/posts/{post_id}/likes", liker_token)
    await comment(api, commenter_token, post_id, "so blue")

    inbox = await notifications_of(api, owner_token)

    assert kinds(inbox) == [("comment", "commenter"), ("like", "liker")]
    assert inbox["unread_count"] == 2 and inbox["next_cursor"] is None
    like = inbox["notifications"][1]
    assert {"id", "type", "actor", "post", "created_at", "read"} <= set(like)
    assert like["actor"] == {"user_id": liker["user_id"], "username": "liker", "avatar_url": None}
    assert like["post"]["post_id"] == post_id and "media_url" in like["post"]
    assert like["read"] is False and like["id"].isdigit() and like["created_at"].endswith("Z")


async def test_marking_all_read_clears_the_unread_count_but_keeps_the_history(api):
    _, owner_token = await api.register()
    _, fan_token = await api.register()
    post_id = await publish(api, owner_token)
    await api.call("POST", f"{API}/posts/{post_id}/likes", fan_token)
    await comment(api, fan_token, post_id, "wow")

    assert await api.call("POST", f"{API}/notifications/read", owner_token) == (200, {"unread_count": 0})

    inbox = await notifications_of(api, owner_token)
    assert inbox["unread_count"] == 0
    assert [n["read"] for n in inbox["notifications"]] == [True, True]


async def test_marking_chosen_ids_read_leaves_the_others_unread(api):
    _, owner_token = await api.register()
    _, fan_token = await api.register()
    post_id = await publish(api, owner_token)
    await api.call("POST", f"{API}/posts/{post_id}/likes", fan_token)
    await comment(api, fan_token, post_id, "wow")
    newest, oldest = (await notifications_of(api, owner_token))["notifications"]

    status, body = await api.call("POST", f"{API}/notifications/read", owner_token, json={"ids": [oldest["id"]]})

    assert (status, body) == (200, {"unread_count": 1})
    inbox = await notifications_of(api, owner_token)
    assert [(n["id"], n["read"]) for n in inbox["notifications"]] == [(newest["id"], False), (oldest["id"], True)]


async def test_nobody_can_mark_someone_elses_notifications_read(api):
    _, owner_token = await api.register()
    _, fan_token = await api.register()
    post_id = await publish(api, owner_token)
    await api.call("POST", f"{API}/posts/{post_id}/likes", fan_token)
    theirs = (await notifications_of(api, owner_token))["notifications"][0]["id"]

    assert await api.call("POST", f"{API}/notifications/read", fan_token, json={"ids": [theirs]}) == (200, {"unread_count": 0})
    assert (await notifications_of(api, owner_token))["unread_count"] == 1


async def test_an_empty_id_list_marks_nothing(api):
    _, owner_token = await api.register()
    _, fan_token = await api.register()
    post_id = await publish(api, owner_token)
    await api.call("POST", f"{API}/posts/{post_id}/likes", fan_token)
    assert await api.call("POST", f"{API}/notifications/read", owner_token, json={"ids": []}) == (200, {"unread_count": 1})


@pytest.mark.parametrize("body", [{"ids": "all"}, {"ids": [True]}, {"ids": ["abc"]}, {"ids": [str(2**64)]},
                                  {"ids": [None]}, {"ids": [1.5]}, {"ids": ["1"] * (MAX_IDS_MARKED + 1)}, [1, 2]])
async def test_malformed_id_lists_are_400(api, body):
    _, token = await api.register()
    status, answer = await api.call("POST", f"{API}/notifications/read", token, json=body)
    assert status == 400 and answer["error"]["code"] == "invalid_input"


async def test_notifications_need_a_signed_in_user(api):
    assert (await api.call("GET", f"{API}/notifications"))[0] == 401
    assert (await api.call("POST", f"{API}/notifications/read"))[0] == 401


async def test_notifications_page_without_repeats(api):
    _, owner_token = await api.register()
    post_id = await publish(api, owner_token)
    for index in range(5):
        _, token = await api.register(f"fan{index}")
        await api.call("POST", f"{API}/posts/{post_id}/likes", token)

    pages = await walk_pages(api, owner_token, f"{API}/notifications", "notifications", limit=2)

    assert [len(page) for page in pages] == [2, 2, 1]
    assert [n["actor"]["username"] for page in pages for n in page] == [f"fan{index}" for index in reversed(range(5))]


@pytest.mark.parametrize("query", [{"limit": "0"}, {"limit": "51"}, {"cursor": "!!"}, {"cursor": "MS4y"}])
async def test_bad_paging_parameters_are_400(api, query):
    _, token = await api.register()
    assert (await api.call("GET", f"{API}/notifications", token, params=query))[0] == 400


async def test_a_mention_in_a_comment_notifies_the_people_named(api):
    _, owner_token = await api.register("owner")
    _, writer_token = await api.register("writer")
    _, ana_token = await api.register("ana")
    _, bo_token = await api.register("bo.b")
    post_id = await publish(api, owner_token)

    created = await comment(api, writer_token, post_id, "@ana and @Bo.B, look! @nobody_here too. @ana again")

    for token in (ana_token, bo_token):
        inbox = await notifications_of(api, token)
        assert kinds(inbox) == [("mention", "writer")]
        assert inbox["notifications"][0]["post"]["post_id"] == post_id
        assert inbox["notifications"][0]["comment_id"] == created["comment_id"]


async def test_mentioning_the_post_owner_gives_them_one_notification_not_two(api):
    _, owner_token = await api.register("owner")
    _, writer_token = await api.register("writer")
    post_id = await publish(api, owner_token)
    await comment(api, writer_token, post_id, "@owner this is great")
    assert kinds(await notifications_of(api, owner_token)) == [("comment", "writer")]


async def test_mentioning_yourself_notifies_nobody(api):
    _, owner_token = await api.register("owner")
    _, writer_token = await api.register("writer")
    post_id = await publish(api, owner_token)
    await comment(api, writer_token, post_id, "note to @writer: remember this")
    assert (await notifications_of(api, writer_token))["notifications"] == []


async def test_only_the_first_mentions_of_a_comment_notify(api):
    _, owner_token = await api.register("owner")
    _, writer_token = await api.register("writer")
    named = [(await api.register(f"pal{index:02d}"))[1] for index in range(MAX_MENTIONS_NOTIFIED + 2)]
    post_id = await publish(api, owner_token)
    await comment(api, writer_token, post_id, " ".join(f"@pal{index:02d}" for index in range(len(named))))

    counts = [(await notifications_of(api, token))["unread_count"] for token in named]
    assert counts == [1] * MAX_MENTIONS_NOTIFIED + [0, 0]


async def test_a_mention_in_a_caption_notifies(api):
    _, author_token = await api.register("author")
    _, friend_token = await api.register("friend")
    post_id = await publish(api, author_token, "hiking with @friend #alps")
    inbox = await notifications_of(api, friend_token)
    assert kinds(inbox) == [("mention", "author")] and inbox["notifications"][0]["post"]["post_id"] == post_id


async def test_a_mention_in_a_private_post_does_not_reach_someone_who_cannot_see_it(api):
    author, author_token = await api.register("author")
    _, friend_token = await api.register("friend")
    _, stranger_token = await api.register("stranger")
    await follow(api, friend_token, author["user_id"])
    await make_private(api, author_token)
    post_id = await publish(api, author_token, "just us")

    await comment(api, friend_token, post_id, "@stranger @author")

    assert (await notifications_of(api, stranger_token))["notifications"] == []
    assert ("comment", "friend") in kinds(await notifications_of(api, author_token))


async def test_deleting_a_comment_withdraws_its_mentions(api):
    _, owner_token = await api.register("owner")
    _, writer_token = await api.register("writer")
    _, pal_token = await api.register("pal")
    post_id = await publish(api, owner_token)
    created = await comment(api, writer_token, post_id, "hey @pal")
    await api.call("DELETE", f"{API}/comments/{created['comment_id']}", writer_token)
    assert await notifications_of(api, pal_token) == {"notifications": [], "next_cursor": None, "unread_count": 0}


async def test_a_deleted_post_takes_its_notifications_with_it(api):
    _, owner_token = await api.register()
    _, fan_token = await api.register()
    post_id = await publish(api, owner_token)
    await api.call("POST", f"{API}/posts/{post_id}/likes", fan_token)
    await api.call("DELETE", f"{API}/posts/{post_id}", owner_token)
    assert (await notifications_of(api, owner_token))["unread_count"] == 0


async def test_a_follow_shows_up_without_a_post(api):
    owner, owner_token = await api.register("owner")
    _, fan_token = await api.register("fan")
    await follow(api, fan_token, owner["user_id"])

    inbox = await notifications_of(api, owner_token)
    assert kinds(inbox) == [("follow", "fan")] and inbox["notifications"][0]["post"] is None


async def test_a_mention_disappears_once_its_private_post_is_out_of_sight(api):
    author, author_token = await api.register("author")
    _, friend_token = await api.register("friend")
    await follow(api, friend_token, author["user_id"])
    await make_private(api, author_token)
    await publish(api, author_token, "for @friend only")
    assert (await notifications_of(api, friend_token))["unread_count"] == 1

    assert (await api.call("DELETE", f"{API}/users/{author['user_id']}/follow", friend_token))[0] == 200

    assert await notifications_of(api, friend_token) == {"notifications": [], "next_cursor": None, "unread_count": 0}
