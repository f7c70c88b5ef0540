"""Live notifications: tell a connected user, at once, that their unread count changed or that a new
post reached their home feed.

Whoever records a notification (a like, a comment, a follow…) calls ``changed_in(conn, user_id)`` inside
its write unit; after the unit commits, a message goes out on the broker's notify channel and reaches
every process, so the user hears it whichever process holds their connection. The message only says
"look again": each stream then reads the unread count from the database, so a lost or repeated message
can never show a wrong number, and a burst of notifications costs one read per connection.

The fan-out calls ``feed_changed_for(user_ids, post_id)`` after each batch of timelines it pushed to: one
message per batch on the same channel, and each of those users' streams sends a ``feed`` event (the client
looks at its feed and offers the new posts behind a "new posts" pill). Posts of accounts too big to fan out
are merged into feeds when read and announce nothing: clients still look now and then. After a gap in
delivery every stream sends both events, since either kind of news may have been missed.
"""

from __future__ import annotations

import asyncio
from typing import AsyncIterator, Callable, Iterable

from ..broker.base import NOTIFY_CHANNEL
from ..context import Context
from ..repos import notifications as repo
from ..stores.base import Conn
from ..web.errors import ApiError, Unavailable

# A family member with a phone, a tablet, a laptop and a couple of browser tabs: more is a leak or abuse.
MAX_STREAMS_PER_USER = 5
# Each stream is an open socket and a parked coroutine (a few KB); beyond this a process sheds new ones
# (503: the load balancer or the client tries again, maybe another process).
MAX_STREAMS_PER_PROCESS = 10_000
# Post ids one ``feed`` event names (newest first); more in one burst is a pile-up after a pause, and the
# client only needs to know it should look.
MAX_FEED_POST_IDS = 20
# What this server's stream sends, announced in the first event so clients can stop polling for new posts.
EVENTS = ("unread", "feed")
# Proxies and load balancers close connections idle for 30-60 s; a comment line well within that keeps
# the stream open.
HEARTBEAT_SECONDS = 15.0
# How often one task per process looks for streams whose client has gone (its connection closed): a closed
# tab's slot is free again within this, not at the next heartbeat's failed write. One pass over every open
# stream is a flag read each (about a millisecond for 10,000 streams).
DISCONNECT_CHECK_SECONDS = 0.25


class LiveStream:
    __slots__ = ("user_id", "changed", "unread_due", "feed_due", "feed_posts", "closed", "gone")

    def __init__(self, user_id: int, gone: Callable[[], bool] | None = None) -> None:
        self.user_id = user_id
        self.gone = gone  # True once the client's connection is closed
        self.changed = asyncio.Event()  # something is due: an unread count, a feed event, or closing
        self.unread_due = False
        self.feed_due = False
        self.feed_posts: list[int] = []  # newest last; may be empty with feed_due (after a gap: "look again")
        self.closed = False

    def unread_changed(self) -> None:
        self.unread_due = True
        self.changed.set()

    def feed_changed(self, post_id: int | None) -> None:
        self.feed_due = True
        if post_id is not None and post_id not in self.feed_posts:
            self.feed_posts.append(post_id)
            del self.feed_posts[:-MAX_FEED_POST_IDS]
        self.changed.set()


