"""Home-timeline stores side by side: fan-out of one post to 10,000 warm timelines, page reads, memory.

    .venv/bin/python -m bench.timelines.run [redis://127.0.0.1:6379/0]

Uses a fresh key prefix on the given Redis (deleted afterwards), so it can run beside anything else.
Prints figures; it asserts nothing.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
import uuid

from server.ids import IdGenerator
from server.redislink import RedisLink
from server.services.fanout import FANOUT_BATCH_SIZE
from server.timelines.base import TIMELINE_MAX_ITEMS
from server.timelines.memory import MemoryTimelines
from server.timelines.redis import RedisTimelines

FOLLOWERS = 10_000
FANOUTS = 5
READS = 2_000
PAGE = 20
ids = IdGenerator(shard=9)


async def measure(timelines) -> dict:
    history = [ids.next_id() for _ in range(TIMELINE_MAX_ITEMS)]
    for user_id in range(FOLLOWERS):  # every follower warm and full, the worst case for a push
        token = await timelines.begin_rebuild(user_id)
        await timelines.store(user_id, history, floor=0, token=token)
    fanouts = []
    for _ in range(FANOUTS):
        post = ids.next_id()
        started = time.perf_counter()
        for start in range(0, FOLLOWERS, FANOUT_BATCH_SIZE):
            await timelines.push(range(start, min(start + FANOUT_BATCH_SIZE, FOLLOWERS)), [post])
        fanouts.append(time.perf_counter() - started)
    reads = []
    for index in range(READS):
        started = time.perf_counter()
        await timelines.read(index % FOLLOWERS, before=None if index % 2 else history[300], limit=PAGE)
        reads.append(time.perf_counter() - started)
    reads.sort()
    return {"fanout_s": statistics.median(fanouts), "read_p50_ms": reads[len(reads) // 2] * 1000,
            "read_p99_ms": reads[int(len(reads) * 0.99)] * 1000}


async def main(url: str) -> None:
    memory = await measure(MemoryTimelines())
    prefix = f"bench:{uuid.uuid4().hex[:8]}:"
    link = RedisLink(f"{url}?prefix={prefix}", timeout_seconds=5.0)
    try:
        timelines = RedisTimelines(link)
        await timelines.open()
        redis = await measure(timelines)
        usage = await link.client.memory_usage(link.key("tl", 0))
        encoding = await link.client.object("encoding", link.key("tl", 0))
    finally:
        keys = [key async for key in link.client.scan_iter(match=prefix + "*", count=1_000)]
        for start in range(0, len(keys), 1_000):
            await link.client.delete(*keys[start:start + 1_000])
        await link.close()
    print(f"{FOLLOWERS:,} warm timelines of {TIMELINE_MAX_ITEMS} ids; fan-out in batches of {FANOUT_BATCH_SIZE:,}")
    print(f"{'store':<8} {'fan-out (median)':>17} {'per follower':>13} {'read p50':>9} {'read p99':>9}")
    for name, figures in (("memory", memory), ("redis", redis)):
        print(f"{name:<8} {figures['fanout_s'] * 1000:>14.1f} ms {figures['fanout_s'] / FOLLOWERS * 1e6:>10.1f} µs"
              f" {figures['read_p50_ms']:>6.2f} ms {figures['read_p99_ms']:>6.2f} ms")
    print(f"redis: one full timeline takes {usage:,} bytes ({encoding.decode() if isinstance(encoding, bytes) else encoding})")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "redis://127.0.0.1:6379/0"))
