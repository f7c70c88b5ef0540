"""GET /notifications/live: Server-Sent Events with the unread count, at once and on every change."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestServer
from aiohttp.web import AppRunner

from server.services import live as live_service
from tests.interaction_helpers import API, publish
from tests.sse import assert_nothing_sent, live_stream, next_event, open_stream

LIVE = f"{API}/notifications/live"


async def test_a_like_reaches_the_authors_open_stream(api):
    _, owner_token = await api.register("owner")
    _, fan_token = await api.register("fan")
    post_id = await publish(api, owner_token)
    async with live_stream(api, owner_token) as stream:
        assert await next_event(stream) == ("unread", {"unread_count": 0, "events": ["unread", "feed"]})
        assert (await api.call("POST", f"{API}/posts/{post_id}/likes", fan_token))[0] == 201
        assert await next_event(stream) == ("unread", {"unread_count": 1})
        await api.call("POST", f"{API}/posts/{post_id}/comments", fan_token, json={"text": "lovely"})
        assert await next_event(stream) == ("unread", {"unread_count": 2})
        await api.call("POST", f"{API}/notifications/read", owner_token)  # on another device, say
        assert await next_event(stream) == ("unread", {"unread_count": 0})


async def test_other_peoples_news_is_not_sent(api):
    _, owner_token = await api.register()
    bystander, bystander_token = await api.register()
    _, fan_token = await api.register()
    post_id = await publish(api, owner_token)
    async with live_stream(api, bystander_token) as stream:
        await next_event(stream)
        await api.call("POST", f"{API}/posts/{post_id}/likes", fan_token)
        await assert_nothing_sent(api, stream, bystander["user_id"])


async def test_a_write_that_rolls_back_sends_nothing(api):
    owner, owner_token = await api.register()
    _, fan_token = await api.register()
    post_id = await publish(api, owner_token)
    await api.call("POST", f"{API}/posts/{post_id}/likes", fan_token)
    async with live_stream(api, owner_token) as stream:
        assert await next_event(stream) == ("unread", {"unread_count": 1, "events": ["unread", "feed"]})
        status, _ = await api.call("POST", f"{API}/posts/{post_id}/likes", fan_token)  # already liked: 409
        assert status == 409
        await assert_nothing_sent(api, stream, owner["user_id"])


async def test_heartbeats_keep_the_stream_open_and_a_gone_client_is_forgotten(api, monkeypatch):
    monkeypatch.setattr(live_service, "HEARTBEAT_SECONDS", 0.05)
    _, token = await api.register()
    stream = await open_stream(api, token)
    await next_event(stream)
    assert b": heartbeat" in await asyncio.wait_for(stream.content.readline(), 5)
    assert api.ctx.live.open_streams == 1
    stream.close()
    for _ in range(100):
        if api.ctx.live.open_streams == 0:
            break
        await asyncio.sleep(0.05)
    assert api.ctx.live.open_streams == 0


async def test_the_stream_needs_a_token(api):
    status, body = await api.call("GET", LIVE)
    assert status == 401 and body["error"]["code"] == "unauthorized"


async def test_one_account_may_hold_only_a_few_streams(api):
    _, token = await api.register()
    streams = [await open_stream(api, token) for _ in range(live_service.MAX_STREAMS_PER_USER)]
    try:
        status, body = await api.call("GET", LIVE, token)
        assert status == 429 and body["error"]["code"] == "too_many_streams"
    finally:
        for stream in streams:
            stream.close()


async def test_a_full_process_sheds_new_streams(api, monkeypatch):
    monkeypatch.setattr(live_service, "MAX_STREAMS_PER_PROCESS", 1)
    _, first_token = await api.register()
    _, second_token = await api.register()
    async with live_stream(api, first_token):  # the one stream the process allows
        status, body = await api.call("GET", LIVE, second_token)
        assert status == 503 and body["error"]["code"] == "unavailable"


class ServedLikeRunApp(TestServer):
    """aiohttp's test server cancels a handler whose client disconnects; ``web.run_app`` (what `photoshare
    serve` runs) does not, so a stream there has to notice a gone client itself. Serve the app the same way."""

    async def _make_runner(self, **kwargs):
        return AppRunner(self.app, **{**kwargs, "handler_cancellation": False})


async def test_a_closed_stream_frees_its_slot_at_once(settings, aiohttp_client, media_pool):
    """The account's streams are all open; one client goes away; a new one is let in straight after (long
    before the next heartbeat, which is when a write would first fail)."""
    from server.web.app import create_app
    from tests.conftest import Api

    api = Api(await aiohttp_client(ServedLikeRunApp(create_app(settings, media_pool=media_pool))))
    _, token = await api.register()
    streams = [await open_stream(api, token) for _ in range(live_service.MAX_STREAMS_PER_USER)]
    try:
        for stream in streams:
            await next_event(stream)
        assert (await api.call("GET", LIVE, token))[0] == 429
        streams.pop().close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 2.0  # the check runs every DISCONNECT_CHECK_SECONDS (a quarter second)
        while api.ctx.live.open_streams == live_service.MAX_STREAMS_PER_USER and loop.time() < deadline:
            await asyncio.sleep(0.02)
        assert loop.time() < deadline, "the gone client's slot was not freed"
        assert live_service.HEARTBEAT_SECONDS >= 10  # so the heartbeat did not do it
        streams.append(await open_stream(api, token))
        assert (await next_event(streams[-1]))[0] == "unread"
    finally:
        for stream in streams:
            stream.close()