class LiveNotifications:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._streams: dict[int, set[LiveStream]] = {}
        self._count = 0
        self._watcher: asyncio.Task | None = None
        ctx.broker.subscribe(NOTIFY_CHANNEL, self._on_message)
        ctx.broker.on_reconnect(self._nudge_everyone)  # messages may have been missed: everyone looks again

    # -- producing (inside write units) ------------------------------------------------------------
    def changed_in(self, conn: Conn, user_id: int) -> None:
        """After this unit commits, tell every process that ``user_id``'s notifications changed."""
        broker = self.ctx.broker
        conn.after_commit(lambda: broker.publish_threadsafe(NOTIFY_CHANNEL, {"user": user_id}))

    def feed_changed_for(self, user_ids: Iterable[int], post_id: int) -> None:
        """``post_id`` is now in these users' home timelines: tell their streams, in every process.
        Called on the event loop after the timelines were written (a message is a hint to look)."""
        users = list(user_ids)
        if users:
            self.ctx.broker.publish(NOTIFY_CHANNEL, {"feed": users, "post": post_id})

    # -- consuming (one SSE connection each) --------------------------------------------------------
    async def events(self, user_id: int, gone: Callable[[], bool] | None = None) -> AsyncIterator[tuple[str, dict] | None]:
        """``(name, data)`` events; None when a heartbeat is due. Ends on shutdown, or once ``gone()`` says the
        client left (its slot is free again at that moment).

        First ``("unread", {"unread_count": n, "events": ["unread", "feed"]})``, then ``("unread",
        {"unread_count": n})`` after every change of the count and ``("feed", {"post_ids": [...]})``
        (newest first, decimal strings; empty after a gap) when posts reach the user's home feed.
        """
        stream = self._open(user_id, gone)
        try:
            yield "unread", {"unread_count": await self._unread_count(user_id), "events": list(EVENTS)}
            while not stream.closed:
                try:
                    await asyncio.wait_for(stream.changed.wait(), HEARTBEAT_SECONDS)
                except asyncio.TimeoutError:
                    yield None
                    continue
                stream.changed.clear()
                if stream.closed:
                    break
                if stream.unread_due:
                    stream.unread_due = False
                    yield "unread", {"unread_count": await self._unread_count(user_id)}
                if stream.feed_due:
                    posts, stream.feed_posts, stream.feed_due = stream.feed_posts, [], False
                    yield "feed", {"post_ids": [str(post_id) for post_id in reversed(posts)]}
        finally:
            self._close(stream)

    async def _unread_count(self, user_id: int) -> int:
        return await self.ctx.db.read(lambda conn: repo.unread_count(conn, user_id))

    def close_all(self) -> None:
        """Server shutdown: end every stream so its handler returns and the process can stop."""
        for streams in list(self._streams.values()):
            for stream in streams:
                stream.closed = True
                stream.changed.set()
        if self._watcher is not None:
            self._watcher.cancel()
            self._watcher = None

    async def _watch_disconnects(self) -> None:
        """End, and free the slot of, every stream whose client has gone; runs while any stream is open.

        A client that closes its stream sends nothing the stream would read, so without this it would only be
        noticed when the next heartbeat's write fails, holding one of the account's few slots until then.
        """
        while self._count:
            await asyncio.sleep(DISCONNECT_CHECK_SECONDS)
            for streams in list(self._streams.values()):
                for stream in list(streams):
                    if stream.gone is not None and stream.gone():
                        stream.closed = True
                        stream.changed.set()
                        self._close(stream)
        self._watcher = None

    @property
    def open_streams(self) -> int:
        return self._count

    # -- bookkeeping -------------------------------------------------------------------------------
    def _open(self, user_id: int, gone: Callable[[], bool] | None = None) -> LiveStream:
        mine = self._streams.get(user_id, set())
        if len(mine) >= MAX_STREAMS_PER_USER:
            raise ApiError(f"You already have {MAX_STREAMS_PER_USER} live connections open; close one first.",
                           code="too_many_streams", status=429, headers={"Retry-After": str(int(HEARTBEAT_SECONDS))})
        if self._count >= MAX_STREAMS_PER_PROCESS:
            raise Unavailable("This server holds as many live connections as it can; try again shortly.")
        stream = LiveStream(user_id, gone)
        self._streams.setdefault(user_id, set()).add(stream)
        self._count += 1
        if gone is not None and self._watcher is None:
            self._watcher = asyncio.get_running_loop().create_task(self._watch_disconnects())
        return stream

    def _close(self, stream: LiveStream) -> None:
        mine = self._streams.get(stream.user_id)
        if mine is not None and stream in mine:
            mine.discard(stream)
            self._count -= 1
            if not mine:
                del self._streams[stream.user_id]

    def listening_users(self) -> list[int]:
        """The users with a stream open in this process."""
        return list(self._streams)

    def feed_changed_here(self, user_ids: Iterable[int], post_id: int | None) -> None:
        """Tell this process's own streams of these users (``feed_changed_for`` tells every process's)."""
        for user_id in user_ids:
            for stream in self._streams.get(user_id, ()):
                stream.feed_changed(post_id)

    def _on_message(self, message: dict) -> None:
        if "feed" in message:
            self.feed_changed_here(message["feed"], message.get("post"))
            return
        for stream in self._streams.get(message.get("user"), ()):
            stream.unread_changed()

    def _nudge_everyone(self) -> None:
        for streams in self._streams.values():
            for stream in streams:
                stream.unread_changed()
                stream.feed_changed(None)
