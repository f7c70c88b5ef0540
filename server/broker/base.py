"""Messages between the processes of one deployment: cache invalidations and live-notification nudges.

A message is a small JSON object on a named channel. Delivery is *at most once* and best effort:
subscribers must treat a message as a hint ("post 42 changed", "user 7 has news") and read the truth
from the database. Because a message can be lost, ``on_reconnect`` callbacks run whenever the feed of
messages had a gap, so subscribers can drop whatever they might have missed news about.

``LocalBroker`` serves the one-process deployment; ``broker_redis.RedisBroker`` uses Redis pub/sub. Both
deliver a process's own messages to its own subscribers directly, so local delivery never depends on Redis.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable, Protocol

log = logging.getLogger(__name__)

Subscriber = Callable[[dict], None]

CACHE_CHANNEL = "cache"  # {"post": id} or {"user": id}: drop it from in-process caches
NOTIFY_CHANNEL = "notify"  # {"user": id}: this user's notifications changed
CELEBRITY_CHANNEL = "celebrity"  # {"author": id, "post": id or absent}: a celebrity's recent posts changed
# {"viewer": id}: whom this viewer follows changed; {"celebrities": true}: an author crossed the celebrity threshold
TIMELINE_CHANNEL = "timeline"
# {"author": id}: this author's active stories changed; {"viewer": id}: this viewer's seen marks changed
STORY_CHANNEL = "story"


class Broker(Protocol):
    def publish(self, channel: str, message: dict) -> None:
        """Send without waiting (call on the event loop)."""

    def publish_threadsafe(self, channel: str, message: dict) -> None:
        """Send from another thread, e.g. a store's after-commit callback."""

    def subscribe(self, channel: str, callback: Subscriber) -> None:
        """Call ``callback(message)`` on the event loop for every message on the channel, from any process."""

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after a gap in delivery: messages may have been lost."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class Subscriptions:
    """The callbacks of one process, shared by both brokers."""

    def __init__(self) -> None:
        self.by_channel: dict[str, list[Subscriber]] = {}
        self.reconnect_callbacks: list[Callable[[], None]] = []

    def add(self, channel: str, callback: Subscriber) -> None:
        self.by_channel.setdefault(channel, []).append(callback)

    def deliver(self, channel: str, message: dict) -> None:
        for callback in self.by_channel.get(channel, ()):
            try:
                callback(message)
            except Exception:
                log.exception("a %s subscriber failed on %r", channel, message)

    def reconnected(self) -> None:
        for callback in self.reconnect_callbacks:
            try:
                callback()
            except Exception:
                log.exception("a reconnect callback failed")


class LocalBroker:
    def __init__(self) -> None:
        self.subscriptions = Subscriptions()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()

    async def close(self) -> None:
        self._loop = None

    def publish(self, channel: str, message: dict) -> None:
        # Delivered on a later loop turn, as a remote message would be, never inside the publisher's call.
        asyncio.get_running_loop().call_soon(self.subscriptions.deliver, channel, message)

    def publish_threadsafe(self, channel: str, message: dict) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self.subscriptions.deliver, channel, message)

    def subscribe(self, channel: str, callback: Subscriber) -> None:
        self.subscriptions.add(channel, callback)

    def on_reconnect(self, callback: Callable[[], None]) -> None:
        self.subscriptions.reconnect_callbacks.append(callback)
