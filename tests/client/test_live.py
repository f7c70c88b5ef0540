"""Live updates against a real server: the notifications stream, its reconnection, and polling when
the stream is missing or refused."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

import httpx
import pytest

import app.api_client as api_client
from app.api_client import ApiClient, read_sse
from app.api_types import LiveEvent
from app.live import LiveUpdates
from tests.client.conftest import GENEROUS_LIMITS, PASSWORD, unique_username
from tests.client.photos import write_photo
from tests.e2e.servers import ServerProcess

# Long enough for any stream to deliver on a busy machine, far shorter than a poll would take.
LIVE_WITHIN_SECONDS = 10.0
NEVER_POLL = 3600.0


def QUICK_RETRY(failures: int, retry_after: float | None) -> float:
    return 0.2


class Recorder:
    """Collects a LiveUpdates' events and waits for the one a test expects."""

    def __init__(self, live: LiveUpdates) -> None:
        self.events: list[LiveEvent] = []
        self._changed = asyncio.Event()
        live.subscribe(self._heard)

    def _heard(self, event: LiveEvent) -> None:
        self.events.append(event)
        self._changed.set()

    async def wait_for(self, predicate, timeout: float = LIVE_WITHIN_SECONDS) -> LiveEvent:
        async def scan():
            seen = 0
            while True:
                for event in self.events[seen:]:
                    if predicate(event):
                        return event
                seen = len(self.events)
                self._changed.clear()
                await self._changed.wait()
        return await asyncio.wait_for(scan(), timeout)

    async def unread(self, count: int, timeout: float = LIVE_WITHIN_SECONDS) -> LiveEvent:
        return await self.wait_for(lambda e: e.name == "unread" and e.data.get("unread_count") == count, timeout)

    async def mode(self, mode: str, timeout: float = LIVE_WITHIN_SECONDS) -> LiveEvent:
        return await self.wait_for(lambda e: e.name == "mode" and e.data.get("mode") == mode, timeout)


