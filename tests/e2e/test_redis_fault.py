"""Redis stopped under a load of feed reads: feeds keep answering from the database, /healthz names the
fault, and when Redis is back the same server process returns to it without a restart.

The server uses a throwaway redis-server of this test's own, so stopping it disturbs nobody.
"""

from __future__ import annotations

import asyncio
import re
import time

import aiohttp
import pytest

from tests.conftest import jpeg_bytes
from tests.e2e.servers import ServerProcess

pytestmark = pytest.mark.slow

READERS = 4  # concurrent feed readers: more than the 2 cores would only queue
READ_PAUSE_SECONDS = 0.005  # each reader's pause between reads: at most ~800 reads a second in all
MAX_READS_PER_PHASE = 5_000  # bounds the load whatever the machine's speed
PHASE_SECONDS = 2.0
MIN_READS_WHILE_DOWN = 20  # proof that the load really ran against the outage
RECOVERY_TIMEOUT_SECONDS = 20
PREFIX = "fault:"
POSTS = 3
PROCESSING_TIMEOUT_SECONDS = 60


async def call(session, method: str, url: str, token: str | None = None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.request(method, url, headers=headers, **kwargs) as response:
        body = await response.json() if response.content_type == "application/json" else await response.text()
        return response.status, body


async def feed_load(session, url: str, token: str, seconds: float, during=None) -> list[tuple[float, int]]:
    """(time, status) of feed reads from READERS tasks (at most MAX_READS_PER_PHASE). With ``during``, it is
    called half-way through, and the load goes on for ``seconds`` after it returns."""
    reads: list[tuple[float, int]] = []
    done = asyncio.Event()

    async def reader():
        while not done.is_set() and len(reads) < MAX_READS_PER_PHASE:
            status, _ = await call(session, "GET", f"{url}/api/v1/feed?limit=20", token)
            reads.append((time.monotonic(), status))
            await asyncio.sleep(READ_PAUSE_SECONDS)

    tasks = [asyncio.create_task(reader()) for _ in range(READERS)]
    if during is not None:
        await asyncio.sleep(seconds / 2)
        await asyncio.to_thread(during)
    await asyncio.sleep(seconds)
    done.set()
    await asyncio.gather(*tasks)
    return reads


def statuses(reads, since: float = 0.0) -> list[int]:
    return [status for at, status in reads if at >= since]


async def wait_for_feed(session, url: str, token: str, count: int) -> None:
    deadline = time.monotonic() + PROCESSING_TIMEOUT_SECONDS
    while (await call(session, "GET", f"{url}/api/v1/feed", token))[1]["posts"].__len__() < count:
        assert time.monotonic() < deadline, "the posts never reached the follower's feed"
        await asyncio.sleep(0.3)


async def timeline_reads(session, url: str) -> dict[str, int]:
    _, text = await call(session, "GET", f"{url}/metrics")
    return {source: int(count) for source, count in re.findall(r'photoshare_timeline_reads_total\{source="(\w+)"\} (\d+)', text)}


async def test_feeds_survive_a_redis_outage_and_return_to_redis_without_a_restart(tmp_path, redis_server):
    server = ServerProcess(tmp_path / "data", env={"PHOTOSHARE_REDIS_URL": f"{redis_server.url}?prefix={PREFIX}",
                                                   "PHOTOSHARE_REDIS_TIMEOUT_MS": "300"})
    try:
        server.start()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as session:
            url = server.url
            status, body = await call(session, "POST", f"{url}/api/v1/auth/register", json={"username": "reader", "password": "a long password"})
            assert status == 201, body
            token, user_id = body["token"], body["user"]["user_id"]
            status, author = await call(session, "POST", f"{url}/api/v1/auth/register", json={"username": "author", "password": "a long password"})
            assert status == 201, author
            assert (await call(session, "POST", f"{url}/api/v1/users/@author/follow", token))[0] == 200
            await call(session, "GET", f"{url}/api/v1/feed", token)  # warm: the fan-out pushes into it
            for index in range(POSTS):
                form = aiohttp.FormData()
                form.add_field("media", jpeg_bytes(color=(index * 60, 90, 160)), filename="p.jpg", content_type="image/jpeg")
                form.add_field("caption", f"post {index}")
                status, _ = await call(session, "POST", f"{url}/api/v1/posts", author["token"], data=form)
                assert status == 201
            await wait_for_feed(session, url, token, POSTS)  # processed and fanned out by jobs on Redis Streams

            # Redis up: feeds come from the timeline in Redis.
            _, before = await call(session, "GET", f"{url}/api/v1/feed", token)
            expected = [post["post_id"] for post in before["posts"]]
            assert len(expected) == POSTS
            assert set(statuses(await feed_load(session, url, token, PHASE_SECONDS))) == {200}
            assert redis_server.client().exists(f"{PREFIX}tl:{user_id}")
            reads_up = await timeline_reads(session, url)
            assert reads_up.get("redis", 0) > 0

            # Redis stopped in the middle of the load: every read still answers, from the database.
            stopped_at = []
            reads = await feed_load(session, url, token, PHASE_SECONDS,
                                    during=lambda: (redis_server.stop(), stopped_at.append(time.monotonic())))
            assert set(statuses(reads)) == {200}, f"feed reads failed while Redis was down: {set(statuses(reads))}"
            assert len(statuses(reads, since=stopped_at[0])) >= MIN_READS_WHILE_DOWN, "the load ended before the outage"
            status, health = await call(session, "GET", f"{url}/healthz")
            assert status == 503 and health["checks"]["timelines"].startswith("failing"), health
            assert health["checks"]["queue"].startswith("failing") and health["checks"]["database"] == "ok"
            _, during = await call(session, "GET", f"{url}/api/v1/feed", token)
            assert [post["post_id"] for post in during["posts"]] == expected
            assert (await timeline_reads(session, url)).get("unavailable", 0) > 0
            # Writes go on too: rate limits fail open, jobs wait in the database outbox.
            status, _ = await call(session, "POST", f"{url}/api/v1/posts/{expected[0]}/save", token)
            assert status == 200

            # Redis back (empty: no persistence): the same process recovers by itself.
            redis_server.start()
            deadline = time.monotonic() + RECOVERY_TIMEOUT_SECONDS
            while (status := (await call(session, "GET", f"{url}/healthz"))[0]) != 200 and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
            assert status == 200, "healthz did not recover after Redis came back"
            reads_before = (await timeline_reads(session, url)).get("redis", 0)
            assert set(statuses(await feed_load(session, url, token, PHASE_SECONDS))) == {200}
            _, after = await call(session, "GET", f"{url}/api/v1/feed", token)
            assert [post["post_id"] for post in after["posts"]] == expected
            assert redis_server.client().exists(f"{PREFIX}tl:{user_id}"), "the timeline was not written back to Redis"
            assert (await timeline_reads(session, url)).get("redis", 0) > reads_before, "feeds are not served from Redis again"
    finally:
        server.stop()
