"""The home-timeline seam: per-user lists of post ids, newest first, capped.

A timeline is a cache of a query (the posts of the people a user follows), so it may be missing —
*cold* — at any time: after a restart, after eviction, for a user nobody has asked about yet. Readers
rebuild a cold timeline from the database and ``store`` it; writers ``push`` into *warm* timelines only,
because pushing one post into a cold timeline would make a partial timeline look complete.

Each warm timeline carries a ``floor``: it holds every feed post whose id is at least the floor (0 means
its owner's whole feed). Trimming to the cap raises the floor; pushes of ids below the floor are ignored,
and readers who page below it fall back to the database. That keeps paging gap-free.

The shape follows Redis sorted sets (ZREVRANGEBYSCORE, ZADD, ZREM, a version key for write-back), so
the Redis implementation is a straight translation.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol, Sequence

# A page is 20 posts, so 600 ids are 30 pages: more than anyone scrolls in a session, while a full
# timeline stays at 4.8 KB of ids. Readers who go further are served from the database.
TIMELINE_MAX_ITEMS = 600


class TimelineSlice(NamedTuple):  # a tuple: made on every feed read, and a tuple is the cheapest to make
    post_ids: list[int]  # newest first, each below the ``before`` asked for
    floor: int  # every feed post with an id >= floor is in the timeline; 0: the whole feed is


class Timelines(Protocol):
    async def open(self) -> None:
        """Connect (Redis loads its scripts); nothing to do in process."""

    async def read(self, user_id: int, *, before: int | None, limit: int) -> TimelineSlice | None:
        """Up to ``limit`` ids below ``before`` (None: from the newest); None when the timeline is cold."""

    async def begin_rebuild(self, user_id: int) -> int:
        """Start rebuilding a cold timeline; the token makes ``store`` refuse if anything changed meanwhile."""

    async def store(self, user_id: int, post_ids: Sequence[int], *, floor: int, token: int) -> bool:
        """Write back a rebuilt timeline (any order; capped); False if a push or removal raced the rebuild."""

    async def push(self, user_ids: Sequence[int], post_ids: Sequence[int]) -> int:
        """Add posts to each of these users' warm timelines (cold ones are skipped); returns how many were warm."""

    async def remove_posts(self, user_id: int, post_ids: Sequence[int]) -> None:
        """Take posts out of one user's timeline (unfollow, deleted post)."""

    async def drop(self, user_id: int) -> None:
        """Forget a user's timeline: it is rebuilt on the next read."""

    async def ping(self) -> None:
        """Raise if the store cannot answer."""
