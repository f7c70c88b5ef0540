"""Hybrid fan-out: push a new post into followers' timelines, except for celebrities, merged at read time.

An author with fewer than ``celebrity_threshold`` followers has each published post pushed, by a
durable job, into every follower's warm timeline in batches. A celebrity's post is not pushed (that
would be tens of thousands of writes per post); feeds merge the celebrities a viewer follows from a
small in-process cache of their recent post ids. The job is idempotent: a re-run pushes the same id,
which a timeline already holds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from bisect import bisect_left
from typing import Sequence

from ..broker import CELEBRITY_CHANNEL
from ..caches import LRUCache
from ..context import Context
from ..jobs.base import PRIORITY_CLEANUP, PRIORITY_FANOUT
from ..jobs.database import enqueue_in
from ..repos import feed_posts
from ..repos import follows as follows_repo
from ..stores.base import Conn
from ..timelines.base import TimelineSlice

log = logging.getLogger(__name__)

# Followers read and pushed per step: a 10,000-follower fan-out is ten short index reads, and the
# event loop serves requests between them.
FANOUT_BATCH_SIZE = 1_000
# Recent post ids kept per celebrity for merging into feeds; more than a page (50) and a few pages of
# scrolling. Readers paging below them are served from the database.
CELEBRITY_RECENT_POSTS = 100
CELEBRITY_CACHE_AUTHORS = 10_000
# How long a cached list may be trusted: this process refreshes it on its own publishes and deletes,
# the limit bounds staleness from another process's.
CELEBRITY_CACHE_SECONDS = 60
# Which celebrities a viewer follows: cleared on the viewer's own follow/unfollow; the time limit is
# how soon an author crossing the threshold is noticed.
VIEWER_CELEBRITIES_ITEMS = 100_000
VIEWER_CELEBRITIES_SECONDS = 60
# A fan-out batch reads its followers, then pushes; an unfollow landing in between must still win. The
# guard outlives that gap (milliseconds) by far.
UNFOLLOW_GUARD_SECONDS = 60
UNFOLLOW_GUARD_MAX_AUTHORS = 100_000


class _Recent:
    """A celebrity's newest post ids, ascending; complete below ``floor`` only via the database."""

    __slots__ = ("ids", "floor", "loaded_at")

    def __init__(self, newest_first: list[int], floor: int) -> None:
        self.ids = newest_first[::-1]
        self.floor = floor
        self.loaded_at = time.monotonic()

    def below(self, before: int | None, limit: int) -> TimelineSlice:
        end = len(self.ids) if before is None else bisect_left(self.ids, before)
        page = self.ids[max(0, end - limit):end]
        page.reverse()
        return TimelineSlice(page, self.floor)


