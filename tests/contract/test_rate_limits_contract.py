"""One suite for both rate limiters (in-process and Redis), and what only the Redis one does."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

from server.ratelimit.base import LocalRateLimiter
from server.ratelimit.redis import RedisRateLimiter
from server.redislink import RedisLink
from tests.backends.redis import fresh_redis_link


@contextlib.asynccontextmanager
async def redis_limiter():
    async with fresh_redis_link() as link:
        yield RedisRateLimiter(link)


@contextlib.asynccontextmanager
async def local_limiter():
    yield LocalRateLimiter()


@pytest.fixture(params=["memory", "redis"])
async def limiter(request):
    async with {"memory": local_limiter, "redis": redis_limiter}[request.param]() as made:
        yield made


async def test_a_full_bucket_allows_its_size_then_says_how_long_to_wait(limiter):
    assert [await limiter.hit("user:1", 3) for _ in range(3)] == [0, 0, 0]
    wait = await limiter.hit("user:1", 3)
    assert 1 <= wait <= 20  # one token comes back every 20 s at 3 a minute
    assert await limiter.hit("user:2", 3) == 0  # buckets are per key


async def test_the_bucket_refills_over_its_window(limiter):
    assert await limiter.hit("burst", 2, window_seconds=0.2) == 0
    assert await limiter.hit("burst", 2, window_seconds=0.2) == 0
    assert await limiter.hit("burst", 2, window_seconds=0.2) >= 1
    await asyncio.sleep(0.25)
    assert await limiter.hit("burst", 2, window_seconds=0.2) == 0


async def test_hourly_limits_wait_for_minutes_not_seconds(limiter):
    assert await limiter.hit("posts:1", 1, window_seconds=3600) == 0
    assert await limiter.hit("posts:1", 1, window_seconds=3600) > 60


async def test_zero_means_no_limit(limiter):
    assert all([await limiter.hit("free", 0) == 0 for _ in range(50)])


async def test_processes_share_one_bucket():
    async with redis_limiter() as first:
        second = RedisRateLimiter(first.link)  # another process: same Redis, same keys
        assert await first.hit("user:9", 2) == 0
        assert await second.hit("user:9", 2) == 0
        assert await first.hit("user:9", 2) >= 1
        assert await second.hit("user:9", 2) >= 1


async def test_with_redis_down_writes_are_allowed_and_it_is_logged_once(redis_server, caplog):
    link = RedisLink(redis_server.url, timeout_seconds=0.3)
    limiter = RedisRateLimiter(link)
    try:
        assert await limiter.hit("user:1", 1) == 0
        assert await limiter.hit("user:1", 1) >= 1
        redis_server.stop()
        caplog.set_level(logging.WARNING, logger="server.ratelimit.redis")
        assert [await limiter.hit("user:1", 1) for _ in range(5)] == [0] * 5
        assert caplog.text.count("rate limits are not enforced") == 1
    finally:
        await link.close()
