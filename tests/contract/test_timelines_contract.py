"""One suite for every Timelines implementation: in-process memory and Redis (a real server)."""

from __future__ import annotations

import contextlib

import pytest

from server.ids import IdGenerator
from server.timelines.base import TIMELINE_MAX_ITEMS, TimelineSlice

ids = IdGenerator(shard=3)


@contextlib.asynccontextmanager
async def memory_timelines(max_items: int):
    from server.timelines.memory import MemoryTimelines

    yield MemoryTimelines(max_items=max_items)


@contextlib.asynccontextmanager
async def redis_timelines(max_items: int):
    from server.timelines.redis import RedisTimelines
    from tests.backends.redis import fresh_redis_link

    async with fresh_redis_link() as link:
        timelines = RedisTimelines(link, max_items=max_items)
        await timelines.open()
        yield timelines


@pytest.fixture(params=["memory", "redis"])
def make_timelines(request):
    """``async with make_timelines(max_items=…) as timelines``: a fresh, empty store."""
    factory = {"memory": memory_timelines, "redis": redis_timelines}[request.param]
    return lambda max_items=TIMELINE_MAX_ITEMS: factory(max_items)


@pytest.fixture
async def timelines(make_timelines):
    async with make_timelines() as store:
        yield store


async def warm(timelines, user_id: int, post_ids, floor: int = 0) -> None:
    token = await timelines.begin_rebuild(user_id)
    assert await timelines.store(user_id, post_ids, floor=floor, token=token)


async def newest(timelines, user_id: int, limit: int = 1000):
    page = await timelines.read(user_id, before=None, limit=limit)
    return None if page is None else page.post_ids


def post_ids(count: int) -> list[int]:
    """Real ids, ascending: many share a millisecond, as a burst of posts does."""
    return [ids.next_id() for _ in range(count)]


async def test_a_cold_timeline_is_a_miss_and_an_empty_one_is_not(timelines):
    assert await timelines.read(1, before=None, limit=20) is None
    await warm(timelines, 1, [])
    assert await timelines.read(1, before=None, limit=20) == TimelineSlice([], 0)


async def test_reads_are_newest_first_and_pages_are_keyed_by_id(timelines):
    a, b, c, d, e = post_ids(5)
    await warm(timelines, 1, [c, a, e, b, d])
    assert (await timelines.read(1, before=None, limit=3)).post_ids == [e, d, c]
    assert (await timelines.read(1, before=c, limit=3)).post_ids == [b, a]
    assert (await timelines.read(1, before=a, limit=3)).post_ids == []


async def test_order_matches_ids_exactly_within_and_across_milliseconds(timelines):
    burst = post_ids(300)  # several hundred ids inside a few milliseconds
    spread = [post_id + (step << 30) for step, post_id in enumerate(post_ids(50))]  # over many milliseconds
    everything = sorted(burst + spread)
    await warm(timelines, 1, list(reversed(everything)))
    assert await newest(timelines, 1) == everything[::-1]
    pages, before = [], None
    while True:  # paging in small steps lands cursors inside shared milliseconds
        page = (await timelines.read(1, before=before, limit=7)).post_ids
        if not page:
            break
        pages += page
        before = page[-1]
    assert pages == everything[::-1]


async def test_push_reaches_warm_timelines_only(timelines):
    old, new = post_ids(2)
    await warm(timelines, 1, [old])
    assert await timelines.push([1, 2], [new]) == 1
    assert await newest(timelines, 1) == [new, old]
    assert await timelines.read(2, before=None, limit=10) is None  # still cold: a rebuild will find it


async def test_push_is_idempotent_and_keeps_order_for_late_arrivals(timelines):
    p5, p10, p20, p30, p40 = post_ids(5)
    await warm(timelines, 1, [p10, p30])
    await timelines.push([1], [p20])
    await timelines.push([1], [p20])
    await timelines.push([1], [p40, p5, p30])
    assert await newest(timelines, 1) == [p40, p30, p20, p10, p5]


