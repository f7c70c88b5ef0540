"""Reading feeds: the home timeline (own posts and followees', celebrities merged in) and profiles.

Home: the viewer's timeline (from the timeline manager, which populates a cold one), merged with the
recent posts of the celebrities they follow, deduplicated, newest first. Pages are keyed by the last
post id, so a page never repeats or skips a post when new ones arrive. Readers who page below what
the timeline and the celebrity lists vouch for are served from the database. This service only reads:
every write to a timeline and every cache drop is the manager's (server/timelines/manager.py).

Visibility: a post is shown to others once it is published (delivered by the fan-out); its author sees it
at once, in their feed and on their profile. The hydrator leaves out what the viewer may not see.
"""

from __future__ import annotations

import heapq
import time

from ..caches import LRUCache
from ..context import Context
from ..repos import feed_posts
from ..repos import follows as follows_repo
from ..stores.base import Conn
from ..timelines.base import TimelineSlice
from ..web.errors import Forbidden
from ..web.http import encode_cursor

# Viewers whose merged top page (timeline + followed celebrities) is kept; see ``Feed._top_ids``.
TOP_PAGES_ITEMS = 50_000


def merge_slices(slices: list[TimelineSlice], limit: int) -> tuple[list[int], int]:
    """The newest ``limit`` distinct ids the slices vouch for, and the floor below which they do not.

    A slice that returned ``limit`` ids is right about everything above its last one; a shorter slice
    is exhausted, and right only down to its floor. So the merge is exact above the highest floor of
    the exhausted slices, and the caller fills the rest from the database.
    """
    if len(slices) == 1:  # no celebrities followed: the timeline is already in order and distinct
        only = slices[0]
        page = only.post_ids[:limit]
        floor = only.floor if len(only.post_ids) < limit else 0
        return [post_id for post_id in page if post_id >= floor], floor
    floor = max((s.floor for s in slices if len(s.post_ids) < limit), default=0)
    out: list[int] = []
    last = None
    for post_id in heapq.merge(*(s.post_ids for s in slices), reverse=True):
        if post_id < floor or len(out) == limit:
            break
        if post_id != last:
            out.append(post_id)
            last = post_id
    return out, floor


class Feed:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        # The top of the feed is what is reloaded most; merging in the followed celebrities' lists is
        # most of its cost, so each viewer's merged top page is kept and reused while its sources are
        # unchanged (checked on every read: no staleness).
        self._tops = LRUCache(TOP_PAGES_ITEMS)

    async def home(self, viewer_id: int, before: int | None, limit: int, *, serialized: bool = False) -> tuple[list, int | None]:
        """A page of the home feed and the id to continue below (None at the end).

        ``serialized`` returns the posts as ready JSON fragments (the HTTP path) instead of dicts.
        """
        ids = await self.home_ids(viewer_id, before, limit)
        hydrator = self.ctx.hydrator
        if serialized:
            posts = await hydrator.hydrate_json(ids, viewer_id)
        else:
            posts = await hydrator.hydrate(ids, viewer_id, feed=True)
        return posts, (ids[-1] if len(ids) == limit else None)

    async def top_page_body(self, viewer_id: int, limit: int) -> bytes:
        """The top of the home feed as a ready response body, ``{"posts":[…],"next_cursor":…}``.

        The page reloaded most: the body is kept whole and reused while nothing on it changed (see
        ``PostHydrator.page_body``), so a warm reload copies no JSON at all.
        """
        ids = await self.home_ids(viewer_id, None, limit)
        next_cursor = encode_cursor(ids[-1]) if len(ids) == limit else None
        return await self.ctx.hydrator.page_body(ids, viewer_id, next_cursor)

    async def home_ids(self, viewer_id: int, before: int | None, limit: int) -> list[int]:
        """The page's post ids. The list returned may be shared with a cache: callers do not change it."""
        manager = self.ctx.timeline_manager
        timeline = await manager.read(viewer_id, before, limit)
        celebrities = await manager.followed_celebrities(viewer_id)
        if not celebrities:
            slices = [timeline]
        else:
            if before is None:
                top = self._tops.get(viewer_id)
                if (top is not None and top[0] is celebrities and top[1] == manager.celebrity_version
                        and top[2] == timeline.post_ids and top[3] == timeline.floor and top[4] == limit
                        and time.monotonic() < top[5]):
                    return top[6]
            version = manager.celebrity_version
            celebrity_slices, trusted_until = await manager.celebrity_page(celebrities, before, limit)
            slices = [timeline, *celebrity_slices]
        ids, floor = merge_slices(slices, limit)
        if len(ids) < limit and floor > 0:
            bound = floor if before is None else min(floor, before)
            wanted = limit - len(ids)
            ids += await self.ctx.db.read(lambda conn: self._older_in(conn, viewer_id, bound, wanted))
        elif celebrities and before is None and version == manager.celebrity_version:
            # The merge is a pure function of the timeline's page, the viewer's celebrity list (replaced
            # on a follow or unfollow) and the celebrities' cached lists (any change bumps the version;
            # each may be trusted until ``trusted_until``): while all are the same, so is the page.
            self._tops.set(viewer_id, (celebrities, version, timeline.post_ids, timeline.floor, limit, trusted_until, ids))
        return ids

    async def profile(self, viewer_id: int, ref: str, before: int | None, limit: int) -> tuple[dict, list[dict], int | None]:
        """The user, a page of their posts (newest first) and the id to continue below."""
        view = await self.ctx.follows.lookup(viewer_id, ref)
        if not view.may_view:
            raise Forbidden("This account is private: follow it and wait for approval to see its posts.", code="private_account")
        own = view.user_id == viewer_id
        ids = await self.ctx.db.read(lambda conn: feed_posts.author_post_ids(
            conn, view.user_id, before=before, limit=limit + 1, include_unpublished=own))
        posts = await self.ctx.hydrator.hydrate(ids[:limit], viewer_id)
        return view.user, posts, (ids[limit - 1] if len(ids) > limit else None)

    @staticmethod
    def _older_in(conn: Conn, viewer_id: int, before: int, limit: int) -> list[int]:
        """Older feed posts straight from the database: every followee's (celebrities too) and the viewer's own."""
        authors = [user_id for user_id, _ in follows_repo.followees_with_counts(conn, viewer_id)]
        return feed_posts.newest_post_ids(conn, [*authors, viewer_id], before=before, limit=limit)
