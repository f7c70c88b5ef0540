"""The broker over Redis pub/sub: every process of a deployment hears every other.

Publishing never waits on Redis: messages go into a bounded in-process queue that one task sends in
pipelined batches. One listener task per process holds a subscription to every channel and hands
messages to the subscribers on the event loop. A process's own messages are delivered to it directly
(and skipped when Redis echoes them back), so the process itself never depends on Redis for them.

When the subscription breaks (Redis restarted, network) the listener reconnects with backoff and then
runs the ``on_reconnect`` callbacks: pub/sub keeps no history, so whatever was published meanwhile is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

import orjson
from redis.exceptions import RedisError

from ..redislink import RedisLink, RedisUnavailable
from .base import CACHE_CHANNEL, CELEBRITY_CHANNEL, NOTIFY_CHANNEL, STORY_CHANNEL, TIMELINE_CHANNEL, Subscriber, Subscriptions

log = logging.getLogger(__name__)

CHANNELS = (CACHE_CHANNEL, NOTIFY_CHANNEL, CELEBRITY_CHANNEL, TIMELINE_CHANNEL, STORY_CHANNEL)
# Unsent messages kept while Redis is slow or away; beyond this they are dropped (they are hints, and
# subscribers recover from gaps), so an outage cannot grow memory without bound.
MAX_UNSENT_MESSAGES = 10_000
SEND_BATCH = 500  # messages per pipeline: one round trip carries a burst of invalidations
LISTEN_POLL_SECONDS = 1.0  # how long one wait for a message lasts; bounds how fast a stop is noticed
RECONNECT_FIRST_SECONDS = 0.25
RECONNECT_MAX_SECONDS = 4.0
FLUSH_ON_CLOSE_SECONDS = 1.0  # a stopping process tries this long to send what it still holds
# How long close() waits for its tasks after cancelling them; they also check a flag every poll, since a
# cancellation can be lost inside a library's own timeout handling.
STOP_WAIT_SECONDS = 2.0


class RedisBroker:
    def __init__(self, link: RedisLink) -> None:
        self.link = link
        self.subscriptions = Subscriptions()
        self.origin = secrets.token_hex(8)  # tells this process's own echoes apart
        self._unsent: asyncio.Queue | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task] = []
        self._closing = False
        self._channel_names = {link.key("ch", name).encode(): name for name in CHANNELS}
        self.listening = asyncio.Event()  # set while the subscription is live (tests wait for it)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._unsent = asyncio.Queue(MAX_UNSENT_MESSAGES)
        self._tasks = [asyncio.create_task(self._send_forever(), name="broker-send"),
                       asyncio.create_task(self._listen_forever(), name="broker-listen")]

    async def close(self) -> None:
        if self._unsent is not None and not self._unsent.empty():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._unsent.join(), FLUSH_ON_CLOSE_SECONDS)
        self._closing = True
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=STOP_WAIT_SECONDS)
        self._tasks = []
        self._loop = None

    # -- publishing -------------------------------------------------------------------------------
    def publish(self, channel: str, message: dict) -> None:
        asyncio.get_running_loop().call_soon(self.subscriptions.deliver, channel, message)
        if self._unsent is None:
            return
        payload = orjson.dumps({"o": self.origin, "m": message})
        try:
            self._unsent.put_nowait((self.link.key("ch", channel), payload))
        except asyncio.QueueFull:
            log.warning("dropping a %s message: %d are waiting for Redis", channel, MAX_UNSENT_MESSAGES)

    def publish_threadsafe(self, channel: str, message: dict) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self.publish, channel, message)

    async def _send_forever(self) -> None:
        unsent = self._unsent
        while not self._closing:
            batch = [await unsent.get()]
            while len(batch) < SEND_BATCH and not unsent.empty():
                batch.append(unsent.get_nowait())
            try:
                await self.link.run(lambda client: self._send(client, batch))
            except RedisUnavailable:
                pass  # hints only: subscribers that were cut off too clear their caches on reconnect
            except RedisError:
                log.exception("could not publish %d messages", len(batch))
            finally:
                for _ in batch:
                    unsent.task_done()

    @staticmethod
    async def _send(client, batch: list[tuple[str, bytes]]) -> None:
        pipe = client.pipeline(transaction=False)
        for channel, payload in batch:
            pipe.publish(channel, payload)
        await pipe.execute()

    # -- listening --------------------------------------------------------------------------------
    def subscribe(self, channel: str, callback: Subscriber) -> None:
        if channel not in CHANNELS:
            raise ValueError(f"unknown channel {channel!r}; add it to CHANNELS")
        self.subscriptions.add(channel, callback)

    def on_reconnect(self, callback) -> None:
        self.subscriptions.reconnect_callbacks.append(callback)

    async def _listen_forever(self) -> None:
        delay = RECONNECT_FIRST_SECONDS
        had_gap = warned = False
        while not self._closing:
            pubsub = self.link.client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(*self._channel_names)
                self.listening.set()
                if had_gap:
                    log.info("live messages flowing again; dropping what may have changed meanwhile")
                    self.subscriptions.reconnected()
                had_gap = warned = False
                delay = RECONNECT_FIRST_SECONDS
                while not self._closing:
                    message = await pubsub.get_message(timeout=LISTEN_POLL_SECONDS)
                    if message is not None and message.get("type") == "message":
                        self._dispatch(message["channel"], message["data"])
            except (RedisError, OSError) as exc:
                if not warned:
                    log.warning("lost the Redis subscription (%s); reconnecting", exc)
                    warned = True
            finally:
                self.listening.clear()
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
            had_gap = True
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX_SECONDS)

    def _dispatch(self, raw_channel: bytes, data: bytes) -> None:
        channel = self._channel_names.get(raw_channel)
        try:
            envelope = orjson.loads(data)
        except orjson.JSONDecodeError:
            return
        if channel is None or envelope.get("o") == self.origin:
            return
        self.subscriptions.deliver(channel, envelope.get("m") or {})