async def test_trimming_to_the_cap_raises_the_floor_and_older_pushes_are_ignored(make_timelines):
    p15, p20, p25, p30, p40 = post_ids(5)
    async with make_timelines(max_items=3) as timelines:
        await warm(timelines, 1, [p20, p25, p30])
        await timelines.push([1], [p40])
        page = await timelines.read(1, before=None, limit=10)
        assert page.post_ids == [p40, p30, p25] and page.floor == p25
        await timelines.push([1], [p15])  # below the floor: the database serves it to readers who go that far
        assert await newest(timelines, 1) == [p40, p30, p25]


async def test_a_rebuild_longer_than_the_cap_is_trimmed(make_timelines):
    all_ids = post_ids(5)
    async with make_timelines(max_items=3) as timelines:
        await warm(timelines, 1, all_ids, floor=0)
        page = await timelines.read(1, before=None, limit=10)
        assert page.post_ids == all_ids[:1:-1] and page.floor == all_ids[2]


async def test_the_cap_holds_under_many_pushes(make_timelines):
    async with make_timelines(max_items=TIMELINE_MAX_ITEMS) as timelines:
        await warm(timelines, 1, [])
        pushed = post_ids(TIMELINE_MAX_ITEMS + 50)
        for start in range(0, len(pushed), 100):
            await timelines.push([1], pushed[start:start + 100])
        page = await timelines.read(1, before=None, limit=10_000)
        assert page.post_ids == pushed[::-1][:TIMELINE_MAX_ITEMS] and page.floor == pushed[50]


async def test_a_stored_floor_is_kept_and_ids_below_it_are_dropped(timelines):
    a, b, c = post_ids(3)
    await warm(timelines, 1, [a, b, c], floor=b)
    page = await timelines.read(1, before=None, limit=10)
    assert page.post_ids == [c, b] and page.floor == b


async def test_remove_posts_and_drop(timelines):
    a, b, c, unknown = post_ids(4)
    await warm(timelines, 1, [a, b, c])
    await timelines.remove_posts(1, [b, unknown])
    assert await newest(timelines, 1) == [c, a]
    await timelines.remove_posts(1, [a, c])
    assert await newest(timelines, 1) == []  # warm and empty, not cold
    await timelines.drop(1)
    assert await timelines.read(1, before=None, limit=10) is None


@pytest.mark.parametrize("change", ["push", "remove", "drop"])
async def test_a_rebuild_that_raced_a_change_is_not_stored(timelines, change):
    a, b, c = post_ids(3)
    token = await timelines.begin_rebuild(1)
    if change == "push":
        await timelines.push([1], [c])
    elif change == "remove":
        await timelines.remove_posts(1, [a])
    else:
        await timelines.drop(1)
    assert not await timelines.store(1, [a, b], floor=0, token=token)
    assert await timelines.read(1, before=None, limit=10) is None  # the next reader rebuilds from fresh data


async def test_of_two_overlapping_rebuilds_only_the_last_is_stored(timelines):
    a, b = post_ids(2)
    first = await timelines.begin_rebuild(1)
    second = await timelines.begin_rebuild(1)
    assert not await timelines.store(1, [a], floor=0, token=first)
    assert await timelines.store(1, [a, b], floor=0, token=second)
    assert await newest(timelines, 1) == [b, a]


async def test_fanout_pushes_a_whole_batch_of_followers_at_once(timelines):
    followers = list(range(100, 1_600))  # more than one fan-out batch of the feed service
    warm_ones = followers[::3]
    for follower in warm_ones:
        await warm(timelines, follower, [])
    [post] = post_ids(1)
    assert await timelines.push(followers, [post]) == len(warm_ones)
    for follower in followers[:30]:
        assert await newest(timelines, follower) == ([post] if follower in warm_ones else None)


async def test_the_store_answers_ping(timelines):
    await timelines.ping()