class Fanout:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._recent = LRUCache(CELEBRITY_CACHE_AUTHORS, ttl=CELEBRITY_CACHE_SECONDS)
        self._viewer_celebrities = LRUCache(VIEWER_CELEBRITIES_ITEMS, ttl=VIEWER_CELEBRITIES_SECONDS)
        self._unfollowed: dict[int, dict[int, float]] = {}  # author -> follower -> guard expiry
        self._background: set[asyncio.Task] = set()
        ctx.broker.subscribe(CELEBRITY_CHANNEL, self._celebrity_changed)
        ctx.broker.on_reconnect(self._recent.clear)  # messages may have been missed: reload every list

    def job_handlers(self) -> dict:
        return {"fanout_publish": self._publish, "fanout_retract": self._retract}

    # -- called by posts and media ---------------------------------------------------------------
    def enqueue_publish(self, conn: Conn, post_id: int, author_id: int) -> None:
        enqueue_in(conn, "fanout_publish", {"post_id": post_id, "author_id": author_id}, PRIORITY_FANOUT)

    def enqueue_retract(self, conn: Conn, post_id: int, author_id: int) -> None:
        enqueue_in(conn, "fanout_retract", {"post_id": post_id, "author_id": author_id}, PRIORITY_CLEANUP)

    async def add_to_own_timeline(self, author_id: int, post_id: int) -> None:
        await self.ctx.timelines.push([author_id], [post_id])

    async def forget_author(self, user_id: int) -> None:
        self._recent.discard(user_id)
        self._viewer_celebrities.discard(user_id)
        self._unfollowed.pop(user_id, None)

    # -- called by follows and feed --------------------------------------------------------------
    def is_celebrity(self, follower_count: int) -> bool:
        return follower_count >= self.ctx.settings.celebrity_threshold

    def following_changed(self, follower_id: int, followee_id: int, *, following: bool) -> None:
        self._viewer_celebrities.discard(follower_id)
        if following:
            self._unfollowed.get(followee_id, {}).pop(follower_id, None)  # a re-follow lifts the guard
        else:
            self._guard_unfollow(followee_id, follower_id)

    def remember_followed_celebrities(self, viewer_id: int, celebrity_ids: list[int]) -> None:
        self._viewer_celebrities.set(viewer_id, celebrity_ids)

    async def followed_celebrities(self, viewer_id: int) -> list[int]:
        cached = self._viewer_celebrities.get(viewer_id)
        if cached is not None:
            return cached
        threshold = self.ctx.settings.celebrity_threshold
        celebrities = await self.ctx.db.read(lambda conn: followed_celebrities_in(conn, viewer_id, threshold))
        self._viewer_celebrities.set(viewer_id, celebrities)
        return celebrities

    @property
    def celebrity_version(self) -> int:
        """Changes whenever any celebrity's cached recent posts are loaded, refreshed or dropped."""
        return self._recent.changes

    async def celebrity_page(self, author_ids: Sequence[int], before: int | None,
                             limit: int) -> tuple[list[TimelineSlice], float]:
        """Each celebrity's recent posts below ``before`` (uncached ones loaded in one database read), and the
        monotonic time until which they may be reused without asking again (as long as ``celebrity_version``
        is unchanged): the oldest list's load time plus the cache's limit."""
        found, missing = self._recent.get_many(author_ids)
        if missing:
            def unit(conn: Conn) -> dict[int, list[int]]:
                return {author_id: feed_posts.author_post_ids(conn, author_id, before=None, limit=CELEBRITY_RECENT_POSTS,
                                                              include_unpublished=False)
                        for author_id in missing}

            for author_id, ids in (await self.ctx.db.read(unit)).items():
                floor = ids[-1] if len(ids) == CELEBRITY_RECENT_POSTS else 0
                found[author_id] = recent = _Recent(ids, floor)
                self._recent.set(author_id, recent)
        recents = [found[author_id] for author_id in author_ids]
        trusted_until = min(recent.loaded_at for recent in recents) + CELEBRITY_CACHE_SECONDS if recents else float("inf")
        return [recent.below(before, limit) for recent in recents], trusted_until

    def _celebrity_changed(self, message: dict) -> None:
        """A celebrity posted or deleted a post (in this process or another): drop the cached list; for a new
        post, tell the open streams here of users who follow them."""
        author_id = message.get("author")
        if author_id is None:
            return
        self._recent.discard(author_id)
        listening = self.ctx.live.listening_users()
        if message.get("post") is not None and listening:
            task = asyncio.get_running_loop().create_task(self._tell_listening_followers(author_id, message["post"], listening))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _tell_listening_followers(self, author_id: int, post_id: int, user_ids: list[int]) -> None:
        # A celebrity has too many followers to name in a message; each process asks which of its listeners follow.
        try:
            followers = await self.ctx.db.read(lambda conn: follows_repo.followers_among(conn, author_id, user_ids))
        except Exception:  # a hint only: the client still looks every few minutes
            log.exception("could not tell listening followers of %s about post %s", author_id, post_id)
            return
        self.ctx.live.feed_changed_here(followers, post_id)

    # -- jobs ------------------------------------------------------------------------------------
    async def _publish(self, payload: dict) -> None:
        post_id, author_id = int(payload["post_id"]), int(payload["author_id"])

        def unit(conn: Conn):
            if feed_posts.published_post_author(conn, post_id) != author_id:
                return None  # deleted (or not published after all): nothing to show anyone
            return conn.fetch_val("SELECT follower_count FROM users WHERE id = ?", (author_id,))

        follower_count = await self.ctx.db.read(unit)
        if follower_count is None:
            return
        await self.ctx.timelines.push([author_id], [post_id])
        self._recent.discard(author_id)
        live = self.ctx.live
        live.feed_changed_for([author_id], post_id)  # the author's other devices show it too
        if self.is_celebrity(follower_count):
            # Not pushed (merged into followers' feeds at read time): every process drops its copy of the
            # author's recent posts, so the post is in every feed at once, and tells its own open streams.
            self.ctx.broker.publish(CELEBRITY_CHANNEL, {"author": author_id, "post": post_id})
            return
        async for followers in self._follower_batches(author_id):
            recipients = self._still_following(author_id, followers)
            await self.ctx.timelines.push(recipients, [post_id])
            live.feed_changed_for(recipients, post_id)  # their open streams say "new posts" at once

    async def _retract(self, payload: dict) -> None:
        post_id, author_id = int(payload["post_id"]), int(payload["author_id"])
        self._recent.discard(author_id)
        self.ctx.broker.publish(CELEBRITY_CHANNEL, {"author": author_id})  # other processes' copies too
        await self.ctx.timelines.remove_posts(author_id, [post_id])
        follower_count = await self.ctx.db.read(
            lambda conn: conn.fetch_val("SELECT follower_count FROM users WHERE id = ?", (author_id,)))
        if follower_count is None or self.is_celebrity(follower_count):
            return  # gone (account cleanup drops its posts), or never pushed; hydration skips deleted posts anyway
        async for followers in self._follower_batches(author_id):
            for follower_id in followers:
                await self.ctx.timelines.remove_posts(follower_id, [post_id])

    async def _follower_batches(self, author_id: int):
        after = 0
        while True:
            batch = await self.ctx.db.read(
                lambda conn: follows_repo.follower_ids_after(conn, author_id, after, FANOUT_BATCH_SIZE))
            if batch:
                yield batch
            if len(batch) < FANOUT_BATCH_SIZE:
                return
            after = batch[-1]

    # -- the unfollow guard ----------------------------------------------------------------------
    def _guard_unfollow(self, author_id: int, follower_id: int) -> None:
        if len(self._unfollowed) >= UNFOLLOW_GUARD_MAX_AUTHORS:
            self._prune_guards()
        self._unfollowed.setdefault(author_id, {})[follower_id] = time.monotonic() + UNFOLLOW_GUARD_SECONDS

    def _still_following(self, author_id: int, follower_ids: list[int]) -> list[int]:
        guard = self._unfollowed.get(author_id)
        if not guard:
            return follower_ids
        now = time.monotonic()
        for follower_id in [f for f, expiry in guard.items() if expiry < now]:
            del guard[follower_id]
        if not guard:
            del self._unfollowed[author_id]
            return follower_ids
        return [follower_id for follower_id in follower_ids if follower_id not in guard]

    def _prune_guards(self) -> None:
        now = time.monotonic()
        for author_id in list(self._unfollowed):
            guard = {f: expiry for f, expiry in self._unfollowed[author_id].items() if expiry >= now}
            if guard:
                self._unfollowed[author_id] = guard
            else:
                del self._unfollowed[author_id]


def followed_celebrities_in(conn: Conn, viewer_id: int, threshold: int) -> list[int]:
    return [followee_id for followee_id, count in follows_repo.followees_with_counts(conn, viewer_id) if count >= threshold]
