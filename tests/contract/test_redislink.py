"""The Redis link's circuit: fail fast while Redis is away, probe after a backoff, recover by itself."""

from __future__ import annotations

import pytest

from server.metrics import Metrics
from server.redislink import BACKOFF_FIRST_SECONDS, RedisLink, RedisUnavailable, split_url
from tests.clocks import ManualClock


def test_the_prefix_is_ours_and_the_rest_of_the_url_is_redis_pys():
    assert split_url("redis://h:6379/2?prefix=fam:&health_check_interval=5") == ("redis://h:6379/2?health_check_interval=5", "fam:")
    assert split_url("redis://h:6379/0") == ("redis://h:6379/0", "photoshare:")


async def test_calls_fail_fast_while_the_circuit_is_open_and_recover_after_the_backoff(redis_server):
    clock, metrics = ManualClock(1_000.0), Metrics()
    link = RedisLink(redis_server.url, timeout_seconds=0.5, metrics=metrics, clock=clock)
    recovered = []

    async def hook(client):
        recovered.append(await client.ping())

    link.on_recovery(hook)
    try:
        await link.run(lambda client: client.set(link.key("k"), 1))
        redis_server.stop()
        with pytest.raises(RedisUnavailable):
            await link.run(lambda client: client.get(link.key("k")))
        errors = metrics.counters[("redis_errors_total", ())]
        for _ in range(50):  # inside the backoff: no connection attempt at all
            with pytest.raises(RedisUnavailable):
                await link.run(lambda client: client.get(link.key("k")))
        assert metrics.counters[("redis_errors_total", ())] == errors
        assert metrics.gauges["redis_up"] == 0 and not link.healthy

        redis_server.start()
        with pytest.raises(RedisUnavailable):  # still inside the backoff: not even tried
            await link.run(lambda client: client.ping())
        clock.now += BACKOFF_FIRST_SECONDS
        assert await link.run(lambda client: client.ping())  # the probe, then the recovery hook, then the call
        assert recovered == [True] and link.healthy and metrics.gauges["redis_up"] == 1
    finally:
        await link.close()


async def test_healthz_probes_at_once_even_inside_the_backoff(redis_server):
    clock = ManualClock(1_000.0)
    link = RedisLink(redis_server.url, timeout_seconds=0.5, clock=clock)
    try:
        redis_server.stop()
        with pytest.raises(RedisUnavailable):
            await link.ping()
        redis_server.start()
        await link.ping()
        assert link.healthy
    finally:
        await link.close()


async def test_a_server_that_starts_while_redis_is_down_still_starts(redis_server):
    redis_server.stop()
    link = RedisLink(redis_server.url, timeout_seconds=0.3)
    try:
        await link.open()  # logs, does not raise
        assert not link.healthy
    finally:
        await link.close()


async def test_calls_in_one_loop_turn_share_one_pipeline_and_keep_their_own_replies_and_errors(redis_server):
    import asyncio

    from redis.exceptions import ResponseError

    link = RedisLink(redis_server.url, timeout_seconds=0.5)
    try:
        await link.run(lambda client: client.set(link.key("a"), "1"))
        before = (await link.run(lambda client: client.info("stats")))["total_connections_received"]
        calls = [link.call("GET", link.key("a")), link.call("INCR", link.key("n")), link.call("LPUSH", link.key("a"), "x"),
                 link.call("GET", link.key("missing"))]
        replies = await asyncio.gather(*calls, return_exceptions=True)
        assert replies[0] == b"1" and replies[1] == 1 and replies[3] is None
        assert isinstance(replies[2], ResponseError)  # WRONGTYPE, for that caller only
        # One batch: the four commands went down one pooled connection, no new one was opened for them.
        assert (await link.run(lambda client: client.info("stats")))["total_connections_received"] == before
    finally:
        await link.close()


async def test_calls_fail_fast_while_redis_is_away_and_work_again_after(redis_server):
    clock = ManualClock(1_000.0)
    link = RedisLink(redis_server.url, timeout_seconds=0.5, clock=clock)
    try:
        assert await link.call("PING") in (True, b"PONG")
        redis_server.stop()
        for _ in range(2):  # the first finds it down; the second is refused at once by the open circuit
            with pytest.raises(RedisUnavailable):
                await link.call("GET", link.key("k"))
        redis_server.start()
        clock.now += BACKOFF_FIRST_SECONDS + 0.01
        assert await link.call("SET", link.key("k"), "v") in (True, b"OK")
        assert link.healthy
    finally:
        await link.close()
