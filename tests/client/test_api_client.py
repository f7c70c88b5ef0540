"""The API client against a real server: typed results, and the server's own error codes."""

from __future__ import annotations

import uuid

import pytest

from app.api_client import ApiClient, ApiError, OfflineError
from tests.client.conftest import PASSWORD, unique_username
from tests.client.photos import write_photo
from tests.ports import free_port


async def test_register_then_login_gives_a_working_token(live_server):
    name = unique_username()
    async with ApiClient(live_server.url) as client:
        session = await client.register(name, PASSWORD)
        assert session.user.username == name
    async with ApiClient(live_server.url) as client:
        await client.login(name, PASSWORD)
        assert (await client.me()).username == name


async def test_taken_username_is_reported_with_the_servers_code(api, live_server):
    me = await api.me()
    async with ApiClient(live_server.url) as client:
        with pytest.raises(ApiError) as refused:
            await client.register(me.username, PASSWORD)
    assert refused.value.status == 409
    assert refused.value.message


async def test_unreachable_server_is_offline_not_a_crash():
    async with ApiClient(f"http://127.0.0.1:{free_port()}") as client:
        with pytest.raises(OfflineError) as offline:
            await client.feed()
    assert offline.value.is_transient


async def test_post_appears_in_feed_with_absolute_media_urls(api, tmp_path):
    photo = write_photo(tmp_path / "p.jpg")
    sent = []
    post = await api.create_post([photo], "Sunset #beach", ["an orange sky"], idempotency_key=str(uuid.uuid4()),
                                 progress=lambda done, total: sent.append((done, total)))
    assert sent[-1][0] == sent[-1][1]
    page = await api.feed()
    assert page.items[0].post_id == post.post_id
    assert page.items[0].caption == "Sunset #beach"
    assert "beach" in page.items[0].hashtags
    detail = await api.post(post.post_id)
    if detail.media_url:
        assert detail.media_url.startswith(api.base_url + "/media/")


async def test_same_idempotency_key_returns_the_same_post(api, tmp_path):
    photo = write_photo(tmp_path / "p.jpg")
    key = str(uuid.uuid4())
    first = await api.create_post([photo], "once", idempotency_key=key)
    second = await api.create_post([photo], "once", idempotency_key=key)
    assert first.post_id == second.post_id
    me = await api.me()
    assert len((await api.user_posts(me.username)).items) == 1


async def test_like_comment_save_follow_and_search(api, other_api, tmp_path):
    friend = await other_api.me()
    post = await other_api.create_post([write_photo(tmp_path / "f.jpg")], "hello #garden", idempotency_key=str(uuid.uuid4()))
    assert (await api.follow(friend.username)) == {"following": True}
    assert await api.like(post.post_id) == 1
    with pytest.raises(ApiError) as twice:
        await api.like(post.post_id)
    assert twice.value.status == 409
    comment = await api.comment(post.post_id, "lovely 🌷 花")
    assert [c.text for c in (await api.comments(post.post_id)).items] == [comment.text]
    assert await api.save(post.post_id) is True
    assert [p.post_id for p in (await api.saved()).items] == [post.post_id]
    found = await api.search(friend.username[:5])
    assert friend.username in [u.username for u in found.users]
    notes = await other_api.notifications()
    assert {n.type for n in notes.items} >= {"like", "comment", "follow"}
    assert await api.unlike(post.post_id) == 0
    assert (await api.unfollow(friend.username)) == {"following": False}


async def test_private_account_gets_a_request_that_can_be_approved(api, other_api):
    await other_api.update_me(is_private=True)
    friend = await other_api.me()
    assert (await api.follow(friend.username)) == {"requested": True}
    me = await api.me()
    requests = await other_api.follow_requests()
    assert [u.user_id for u in requests.items] == [me.user_id]
    await other_api.approve_follow_request(me.user_id)
    assert (await api.user(friend.username)).followed_by_me
