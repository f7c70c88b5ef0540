"""Explore: ranked posts from accounts the viewer does not follow, one session's pages never repeating a post.

**Candidate pools** are built per viewer and kept ``EXPLORE_POOL_SECONDS`` (15 minutes): posts liked or
commented lately by the people whose likes overlap the viewer's, the newest posts under the hashtags the viewer
engages with, and what is popular here lately (one list for every viewer, kept ``POPULAR_CACHE_SECONDS``). A new
account, with nothing engaged yet, gets the popular list alone: the cheap fallback, no per-viewer queries. The
pool is filtered once (``repos/explore.candidate_facts``: published, public, not the viewer's, not followed,
nothing the visibility rule hides, not muted) and ranked by ``explore_ranking``. Posts the viewer already liked,
commented or posted are left out: they have seen them.

**Sessions.** A page's cursor carries the set of post ids the session has shown (sorted, delta-encoded,
compressed): the server keeps no session state, any process can serve the next page, and a later page never
repeats a post even when the pool was rebuilt in between. A session ends after ``SESSION_MAX_POSTS`` posts (the cursor must fit in a URL).

**Invalidation.** A follow or unfollow (``TIMELINE_CHANNEL {"viewer"}``, from the timeline manager) and a block or
mute drop the viewer's pool in every process; a deleted post is left out by the hydrator. A gap in broker
delivery clears every pool.
"""

from __future__ import annotations

import base64
import time
import zlib
from typing import Iterable

from ..broker.base import TIMELINE_CHANNEL
from ..caches import LRUCache
from ..clock import now_ms
from ..context import Context
from ..ids import id_for_time
from ..repos import explore as explore_repo
from ..stores.base import Conn
from ..web.errors import InvalidInput
from . import audience
from .explore_ranking import Candidate, RankedPool, page_of, rank

EXPLORE_POOL_SECONDS = 15 * 60  # a pool is a few ms of queries; a quarter hour keeps it fresh enough for browsing
POOL_CACHE_ITEMS = 20_000  # viewers browsing explore at once; a pool is two arrays of at most 500 ids (8 KB)
POOL_SIZE = 500  # 25 pages of 20: more than one sitting scrolls
CO_ENGAGEMENT_DAYS = 14
TAG_DAYS = 14
POPULAR_DAYS = 7
POPULAR_POOL = 300
POPULAR_CACHE_SECONDS = 300
# The seen set a cursor may carry: 20 pages of 20. Its cursor is ~3.5 KB then (ids are spread over days, so their
# gaps hardly compress), well inside the 8 KB a request line may have.
SESSION_MAX_POSTS = 400
MAX_SESSION_CURSOR_CHARS = 6_000
DAY_MS = 86_400_000


def encode_session(seen: Iterable[int]) -> str:
    """The seen ids as a cursor: sorted, delta-encoded as varints, compressed, base64url."""
    out = bytearray()
    previous = 0
    for post_id in sorted(set(seen)):
        delta = post_id - previous
        previous = post_id
        while True:
            byte = delta & 0x7F
            delta >>= 7
            out.append(byte | (0x80 if delta else 0))
            if not delta:
                break
    return "s" + base64.urlsafe_b64encode(zlib.compress(bytes(out), 9)).decode().rstrip("=")


def decode_session(cursor: str) -> set[int]:
    """The seen ids a cursor carries; a damaged or oversized cursor is a 400."""
    bad = InvalidInput("The cursor is not one this server made.", code="invalid_cursor")
    if len(cursor) > MAX_SESSION_CURSOR_CHARS or not cursor.startswith("s") or not cursor.isascii():
        raise bad
    try:
        packed = base64.b64decode(cursor[1:] + "=" * (-len(cursor[1:]) % 4), altchars=b"-_", validate=True)
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, SESSION_MAX_POSTS * 10 + 1)  # 10 bytes hold any 64-bit varint
        if len(raw) > SESSION_MAX_POSTS * 10 or inflater.unconsumed_tail or not inflater.eof:
            raise bad
    except (ValueError, zlib.error):
        raise bad from None
    seen: set[int] = set()
    value = shift = previous = 0
    for byte in raw:
        value |= (byte & 0x7F) << shift
        shift += 7
        if shift > 63:
            raise bad
        if not byte & 0x80:
            previous += value
            seen.add(previous)
            value = shift = 0
    if shift or len(seen) > SESSION_MAX_POSTS or previous >= 2**63:
        raise bad
    return seen