@contextlib.asynccontextmanager
async def running(live: LiveUpdates):
    task = asyncio.ensure_future(live.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def follow(follower: ApiClient, username: str) -> None:
    await follower.follow(username)


async def test_a_new_notification_arrives_on_the_stream_at_once(api, other_api):
    me = await api.me()
    live = LiveUpdates(lambda: api, poll_seconds=NEVER_POLL)  # any news within seconds came from the stream
    heard = Recorder(live)
    async with running(live):
        await heard.mode("live")
        await heard.unread(0)
        await follow(other_api, me.username)
        await heard.unread(1)
        await api.mark_notifications_read()
        await heard.unread(0)
    assert live.mode == "live"


async def test_the_stream_comes_back_after_the_server_restarts(tmp_path):
    server = await asyncio.to_thread(ServerProcess(tmp_path / "data", env=GENEROUS_LIMITS).start)
    try:
        async with ApiClient(server.url) as me, ApiClient(server.url) as friend:
            await me.register(unique_username("restart"), PASSWORD)
            await friend.register(unique_username("fan"), PASSWORD)
            live = LiveUpdates(lambda: me, poll_seconds=NEVER_POLL, delay=QUICK_RETRY)
            heard = Recorder(live)
            async with running(live):
                await heard.mode("live")
                await asyncio.to_thread(server.stop)
                await heard.mode("offline")
                await asyncio.to_thread(server.start)  # same port and data: the token still works
                await heard.mode("live", timeout=30)
                await follow(friend, (await me.me()).username)
                await heard.unread(1)
    finally:
        await asyncio.to_thread(server.stop)


async def test_a_server_without_the_stream_is_polled_instead(api, other_api, monkeypatch):
    monkeypatch.setattr(api_client, "LIVE_PATH", "/notifications/not-a-stream")  # what an older server answers: 404
    me = await api.me()
    live = LiveUpdates(lambda: api, poll_seconds=0.3)
    heard = Recorder(live)
    async with running(live):
        await heard.mode("polling")
        await heard.unread(0)
        await follow(other_api, me.username)
        await heard.unread(1)
        await heard.wait_for(lambda e: e.name == "feed")  # new posts are looked for on the same beat
    assert not any(e.name == "mode" and e.data["mode"] == "live" for e in heard.events)


async def test_too_many_streams_means_polling_until_one_is_free(api, other_api, live_server):
    """The server allows an account five streams; the sixth is refused with 429 and must not be lost."""
    me = await api.me()
    async with contextlib.AsyncExitStack() as others:
        held = httpx.AsyncClient(base_url=live_server.url, timeout=httpx.Timeout(30.0))
        await others.enter_async_context(held)
        for _ in range(5):
            response = await others.enter_async_context(held.stream(
                "GET", "/api/v1/notifications/live", headers={"Authorization": f"Bearer {api.token}"}))
            assert response.status_code == 200
        live = LiveUpdates(lambda: api, poll_seconds=0.3, delay=QUICK_RETRY)
        heard = Recorder(live)
        async with running(live):
            await heard.mode("polling")
            await follow(other_api, me.username)
            await heard.unread(1)  # news still arrives, by polling
            await others.aclose()  # the other streams end: ours may open once the server notices,
            await heard.mode("live", timeout=45)  # which it does at its next heartbeat (every 15 s)


async def test_a_refused_token_stops_and_says_so(live_server):
    async with ApiClient(live_server.url, token="not-a-real-token") as stranger:
        live = LiveUpdates(lambda: stranger, poll_seconds=NEVER_POLL, delay=QUICK_RETRY)
        heard = Recorder(live)
        task = asyncio.ensure_future(live.run())
        await heard.wait_for(lambda e: e.name == "unauthorized")
        await asyncio.wait_for(task, LIVE_WITHIN_SECONDS)  # it stops rather than knocking forever
    assert live.mode == "offline"


async def test_a_followees_new_post_is_announced_by_the_stream(api, other_api, tmp_path):
    """The server says when a followee's post reaches the feed: the "new posts" pill needs no polling."""
    live = LiveUpdates(lambda: api, poll_seconds=NEVER_POLL)  # any feed event within seconds came from the stream
    heard = Recorder(live)
    async with running(live):
        await heard.mode("live")
        await heard.unread(0)
        assert live.server_sends_feed  # announced in the stream's first event
        await api.follow((await other_api.me()).username)
        post = await other_api.create_post([write_photo(tmp_path / "new.jpg")], "hello followers",
                                           idempotency_key=str(uuid.uuid4()))
        feed = await heard.wait_for(lambda e: e.name == "feed" and post.post_id in e.data.get("post_ids", ()))
    assert feed.data["post_ids"][0] == post.post_id
    assert (await api.feed(None, 5)).items[0].post_id == post.post_id  # the feed the client then reads has it


async def test_feed_events_from_the_server_take_over_from_the_beat():
    """A server that announces feed events on the stream is trusted for them: the beat drops to every 2 min."""

    class StreamWithFeed:
        async def live_events(self):
            yield LiveEvent("unread", {"unread_count": 2, "events": ["unread", "feed"]})
            yield LiveEvent("feed", {"post_id": "42"})
            await asyncio.sleep(3600)

    asleep: asyncio.Queue[float] = asyncio.Queue()  # a beat round reached its wait
    wake: asyncio.Queue[None] = asyncio.Queue()  # the test lets one round go

    async def beat_sleep(seconds: float) -> None:
        asleep.put_nowait(seconds)
        await wake.get()

    live = LiveUpdates(lambda: StreamWithFeed(), poll_seconds=0.05, beat_sleep=beat_sleep)
    heard = Recorder(live)
    async with running(live):
        await asyncio.wait_for(asleep.get(), LIVE_WITHIN_SECONDS)  # the beat waits for its first round
        await heard.unread(2)
        feed = await heard.wait_for(lambda e: e.name == "feed")
        for _ in range(6):  # six rounds of the 0.05 s beat, each run to its next wait
            wake.put_nowait(None)
            await asyncio.wait_for(asleep.get(), LIVE_WITHIN_SECONDS)
    assert feed.data == {"post_id": "42"}
    assert [e for e in heard.events if e.name == "feed"] == [feed]  # no beat once the server sends them


async def test_server_sent_events_are_framed_as_the_standard_says():
    async def lines():
        for line in [": heartbeat", "", "event: unread", 'data: {"unread_count": 3}', "",
                     "data: {\"a\":", "data: 1}", "", "event: unread", "data: not json", "", "event:feed", "data:{}", ""]:
            yield line

    events = [event async for event in read_sse(lines())]
    assert events == [LiveEvent("unread", {"unread_count": 3}), LiveEvent("message", {"a": 1}), LiveEvent("feed", {})]


@pytest.fixture
async def poster(live_server, tmp_path):
    """An account with one post others can see (its photo processed), for tests that like it."""
    client = ApiClient(live_server.url)
    await client.register(unique_username("poster"), PASSWORD)
    post = await client.create_post([write_photo(tmp_path / "p.jpg")], "liked live", idempotency_key=str(uuid.uuid4()))
    for _ in range(200):
        if (await client.post(post.post_id)).first_media.status == "ready":
            break
        await asyncio.sleep(0.1)
    yield client, post.post_id
    await client.aclose()


async def test_a_like_is_heard_live_by_the_author(poster, other_api):
    author, post_id = poster
    live = LiveUpdates(lambda: author, poll_seconds=NEVER_POLL)
    heard = Recorder(live)
    async with running(live):
        await heard.unread(0)
        await other_api.like(post_id)
        await heard.unread(1)
