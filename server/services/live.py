"""Live notifications: tell a connected user, at once, that their unread count changed.

Whoever records a notification (a like, a comment, a follow…) calls ``changed_in(conn, user_id)`` inside
its write unit; after the unit commits, a message goes out on the broker's notify channel and reaches
every process, so the user hears it whichever process holds their connection. The message only says
"look again": each stream then reads the unread count from the database, so a lost or repeated message
can never show a wrong number, and a burst of notifications costs one read per connection.
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

from ..broker import NOTIFY_CHANNEL
from ..context import Context
from ..errors import ApiError, Unavailable
from ..repos import notifications as repo
from ..stores.base import Conn

# A family member with a phone, a tablet, a laptop and a couple of browser tabs: more is a leak or abuse.
MAX_STREAMS_PER_USER = 5
# Each stream is an open socket and a parked coroutine (a few KB); beyond this a process sheds new ones
# (503: the load balancer or the client tries again, maybe another process).
MAX_STREAMS_PER_PROCESS = 10_000
# Proxies and load balancers close connections idle for 30-60 s; a comment line well within that keeps
# the stream open and lets the server notice clients that left.
HEARTBEAT_SECONDS = 15.0


class LiveStream:
    __slots__ = ("user_id", "changed", "closed")

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self.changed = asyncio.Event()
        self.closed = False


class LiveNotifications:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._streams: dict[int, set[LiveStream]] = {}
        self._count = 0
        ctx.broker.subscribe(NOTIFY_CHANNEL, self._on_message)
        ctx.broker.on_reconnect(self._nudge_everyone)  # messages may have been missed: everyone looks again

    # -- producing (inside write units) ------------------------------------------------------------
    def changed_in(self, conn: Conn, user_id: int) -> None:
        """After this unit commits, tell every process that ``user_id``'s notifications changed."""
        broker = self.ctx.broker
        conn.after_commit(lambda: broker.publish_threadsafe(NOTIFY_CHANNEL, {"user": user_id}))

    # -- consuming (one SSE connection each) --------------------------------------------------------
    async def events(self, user_id: int) -> AsyncIterator[dict | None]:
        """``{"unread_count": n}`` now and after every change; None when a heartbeat is due. Ends on shutdown."""
        stream = self._open(user_id)
        try:
            stream.changed.set()  # the first event: the count as it is
            while not stream.closed:
                try:
                    await asyncio.wait_for(stream.changed.wait(), HEARTBEAT_SECONDS)
                except asyncio.TimeoutError:
                    yield None
                    continue
                stream.changed.clear()
                if stream.closed:
                    break
                yield {"unread_count": await self.ctx.db.read(lambda conn: repo.unread_count(conn, user_id))}
        finally:
            self._close(stream)

    def close_all(self) -> None:
        """Server shutdown: end every stream so its handler returns and the process can stop."""
        for streams in list(self._streams.values()):
            for stream in streams:
                stream.closed = True
                stream.changed.set()

    @property
    def open_streams(self) -> int:
        return self._count

    # -- bookkeeping -------------------------------------------------------------------------------
    def _open(self, user_id: int) -> LiveStream:
        mine = self._streams.get(user_id, set())
        if len(mine) >= MAX_STREAMS_PER_USER:
            raise ApiError(f"You already have {MAX_STREAMS_PER_USER} live connections open; close one first.",
                           code="too_many_streams", status=429, headers={"Retry-After": str(int(HEARTBEAT_SECONDS))})
        if self._count >= MAX_STREAMS_PER_PROCESS:
            raise Unavailable("This server holds as many live connections as it can; try again shortly.")
        stream = LiveStream(user_id)
        self._streams.setdefault(user_id, set()).add(stream)
        self._count += 1
        return stream

    def _close(self, stream: LiveStream) -> None:
        mine = self._streams.get(stream.user_id)
        if mine is not None and stream in mine:
            mine.discard(stream)
            self._count -= 1
            if not mine:
                del self._streams[stream.user_id]

    def _on_message(self, message: dict) -> None:
        for stream in self._streams.get(message.get("user"), ()):
            stream.changed.set()

    def _nudge_everyone(self) -> None:
        for streams in self._streams.values():
            for stream in streams:
                stream.changed.set()
