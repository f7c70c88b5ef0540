"""What only the Redis timelines do: survive outages without a wrong feed, expire, and stay compact.

These tests run their own throwaway redis-server so they can stop and restart it.
"""

from __future__ import annotations

import logging

import pytest

from server.ids import IdGenerator
from server.redislink import RedisLink
from server.timelines.base import TIMELINE_MAX_ITEMS
from server.timelines.redis import TIMELINE_IDLE_TTL_MS, RedisTimelines

ids = IdGenerator(shard=4)


@pytest.fixture
async def timelines(redis_server):
    link = RedisLink(redis_server.url, timeout_seconds=0.5)
    await link.open()
    yield RedisTimelines(link)
    await link.close()


async def warm(timelines, user_id, post_ids):
    token = await timelines.begin_rebuild(user_id)
    assert await timelines.store(user_id, post_ids, floor=0, token=token)


async def test_while_redis_is_down_reads_miss_and_writes_are_dropped(redis_server, timelines):
    await warm(timelines, 1, [ids.next_id()])
    redis_server.stop()
    assert await timelines.read(1, before=None, limit=10) is None  # the feed rebuilds from the database
    assert await timelines.push([1], [ids.next_id()]) == 0
    assert await timelines.begin_rebuild(2) == 0
    assert not await timelines.store(2, [ids.next_id()], floor=0, token=0)
    with pytest.raises(ConnectionError):
        await timelines.ping()
    assert not timelines.link.healthy


async def test_after_an_outage_every_timeline_is_rebuilt_once(redis_server, timelines):
    """A push lost during the outage must not leave a timeline that looks complete but misses a post."""
    first, second = ids.next_id(), ids.next_id()
    await warm(timelines, 1, [first])
    blocked = redis_server.client()
    # Redis keeps its data but does not answer: longer than the timeout and its one retry together (2 × 0.5 s),
    # with room to spare on a loaded machine, so the push is surely lost.
    blocked.client_pause(3_000, all=True)
    try:
        assert await timelines.push([1], [second]) == 0  # timed out: lost
    finally:
        blocked.close()
    while not timelines.link.healthy:
        try:
            await timelines.ping()
        except ConnectionError:
            pass
    assert await timelines.read(1, before=None, limit=10) is None  # cold: rebuilt, so it will hold `second`
    await warm(timelines, 1, [first, second])
    assert (await timelines.read(1, before=None, limit=10)).post_ids == [second, first]


async def test_a_restart_without_persistence_is_just_cold_timelines(redis_server, timelines):
    await warm(timelines, 1, [ids.next_id()])
    redis_server.stop()
    redis_server.start()
    assert await timelines.read(1, before=None, limit=10) is None  # the link reconnects without help
    await warm(timelines, 1, [])
    assert (await timelines.read(1, before=None, limit=10)).post_ids == []  # warm and empty, not cold


async def test_timelines_expire_when_idle_and_reads_renew_them(redis_server, timelines):
    await warm(timelines, 1, [ids.next_id()])
    client = redis_server.client()
    key = timelines.link.key("tl", 1)
    client.pexpire(key, 60_000)
    await timelines.read(1, before=None, limit=1)
    assert client.pttl(key) > TIMELINE_IDLE_TTL_MS - 60_000
    client.close()


async def test_a_full_timeline_stays_a_compact_listpack(redis_server, timelines, caplog):
    caplog.set_level(logging.WARNING)
    await timelines.open()  # the throwaway server is configured as docs/redis.md recommends
    assert "zset-max-listpack-entries" not in caplog.text
    await warm(timelines, 1, [ids.next_id() for _ in range(TIMELINE_MAX_ITEMS)])
    client = redis_server.client()
    key = timelines.link.key("tl", 1)
    assert client.object("encoding", key) == b"listpack"
    assert client.memory_usage(key) < 16 * 1024  # ~20 bytes a post
    client.config_set("zset-max-listpack-entries", 128)
    await timelines.open()
    assert "zset-max-listpack-entries is 128" in caplog.text
    client.close()


async def test_reads_renew_the_expiry_at_most_once_a_day_and_never_below_the_idle_ttl(redis_server, timelines):
    from server.timelines.redis import TTL_RENEW_STEP_MS

    await warm(timelines, 1, [ids.next_id()])
    client = redis_server.client()
    key = timelines.link.key("tl", 1)
    assert client.pttl(key) > TIMELINE_IDLE_TTL_MS  # stored with the step on top
    client.pexpire(key, TIMELINE_IDLE_TTL_MS + 1_000_000)
    await timelines.read(1, before=None, limit=1)
    assert TIMELINE_IDLE_TTL_MS < client.pttl(key) <= TIMELINE_IDLE_TTL_MS + 1_000_000  # not renewed: no write
    client.pexpire(key, TIMELINE_IDLE_TTL_MS - 1_000)
    await timelines.read(1, before=None, limit=1)
    assert client.pttl(key) > TIMELINE_IDLE_TTL_MS + TTL_RENEW_STEP_MS - 60_000
    client.close()


async def test_reads_work_after_redis_forgot_its_scripts(redis_server, timelines):
    first, second = ids.next_id(), ids.next_id()
    await warm(timelines, 1, [first, second])
    client = redis_server.client()
    client.script_flush()
    assert (await timelines.read(1, before=None, limit=10)).post_ids == [second, first]
    assert (await timelines.read(1, before=second, limit=10)).post_ids == [first]
    client.close()