class Explore:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._pools = LRUCache(POOL_CACHE_ITEMS, ttl=EXPLORE_POOL_SECONDS)
        self._drops = 0  # a pool built from a read that started before a drop is not kept
        self._popular: tuple[float, list[int]] | None = None
        ctx.broker.subscribe(TIMELINE_CHANNEL, self._on_viewer_message)
        ctx.broker.on_reconnect(self.clear)

    # -- invalidation ----------------------------------------------------------------------------------
    def forget_viewer(self, viewer_id: int) -> None:
        """Whom the viewer follows, blocks or mutes changed: rebuild their pool on the next page."""
        self._drops += 1
        self._pools.discard(viewer_id)

    def clear(self) -> None:
        self._drops += 1
        self._pools.clear()
        self._popular = None

    def _on_viewer_message(self, message: dict) -> None:
        if "viewer" in message:
            self.forget_viewer(message["viewer"])

    # -- pages ---------------------------------------------------------------------------------------
    async def page(self, viewer_id: int, cursor: str | None, limit: int) -> tuple[list, str | None]:
        """A page of posts (as ready JSON fragments) and the cursor that continues this session."""
        seen = decode_session(cursor) if cursor else set()
        pool = await self._pool(viewer_id)
        ids, remaining = page_of(pool, seen, limit)
        # Serialized as the feed's hot path does (cached JSON spliced per viewer): a warm page copies no dicts.
        posts = await self.ctx.hydrator.hydrate_json(ids, viewer_id)
        seen.update(ids)
        more = remaining and ids and len(seen) + limit <= SESSION_MAX_POSTS
        return posts, (encode_session(seen) if more else None)

    async def _pool(self, viewer_id: int) -> RankedPool:
        cached = self._pools.get(viewer_id)
        if cached is not None:
            return cached
        drops = self._drops
        popular = await self._popular_ids()
        now = now_ms()
        tag_since = id_for_time((now - TAG_DAYS * DAY_MS) / 1000)

        def unit(conn: Conn):
            engaged = explore_repo.my_engaged_post_ids(conn, viewer_id)
            co: dict[int, float] = {}
            tag_hits: dict[int, set[str]] = {}
            if engaged:  # a new account skips these: the popular list is its cheap fallback
                co = dict(explore_repo.co_engaged_posts(conn, viewer_id, now - CO_ENGAGEMENT_DAYS * DAY_MS, POOL_SIZE))
                my_tags = explore_repo.tags_of(conn, engaged)
                for post_id, tag in explore_repo.posts_with_tags(conn, list(my_tags), tag_since):
                    tag_hits.setdefault(post_id, set()).add(tag)
            already = set(engaged)
            ids = [post_id for post_id in dict.fromkeys([*co, *tag_hits, *popular]) if post_id not in already]
            facts = explore_repo.candidate_facts(conn, viewer_id, ids, audience.explore_visible_sql(viewer_id))
            tags = explore_repo.tag_lists(conn, [row["id"] for row in facts if row["id"] in tag_hits])
            return facts, co, tag_hits, tags

        facts, co, tag_hits, tags = await self.ctx.db.read(unit)
        candidates = [
            Candidate(post_id=row["id"], author_id=row["user_id"], created_at=row["created_at"], like_count=row["like_count"],
                      comment_count=row["comment_count"], author_followers=row["follower_count"],
                      co_engagement=co.get(row["id"], 0.0),
                      tag_share=len(tag_hits.get(row["id"], ())) / max(1, len(tags.get(row["id"], ()))))
            for row in facts
        ]
        pool = RankedPool(rank(candidates, now)[:POOL_SIZE])
        if pool and drops == self._drops:  # an empty pool (a new server) is not kept: the first posts show at once
            self._pools.set(viewer_id, pool)
        return pool

    async def _popular_ids(self) -> list[int]:
        """What is popular here lately: one list for every viewer, reloaded every ``POPULAR_CACHE_SECONDS``."""
        if self._popular is not None and time.monotonic() - self._popular[0] < POPULAR_CACHE_SECONDS:
            return self._popular[1]
        since = id_for_time((now_ms() - POPULAR_DAYS * DAY_MS) / 1000)
        ids = await self.ctx.db.read(lambda conn: explore_repo.popular_post_ids(conn, since, POPULAR_POOL))
        if ids:
            self._popular = (time.monotonic(), ids)
        return ids
