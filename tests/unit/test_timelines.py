"""What only the in-memory timelines do (bounded users, compact arrays), and the feed's merge of slices.

The behaviour every implementation shares is in tests/contract/test_timelines_contract.py."""

from __future__ import annotations

from server.services.feed import merge_slices
from server.timelines.base import TIMELINE_MAX_ITEMS, TimelineSlice
from server.timelines.memory import MemoryTimelines


async def warm(timelines: MemoryTimelines, user_id: int, ids, floor: int = 0) -> None:
    token = await timelines.begin_rebuild(user_id)
    assert await timelines.store(user_id, ids, floor=floor, token=token)


def test_cap_is_in_the_promised_range():
    assert 500 <= TIMELINE_MAX_ITEMS <= 800


async def test_least_recently_read_timelines_go_cold_first():
    timelines = MemoryTimelines(max_users=2)
    await warm(timelines, 1, [1])
    await warm(timelines, 2, [2])
    await timelines.read(1, before=None, limit=1)
    await warm(timelines, 3, [3])
    assert await timelines.read(2, before=None, limit=1) is None
    assert (await timelines.read(1, before=None, limit=1)).post_ids == [1]  # still warm
    assert len(timelines) == 2


async def test_timelines_hold_compact_arrays():
    timelines = MemoryTimelines()
    await warm(timelines, 1, range(1, 601))
    stored = timelines._warm[1].ids
    assert stored.itemsize == 8 and len(stored) == 600


def test_merge_dedups_and_orders_newest_first():
    ids, floor = merge_slices([TimelineSlice([9, 7, 5], 0), TimelineSlice([8, 7, 1], 0)], limit=10)
    assert ids == [9, 8, 7, 5, 1] and floor == 0


def test_merge_stops_at_the_floor_of_an_exhausted_slice():
    # The timeline vouches only down to 6: celebrity post 4 might have timeline posts above it missing.
    ids, floor = merge_slices([TimelineSlice([9, 6], 6), TimelineSlice([8, 4], 0)], limit=5)
    assert ids == [9, 8, 6] and floor == 6


def test_merge_trusts_a_full_slice():
    ids, floor = merge_slices([TimelineSlice([9, 8], 5), TimelineSlice([7], 0)], limit=2)
    assert ids == [9, 8] and floor == 0
