"""The timeline manager: the one writer of home timelines and the one owner of the feed's caches.

Every change that alters what a home feed holds comes through here: a post created (its author's own
timeline), a post delivered to followers (fan-out), a post deleted (unpush), a follow (merge the followee's
posts in) or an unfollow (take them out), a mute or unmute (the same, for the muter), a block (both sides'
posts out of both timelines: the block removed the follows), a cold timeline populated from the database,
an account deleted, an author crossing the celebrity threshold either way. Backends only store (``timelines.base``); services
call these methods after their own database commit; the feed service only reads.

**The invariant.** Once the system is quiet (no job pending, no message in flight), a viewer's feed is
exactly their own posts and the published posts of the accounts they follow and do not mute (their *feed
sources*, ``repos/follows.py``), less others' posts hidden by reports and the posts of accounts disabled or
hidden by reports, newest first, without duplicates, and paging by cursor neither skips nor repeats. (A block
removes the follows both ways, so a blocked account is never a source.) It holds because of four rules:

1. *Membership by authorship, visibility at read time.* A timeline may hold any post of its owner or of a
   feed source, published or not, hidden or not; the hydrator shows a post to others only once
   ``published_at`` is set, while it is not hidden by reports (``posts.hidden``) and while its author is
   neither disabled nor hidden (``users.is_disabled``, ``users.hidden``). The
   fan-out sets it *after* delivering the post to every follower, so a post is never ready before it is in
   the feeds (and a cold rebuild that ran in between finds the post in the database either way).
2. *Write, then verify.* A write decided from a database read can land after a later change to the same
   facts (an unfollow committed between the fan-out reading its followers and pushing). So every write is
   followed by a re-read of what it was decided from; if that changed, the write is corrected, and after
   ``MAX_VERIFY_ROUNDS`` disagreements the timeline is dropped (a cold timeline is always right: it is
   rebuilt from the database). Whatever order two processes' writes land in, the last one to land is
   followed by a read that sees the last commit, so the timeline ends as the database says.
3. *Floors and rebuild tokens* (``timelines.base``): a timeline vouches only for posts at or above its floor,
   pushes skip cold timelines, and any push, removal or drop cancels a rebuild that is reading meanwhile.
4. *Celebrities by the count of the moment.* An author with ``celebrity_threshold`` followers or more is not
   pushed but merged at read time. Fan-out and readers may judge a crossing differently for a moment, so each
   crossing is acted on after its commit: every process drops its cached lists of whom each viewer follows
   that is a celebrity (a broadcast), and a demotion pushes the author's recent posts to every follower, read
   after the commit so none of the celebrity-era posts is left out.

Across processes (Redis timelines), writes are atomic scripts and caches are dropped by broker messages;
a message lost in a gap clears every cache here (``on_reconnect``). A cache load that raced a drop is not
kept (the ``_drops`` counter), and each cache has a time limit as a last resort.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Iterable, Sequence

from ..broker.base import CELEBRITY_CHANNEL, TIMELINE_CHANNEL
from ..caches import LRUCache
from ..jobs.base import PRIORITY_FANOUT
from ..jobs.database import enqueue_in
from ..repos import feed_posts
from ..repos import follows as follows_repo
from ..repos import users as users_repo
from ..stores.base import Conn
from .base import TIMELINE_MAX_ITEMS, TimelineSlice, Timelines
from .recent import RecentPosts

if TYPE_CHECKING:
    from ..context import Context

log = logging.getLogger(__name__)

# Followers read and pushed per step: a 10,000-follower fan-out is ten short index reads, and the event
# loop serves requests between them.
FANOUT_BATCH_SIZE = 1_000
# A cold timeline is rebuilt with this many of the newest posts (ten pages of 20), not the full cap: the
# rebuild is on the first read's path, and reading the cap's 600 costs it about twice as long. The timeline
# grows back to the cap as posts are pushed; a reader who pages below it is served from the database.
REBUILD_ITEMS = 200
# Recent post ids kept per celebrity for merging into feeds; more than a page (50) and a few pages of
# scrolling. Readers paging below them are served from the database.
CELEBRITY_RECENT_POSTS = 100
CELEBRITY_CACHE_AUTHORS = 10_000
# Caches are dropped by messages; a time limit bounds the damage of one that was lost unnoticed.
CELEBRITY_CACHE_SECONDS = 60
VIEWER_CELEBRITIES_ITEMS = 100_000
VIEWER_CELEBRITIES_SECONDS = 60
# Write-then-verify rounds before giving up on a precise correction and dropping the timeline. A second
# round needs a follow and an unfollow within the few milliseconds of one round; a third is unheard of.
MAX_VERIFY_ROUNDS = 3


class TimelineManager:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._recent = LRUCache(CELEBRITY_CACHE_AUTHORS, ttl=CELEBRITY_CACHE_SECONDS)
        self._viewer_celebrities = LRUCache(VIEWER_CELEBRITIES_ITEMS, ttl=VIEWER_CELEBRITIES_SECONDS)
        self._drops = 0  # bumped on every cache drop: a load that read the database before one is not kept
        self._background: set[asyncio.Task] = set()
        ctx.broker.subscribe(TIMELINE_CHANNEL, self._on_message)
        ctx.broker.subscribe(CELEBRITY_CHANNEL, self._on_celebrity_post)
        ctx.broker.on_reconnect(self._clear_caches)

    @property
    def timelines(self) -> Timelines:
        return self.ctx.timelines

    # -- what counts as a celebrity ------------------------------------------------------------------
    def is_celebrity(self, follower_count: int) -> bool:
        return follower_count >= self.ctx.settings.celebrity_threshold

    # -- reads (the feed service) --------------------------------------------------------------------
    async def read(self, viewer_id: int, before: int | None, limit: int) -> TimelineSlice:
        """A page of the viewer's timeline; a cold timeline is populated from the database first."""
        page = await self.timelines.read(viewer_id, before=before, limit=limit)
        if page is None:
            page = await self._populate(viewer_id, before, limit)
        return page

    async def followed_celebrities(self, viewer_id: int) -> list[int]:
        """Whom the viewer follows that is a celebrity now. The list object is replaced whenever it changes,
        so a caller may compare it by identity."""
        cached = self._viewer_celebrities.get(viewer_id)
        if cached is not None:
            return cached
        drops = self._drops
        threshold = self.ctx.settings.celebrity_threshold
        celebrities = await self.ctx.db.read(lambda conn: [
            followee for followee, count in follows_repo.followees_with_counts(conn, viewer_id) if count >= threshold])
        if drops == self._drops:
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
            drops = self._drops

            def unit(conn: Conn) -> dict[int, list[int]]:
                return {author_id: feed_posts.author_post_ids(conn, author_id, before=None, limit=CELEBRITY_RECENT_POSTS,
                                                              include_unpublished=True)
                        for author_id in missing}

            for author_id, ids in (await self.ctx.db.read(unit)).items():
                floor = ids[-1] if len(ids) == CELEBRITY_RECENT_POSTS else 0
                found[author_id] = recent = RecentPosts(ids, floor)
                if drops == self._drops:
                    self._recent.set(author_id, recent)
        recents = [found[author_id] for author_id in author_ids]
        trusted_until = min(recent.loaded_at for recent in recents) + CELEBRITY_CACHE_SECONDS if recents else float("inf")
        return [recent.below(before, limit) for recent in recents], trusted_until

    async def _populate(self, viewer_id: int, before: int | None, limit: int) -> TimelineSlice:
        """Build a cold timeline from the database (followees under the celebrity threshold and the viewer's
        own posts), write it back unless something changed meanwhile, and return the page asked for."""
        token = await self.timelines.begin_rebuild(viewer_id)
        is_celebrity = self.is_celebrity
        drops = self._drops

        def unit(conn: Conn) -> tuple[list[int], list[int]]:
            followees = follows_repo.followees_with_counts(conn, viewer_id)
            celebrities = [user_id for user_id, count in followees if is_celebrity(count)]
            pushed = [user_id for user_id, count in followees if not is_celebrity(count)]
            return feed_posts.newest_post_ids(conn, [*pushed, viewer_id], before=None, limit=REBUILD_ITEMS), celebrities

        ids, celebrities = await self.ctx.db.read(unit)
        if drops == self._drops:
            self._viewer_celebrities.set(viewer_id, celebrities)
        floor = ids[-1] if len(ids) == REBUILD_ITEMS else 0
        await self.timelines.store(viewer_id, ids, floor=floor, token=token)
        page = [post_id for post_id in ids if before is None or post_id < before][:limit]
        return TimelineSlice(page, floor)

    # -- posts ---------------------------------------------------------------------------------------
    async def post_created(self, author_id: int, post_id: int) -> None:
        """A post was committed (still processing): its author sees it at once. A celebrity's followers merge
        it from the author's recent posts, so every process drops its copy of that list."""
        await self.timelines.push([author_id], [post_id])
        self._drop_recent(author_id)
        self.ctx.broker.publish(CELEBRITY_CHANNEL, {"author": author_id})

    async def deliver(self, post_id: int, author_id: int) -> list[int] | None:
        """Fan a post out to its author's followers (the fan-out job, before the post is published).

        Returns the followers it was pushed to, or None when the author is a celebrity (merged at read
        time; every process is told, so open streams of followers hear of it once it is published).
        """
        def unit(conn: Conn) -> int | None:
            if feed_posts.post_author(conn, post_id) != author_id:
                return None
            return users_repo.follower_count(conn, author_id)

        follower_count = await self.ctx.db.read(unit)
        if follower_count is None:
            return []  # the post (or its author) is gone: its retraction or the account cleanup takes it out
        await self.timelines.push([author_id], [post_id])
        delivered: list[int] | None = None
        if self.is_celebrity(follower_count):
            self._drop_recent(author_id)
        else:
            delivered = []
            async for followers in self._follower_batches(author_id):
                await self.timelines.push(followers, [post_id])
                delivered += await self._verify_push(author_id, post_id, followers)
        # Rule 2 for the author's own timeline: a deletion whose retraction ran before our push.
        if await self.ctx.db.read(lambda conn: feed_posts.post_author(conn, post_id)) is None:
            await self.timelines.remove_posts(author_id, [post_id])
            return []
        return delivered

    async def _verify_push(self, author_id: int, post_id: int, pushed: list[int]) -> list[int]:
        """Rule 2 for a fan-out batch: who of ``pushed`` still follows the author (and the post still exists)
        now that the push has landed; the post is taken back out from the others, and so on until a re-read
        agrees with the last write."""
        holding = set(pushed)  # followers whose timeline we last wrote the post into
        lacking: set[int] = set()  # followers we last took it out of
        for _ in range(MAX_VERIFY_ROUNDS):
            everyone = sorted(holding | lacking)
            following = set(await self.ctx.db.read(lambda conn: follows_repo.followers_holding_post(conn, author_id, post_id, everyone)))
            leavers = sorted(holding - following)
            comers = sorted(lacking & following)
            if not leavers and not comers:
                return sorted(holding)
            for follower_id in leavers:
                await self.timelines.remove_posts(follower_id, [post_id])
            if comers:
                await self.timelines.push(comers, [post_id])
            holding = (holding - set(leavers)) | set(comers)
            lacking = (lacking - set(comers)) | set(leavers)
        for follower_id in sorted(holding | lacking):
            await self.timelines.drop(follower_id)
        return []

    async def retract(self, post_id: int, author_id: int, follower_ids: Iterable[int] | None = None) -> None:
        """A deleted post leaves every timeline that may hold it: its author's and their followers'. (Readers
        never show a deleted post; this keeps pages full.) ``follower_ids`` when the follows are gone too."""
        self._drop_recent(author_id)
        self.ctx.broker.publish(CELEBRITY_CHANNEL, {"author": author_id})
        await self.timelines.remove_posts(author_id, [post_id])
        if follower_ids is not None:
            for follower_id in follower_ids:
                await self.timelines.remove_posts(follower_id, [post_id])
            return
        async for followers in self._follower_batches(author_id):
            for follower_id in followers:
                await self.timelines.remove_posts(follower_id, [post_id])

    # -- follows -------------------------------------------------------------------------------------
    async def follow_changed(self, viewer_id: int, author_id: int) -> None:
        """After a follow, an approved request, an unfollow, a mute or an unmute commits: merge the author's posts
        into the viewer's timeline or take them out, as the database now says (whether the author is a feed
        source of the viewer: followed and not muted; rule 2: re-read after each write)."""
        self.viewer_changed(viewer_id)
        last_written = None
        for _ in range(MAX_VERIFY_ROUNDS):
            following = await self.ctx.db.read(lambda conn: follows_repo.feeds_from(conn, viewer_id, author_id))
            if following == last_written:
                return
            if following:
                await self._merge_author(viewer_id, author_id)
            else:
                await self._unmerge_author(viewer_id, author_id)
            last_written = following
            self.viewer_changed(viewer_id)
        await self.timelines.drop(viewer_id)

    async def mute_changed(self, muter_id: int, muted_id: int) -> None:
        """After a mute or unmute commits: the muted account's posts leave the muter's timeline, or come back
        if they still follow them. A mute changes nothing else (the follow stays)."""
        await self.follow_changed(muter_id, muted_id)

    async def block_changed(self, a: int, b: int, unfollowed: Iterable[tuple[int, int, int]] = ()) -> None:
        """After a block commits (its write removed the follows and requests both ways): each side's posts leave
        the other's timeline. ``unfollowed``: (follower, followee, followee's follower count now) for each
        follow the block removed, so celebrity crossings are acted on as for an unfollow (rule 4)."""
        for _, followee_id, after in unfollowed:
            self.follower_count_changed(followee_id, after + 1, after)
        await self.follow_changed(a, b)
        await self.follow_changed(b, a)

    async def _merge_author(self, viewer_id: int, author_id: int) -> None:
        def unit(conn: Conn):
            if self.is_celebrity(users_repo.follower_count(conn, author_id) or 0):
                return None  # merged at read time
            # Everything a full timeline could hold, so it keeps its promise of every post above its floor.
            return feed_posts.author_post_ids(conn, author_id, before=None, limit=TIMELINE_MAX_ITEMS, include_unpublished=True)

        posts = await self.ctx.db.read(unit)
        if posts:
            await self.timelines.push([viewer_id], posts)

    async def _unmerge_author(self, viewer_id: int, author_id: int) -> None:
        posts = await self.ctx.db.read(lambda conn: feed_posts.author_post_ids(
            conn, author_id, before=None, limit=TIMELINE_MAX_ITEMS + 1, include_unpublished=True))
        if len(posts) > TIMELINE_MAX_ITEMS:
            await self.timelines.drop(viewer_id)  # too many to pick out: rebuilt on the next read
        else:
            await self.timelines.remove_posts(viewer_id, posts)

    async def forget_timeline(self, viewer_id: int) -> None:
        """Whom the viewer follows changed wholesale (many requests approved at once): rebuild on the next read."""
        self.viewer_changed(viewer_id)
        await self.timelines.drop(viewer_id)

    def viewer_changed(self, viewer_id: int) -> None:
        """Whom this viewer follows changed: every process drops its list of their celebrities."""
        self._drop_viewer(viewer_id)
        self.ctx.broker.publish(TIMELINE_CHANNEL, {"viewer": viewer_id})

    # -- celebrity threshold ---------------------------------------------------------------------------
    def job_handlers(self) -> dict:
        return {"celebrity_demoted": self._demoted_job}

    def count_changing_in(self, conn: Conn, author_id: int, before: int, after: int) -> None:
        """Inside the write unit that changes an author's follower count: a demotion's backfill (rule 4) is a
        durable job committed with the change, so a crash right after the commit cannot lose it."""
        if self.is_celebrity(before) and not self.is_celebrity(after):
            enqueue_in(conn, "celebrity_demoted", {"author_id": author_id}, PRIORITY_FANOUT)

    def follower_count_changed(self, author_id: int, before: int, after: int) -> None:
        """After that commit: crossing the threshold either way changes whom each viewer merges at read time,
        so every process drops its lists of followed celebrities (rule 4)."""
        if self.is_celebrity(before) != self.is_celebrity(after):
            self._clear_viewer_lists()
            self.ctx.broker.publish(TIMELINE_CHANNEL, {"celebrities": True})

    async def _demoted_job(self, payload: dict) -> None:
        await self._demoted(int(payload["author_id"]))

    async def _demoted(self, author_id: int) -> None:
        """No longer merged at read time: the author's recent posts go into every follower's timeline, read
        after the commit that demoted them, then verified per follower as the fan-out does."""
        posts = await self.ctx.db.read(lambda conn: feed_posts.author_post_ids(
            conn, author_id, before=None, limit=TIMELINE_MAX_ITEMS, include_unpublished=True))
        if not posts:
            return
        async for followers in self._follower_batches(author_id):
            await self.timelines.push(followers, posts)
            still = set(await self.ctx.db.read(lambda conn: follows_repo.followers_among(conn, author_id, followers)))
            for follower_id in followers:
                if follower_id not in still:  # unfollowed meanwhile: its own verification may have run already
                    await self.follow_changed(follower_id, author_id)

    # -- accounts ------------------------------------------------------------------------------------
    async def account_deleted(self, user_id: int, post_ids: list[int], follower_ids: list[int],
                              followee_counts: Iterable[tuple[int, int]] = ()) -> None:
        """The account and its follows are gone (run by the durable cleanup job): its timeline, its posts in its
        followers' timelines, and (followee, follower count now) pairs that may have fallen below the threshold."""
        for followee_id, after in followee_counts:
            self.follower_count_changed(followee_id, after + 1, after)
            if self.is_celebrity(after + 1) and not self.is_celebrity(after):
                await self._demoted(followee_id)
        await self.timelines.drop(user_id)
        if post_ids:
            for follower_id in follower_ids:
                await self.timelines.remove_posts(follower_id, post_ids)
        # Its followers no longer follow it (a celebrity among their lists); deletions are rare, so every
        # process drops every list rather than naming each follower.
        self._clear_viewer_lists()
        self._drop_recent(user_id)
        self.ctx.broker.publish(TIMELINE_CHANNEL, {"celebrities": True})
        self.ctx.broker.publish(CELEBRITY_CHANNEL, {"author": user_id})

    # -- caches and messages ---------------------------------------------------------------------------
    def _drop_viewer(self, viewer_id: int) -> None:
        self._drops += 1
        self._viewer_celebrities.discard(viewer_id)

    def _drop_recent(self, author_id: int) -> None:
        self._drops += 1  # always: a load of this list may be in flight
        if author_id in self._recent:  # most authors are no one's celebrity: keep ``celebrity_version`` (and merged pages)
            self._recent.discard(author_id)

    def _clear_viewer_lists(self) -> None:
        self._drops += 1
        self._viewer_celebrities.clear()

    def _clear_caches(self) -> None:
        self._drops += 1
        self._viewer_celebrities.clear()
        self._recent.clear()

    def _on_message(self, message: dict) -> None:
        if "viewer" in message:
            self._drop_viewer(message["viewer"])
        if message.get("celebrities"):
            self._clear_viewer_lists()

    def _on_celebrity_post(self, message: dict) -> None:
        """A celebrity's recent posts changed (in this process or another): drop the cached list; for a
        newly published post, tell the open streams here of users who follow them."""
        author_id = message.get("author")
        if author_id is None:
            return
        self._drop_recent(author_id)
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
