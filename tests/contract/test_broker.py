"""Messages between processes over Redis pub/sub, and the caches that listen to them."""

from __future__ import annotations

import asyncio

import pytest

from server.broker.base import CACHE_CHANNEL, NOTIFY_CHANNEL, LocalBroker
from server.broker.redis import RedisBroker
from server.redislink import RedisLink
from server.services.hydrate import PostHydrator

DELIVERY_TIMEOUT_SECONDS = 5


async def eventually(condition) -> None:
    async def wait():
        while not condition():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(wait(), DELIVERY_TIMEOUT_SECONDS)


@pytest.fixture
async def processes(redis_server):
    """Two processes' brokers on one Redis."""
    links = [RedisLink(redis_server.url, timeout_seconds=0.5) for _ in range(2)]
    brokers = [RedisBroker(link) for link in links]
    yield brokers
    for broker, link in zip(brokers, links):
        await broker.close()
        await link.close()


async def start(*brokers) -> None:
    for broker in brokers:
        await broker.start()
    for broker in brokers:
        await asyncio.wait_for(broker.listening.wait(), DELIVERY_TIMEOUT_SECONDS)


async def test_a_message_reaches_every_process_once(processes):
    a, b = processes
    heard = {"a": [], "b": []}
    a.subscribe(NOTIFY_CHANNEL, heard["a"].append)
    b.subscribe(NOTIFY_CHANNEL, heard["b"].append)
    await start(a, b)
    a.publish(NOTIFY_CHANNEL, {"user": 7})
    await eventually(lambda: heard["b"] == [{"user": 7}])
    # Redis delivers in publish order: once `a` hears b's marker, its own echo of the first message
    # has come in before it (and must have been skipped), so no waiting on a clock is needed.
    b.publish(NOTIFY_CHANNEL, {"marker": 1})
    await eventually(lambda: {"marker": 1} in heard["a"])
    assert heard["a"] == [{"user": 7}, {"marker": 1}]  # delivered to itself directly, and its Redis echo skipped


async def test_a_forget_in_one_process_empties_the_others_cache(processes):
    a, b = processes
    here, there = PostHydrator(None, a, shared=True), PostHydrator(None, b, shared=True)
    await start(a, b)
    there.posts.set(42, {"caption": "old"})
    there.users.set(5, {"username": "old"})
    here.forget_post(42)
    here.forget_user(5)
    await eventually(lambda: 42 not in there.posts and 5 not in there.users)


async def test_after_a_gap_in_delivery_caches_are_dropped(processes, redis_server):
    a, b = processes
    there = PostHydrator(None, b, shared=True)
    await start(a, b)
    there.posts.set(1, {"caption": "may be stale"})
    redis_server.stop()  # whatever is published now is lost
    await eventually(lambda: not b.listening.is_set())
    a.publish(CACHE_CHANNEL, {"post": 1})  # no error: dropped
    redis_server.start()
    await asyncio.wait_for(b.listening.wait(), DELIVERY_TIMEOUT_SECONDS)
    assert 1 not in there.posts


async def test_a_published_message_waits_for_no_one_when_redis_is_down(processes, redis_server):
    a, _ = processes
    await start(a)
    redis_server.stop()
    for n in range(100):
        a.publish(CACHE_CHANNEL, {"post": n})  # returns at once; sent or dropped by the sender task


async def test_the_local_broker_delivers_in_process():
    broker = LocalBroker()
    await broker.start()
    heard = []
    broker.subscribe(NOTIFY_CHANNEL, heard.append)
    broker.publish(NOTIFY_CHANNEL, {"user": 1})
    await asyncio.to_thread(broker.publish_threadsafe, NOTIFY_CHANNEL, {"user": 2})  # as an after-commit callback does
    await eventually(lambda: heard == [{"user": 1}, {"user": 2}])
