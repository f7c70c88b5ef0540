"""Home timelines kept in this process: for the one-process deployment and for tests.

Each warm timeline is an ``array('q')`` of post ids in ascending order (8 bytes an id, appends at the
end in the common case of a new post), and the set of warm timelines is an LRU bounded in users, so
memory stays bounded however many accounts exist; an evicted timeline is simply cold and rebuilt on
its next read. Every method runs without awaiting, so each is atomic on the event loop.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import OrderedDict
from typing import Sequence

from .base import TIMELINE_MAX_ITEMS, TimelineSlice

# At most 4.8 KB of ids per full timeline, so 50,000 users are ~250 MB at worst; most hold far fewer.
MAX_WARM_USERS = 50_000
# Rebuilds in flight; bounded so a reader that died mid-rebuild cannot leak entries.
MAX_REBUILDS_IN_FLIGHT = 10_000
_RACED = 0  # a rebuild token no caller holds: the rebuild saw a change and must not be stored


class _Timeline:
    __slots__ = ("ids", "floor")

    def __init__(self, ids: array, floor: int) -> None:
        self.ids = ids
        self.floor = floor

    def add(self, post_ids: Sequence[int], cap: int) -> None:
        ids = self.ids
        if len(post_ids) == 1:
            post_id = post_ids[0]
            if post_id < self.floor:
                return  # below what this timeline vouches for: readers get it from the database
            at = bisect_left(ids, post_id)
            if at < len(ids) and ids[at] == post_id:
                return
            ids.insert(at, post_id)
        else:
            fresh = [post_id for post_id in post_ids if post_id >= self.floor]
            if not fresh:
                return
            self.ids = ids = array("q", sorted(set(ids).union(fresh)))
        self.trim(cap)

    def trim(self, cap: int) -> None:
        excess = len(self.ids) - cap
        if excess > 0:
            del self.ids[:excess]
            self.floor = self.ids[0]


class MemoryTimelines:
    def __init__(self, max_users: int = MAX_WARM_USERS, max_items: int = TIMELINE_MAX_ITEMS) -> None:
        self.max_users = max_users
        self.max_items = max_items
        self._warm: OrderedDict[int, _Timeline] = OrderedDict()
        self._rebuilding: OrderedDict[int, int] = OrderedDict()
        self._tokens = 0

    def __len__(self) -> int:
        return len(self._warm)

    async def open(self) -> None:
        """Nothing to connect: the timelines live in this process."""

    async def read(self, user_id: int, *, before: int | None, limit: int) -> TimelineSlice | None:
        timeline = self._warm.get(user_id)
        if timeline is None:
            return None
        self._warm.move_to_end(user_id)  # reads, not pushes, keep a timeline warm
        ids = timeline.ids
        end = len(ids) if before is None else bisect_left(ids, before)
        page = ids[max(0, end - limit):end].tolist()
        page.reverse()
        return TimelineSlice(page, timeline.floor)

    async def begin_rebuild(self, user_id: int) -> int:
        self._tokens += 1
        self._rebuilding[user_id] = self._tokens
        self._rebuilding.move_to_end(user_id)
        while len(self._rebuilding) > MAX_REBUILDS_IN_FLIGHT:
            self._rebuilding.popitem(last=False)
        return self._tokens

    async def store(self, user_id: int, post_ids: Sequence[int], *, floor: int, token: int) -> bool:
        if self._rebuilding.get(user_id) != token:
            return False
        del self._rebuilding[user_id]
        timeline = _Timeline(array("q", sorted({post_id for post_id in post_ids if post_id >= floor})), floor)
        timeline.trim(self.max_items)
        self._warm[user_id] = timeline
        self._warm.move_to_end(user_id)
        while len(self._warm) > self.max_users:
            self._warm.popitem(last=False)
        return True

    async def push(self, user_ids: Sequence[int], post_ids: Sequence[int]) -> int:
        if not post_ids:
            return 0
        post_ids = sorted(set(post_ids))
        warm = self._warm
        rebuilding = self._rebuilding
        cap = self.max_items
        pushed = 0
        for user_id in user_ids:
            if rebuilding and user_id in rebuilding:
                rebuilding[user_id] = _RACED
            timeline = warm.get(user_id)
            if timeline is not None:
                timeline.add(post_ids, cap)
                pushed += 1
        return pushed

    async def remove_posts(self, user_id: int, post_ids: Sequence[int]) -> None:
        if user_id in self._rebuilding:
            self._rebuilding[user_id] = _RACED
        timeline = self._warm.get(user_id)
        if timeline is None or not post_ids:
            return
        gone = set(post_ids)
        if any(post_id in gone for post_id in timeline.ids):
            timeline.ids = array("q", [post_id for post_id in timeline.ids if post_id not in gone])

    async def drop(self, user_id: int) -> None:
        if user_id in self._rebuilding:
            self._rebuilding[user_id] = _RACED
        self._warm.pop(user_id, None)

    async def ping(self) -> None:
        return None
