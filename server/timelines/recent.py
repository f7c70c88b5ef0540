"""A celebrity's recent post ids as the timeline manager caches them for merging into feeds."""

from __future__ import annotations

import time
from bisect import bisect_left

from .base import TimelineSlice


class RecentPosts:
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
