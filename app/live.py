"""Live updates from the server: the notifications stream while it works, polling while it does not.

One ``LiveUpdates`` per client process holds a single connection to ``GET /notifications/live`` (the
server allows an account a handful of streams, and every window or tab of this process shares one)
and hands each event to every listener:

- ``unread`` ``{"unread_count": n}`` — from the stream at once, or from a poll of the notifications;
- ``feed`` — look for new posts now: passed on from servers that announce feed events on the stream
  (``"events": [..., "feed"]`` in an event; then also made here every 2 min), otherwise made here every
  ``poll_seconds``;
- ``unauthorized`` — the server refused the token: the account must sign in again;
- ``mode`` ``{"mode": ...}`` — ``live``, ``polling`` (the stream is down or absent) or ``offline``.

A dropped stream is opened again after 1 s, doubling to 1 min, with jitter (so clients coming back
together do not knock in step), honouring Retry-After; a stream that stayed up a while starts the
backoff from the bottom again. A server without the stream (404/405) is asked again every few minutes.
"""

from __future__ import annotations

import asyncio
import logging
import random
from typing import Awaitable, Callable

from .api_client import ApiClient, ApiError, OfflineError
from .api_types import LiveEvent

log = logging.getLogger(__name__)

RECONNECT_FIRST_SECONDS = 1.0
RECONNECT_MAX_SECONDS = 60.0
# A stream that stayed up this long was healthy: its drop is news, not a pattern, so retry soon.
HEALTHY_STREAM_SECONDS = 30.0
# How often to look for news while the stream is down, and for new posts when the server has no feed events.
POLL_SECONDS = 20.0
# Even a server that announces new posts on the stream does not announce those of accounts too big to fan
# out (merged into feeds when read), so the feed is still looked at now and then.
FEED_BEAT_WITH_SERVER_EVENTS_SECONDS = 120.0
# A server with no live stream at all (an older version) is asked again this rarely.
NO_STREAM_RETRY_SECONDS = 300.0
# Statuses meaning "this server has no live stream", not "try again soon".
NO_STREAM_STATUSES = (404, 405, 501)

Listener = Callable[[LiveEvent], None]


def reconnect_delay(failures: int, retry_after: float | None = None) -> float:
    delay = min(RECONNECT_MAX_SECONDS, RECONNECT_FIRST_SECONDS * 2 ** max(0, failures - 1))
    return max(delay * random.uniform(0.5, 1.0), retry_after or 0.0)


class LiveUpdates:
    def __init__(self, api_for: Callable[[], ApiClient], *, poll_seconds: float = POLL_SECONDS,
                 delay: Callable[[int, float | None], float] = reconnect_delay,
                 beat_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        """``api_for()`` gives the current ApiClient (its token changes as people sign in and out);
        ``beat_sleep`` is how the feed beat waits between rounds (a test steps it round by round)."""
        self._api_for = api_for
        self.poll_seconds = poll_seconds
        self._delay = delay
        self._beat_sleep = beat_sleep
        self._listeners: list[Listener] = []
        self.mode = "connecting"
        self.unread_count: int | None = None
        self.server_sends_feed = False
        self._refused = False

    def forget(self) -> None:
        """Back to "nothing known" (another account signs in); listeners stay."""
        self.mode, self.unread_count, self.server_sends_feed, self._refused = "connecting", None, False, False

    # ---- listeners -----------------------------------------------------------------------------
    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(event)`` for every event from now on; answers the function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, name: str, data: dict | None = None) -> None:
        event = LiveEvent(name, data or {})
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # one broken screen must not stop the others hearing news
                log.exception("a live-update listener failed")

    def _set_mode(self, mode: str) -> None:
        if mode != self.mode:
            self.mode = mode
            self._emit("mode", {"mode": mode})

    def _unread(self, count: int) -> None:
        if count != self.unread_count:
            self.unread_count = count
            self._emit("unread", {"unread_count": count})

    def _unauthorized(self) -> None:
        self._refused = True
        self._set_mode("offline")
        self._emit("unauthorized")

    # ---- running -------------------------------------------------------------------------------
    async def run(self) -> None:
        """Until cancelled (or the token is refused): keep the stream open, or poll while it cannot be."""
        ticks = asyncio.ensure_future(self._feed_ticks())
        try:
            await self._stream_or_poll()
        finally:
            ticks.cancel()

    async def _stream_or_poll(self) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        while not self._refused:
            opened = loop.time()
            retry_after, wait = None, None
            try:
                async for event in self._api_for().live_events():
                    self._set_mode("live")
                    self._on_stream_event(event)
                # The server ended the stream (it is restarting): come back after a short pause.
            except ApiError as error:
                if error.status == 401:
                    self._unauthorized()
                    return
                retry_after = error.retry_after
                if error.status in NO_STREAM_STATUSES:
                    wait = NO_STREAM_RETRY_SECONDS
                if not isinstance(error, OfflineError):
                    log.info("live notifications unavailable (%s); polling instead", error)
            failures = 1 if loop.time() - opened >= HEALTHY_STREAM_SECONDS else failures + 1
            await self._poll_for(wait if wait is not None else self._delay(failures, retry_after))

    def _on_stream_event(self, event: LiveEvent) -> None:
        if "feed" in (event.data.get("events") or ()):
            self.server_sends_feed = True
        if event.name == "unread" and "unread_count" in event.data:
            self._unread(int(event.data["unread_count"]))
        elif event.name == "feed":
            self.server_sends_feed = True
            self._emit("feed", event.data)

    async def _feed_ticks(self) -> None:
        """New posts are looked for every ``poll_seconds``, or rarely while the open stream announces them."""
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await self._beat_sleep(self.poll_seconds)
            announced = self.server_sends_feed and self.mode == "live"
            if not announced or loop.time() - last >= FEED_BEAT_WITH_SERVER_EVENTS_SECONDS:
                last = loop.time()
                self._emit("feed", {"source": "poll"})

    async def _poll_for(self, seconds: float) -> None:
        """Wait ``seconds`` before opening the stream again, polling the unread count meanwhile."""
        loop = asyncio.get_running_loop()
        until = loop.time() + seconds
        while not self._refused:
            await self._poll_once()
            left = until - loop.time()
            if left <= 0:
                return
            await asyncio.sleep(min(left, self.poll_seconds))

    async def _poll_once(self) -> None:
        try:
            page = await self._api_for().notifications(None, 1)
        except OfflineError:
            self._set_mode("offline")
            return
        except ApiError as error:
            if error.status == 401:
                self._unauthorized()
            return
        self._set_mode("polling")
        if page.unread_count is not None:
            self._unread(int(page.unread_count))
