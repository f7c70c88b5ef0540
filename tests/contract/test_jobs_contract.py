"""One suite for every JobQueue: the database table, and Redis Streams fed from the database outbox."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from server.jobs import base as jobs_base
from server.jobs.base import JobFailed
from server.jobs.database import DatabaseJobQueue, enqueue_in
from server.jobs.runner import JobRunner
from server.stores.sqlite import SQLiteDatabase

SHORT_LEASE_MS = 200  # long enough for a claim round trip, short enough to wait out in a test


@contextlib.asynccontextmanager
async def sqlite_db(tmp_path):
    db = SQLiteDatabase(f"sqlite:///{tmp_path}/jobs.db", synchronous="normal")
    await db.open()
    try:
        yield db
    finally:
        await db.close()


@contextlib.asynccontextmanager
async def database_queues(tmp_path):
    async with sqlite_db(tmp_path) as db:
        yield lambda **options: DatabaseJobQueue(db, **options)


@contextlib.asynccontextmanager
async def redis_queues(tmp_path):
    from server.jobs.redis import RedisJobQueue
    from server.redislink import RedisLink
    from tests.backends.redis import fresh_redis

    with fresh_redis() as overrides:
        links: list[RedisLink] = []

        def make(**options):
            link = RedisLink(overrides["redis_url"], timeout_seconds=2.0)
            links.append(link)
            return RedisJobQueue(db, link, **options)

        async with sqlite_db(tmp_path) as db:
            try:
                yield make
            finally:
                for link in links:
                    await link.close()


@pytest.fixture(params=["database", "redis"])
async def make_queue(request, tmp_path):
    """``make_queue(lease_ms=…)``: a queue over one shared store; each call is another process (consumer)."""
    factory = {"database": database_queues, "redis": redis_queues}[request.param]
    async with factory(tmp_path) as make:
        queues = []

        def build(**options):
            queue = make(**options)
            queues.append(queue)
            return queue

        yield build


@pytest.fixture
async def queue(make_queue):
    queue = make_queue()
    if hasattr(queue, "open"):
        await queue.open()
    return queue


async def make_due_now(queue) -> None:
    """As if every backoff had passed (delayed retries wait in the table in both queues)."""
    await queue.db.write(lambda conn: conn.execute("UPDATE jobs SET run_at = 0 WHERE status = 'queued'"))


async def drain(queue, handlers) -> None:
    await JobRunner(queue, handlers, workers=0).drain()


async def test_enqueue_claim_complete(queue):
    job_id = await queue.enqueue("work", {"n": 1})
    [job] = await queue.claim(5)
    assert (job.id, job.kind, job.payload, job.attempts) == (job_id, "work", {"n": 1}, 1)
    assert await queue.claim(5) == []  # handed out once
    assert (await queue.counts())["running"] == 1
    await queue.complete(job)
    assert await queue.counts() == {"queued": 0, "running": 0, "failed": 0}


async def test_new_work_runs_before_backfill(queue):
    for n in range(3):
        await queue.enqueue("backfill", {"n": n}, priority=jobs_base.PRIORITY_BACKFILL)
    await queue.enqueue("cleanup", {"n": 10}, priority=jobs_base.PRIORITY_CLEANUP)
    await queue.enqueue("fresh", {"n": 20}, priority=jobs_base.PRIORITY_NEW_MEDIA)
    await queue.enqueue("fanout", {"n": 30}, priority=jobs_base.PRIORITY_FANOUT)
    order = []

    async def record(payload):
        order.append(payload["n"])

    await drain(queue, {"backfill": record, "fresh": record, "cleanup": record, "fanout": record})
    assert order == [20, 30, 10, 0, 1, 2]


async def test_errors_are_retried_with_backoff_then_fail_visibly(queue):
    job_id = await queue.enqueue("flaky", {}, max_attempts=2)
    calls = []

    async def flaky(payload):
        calls.append(payload["_attempt"])
        raise RuntimeError("disk on fire")

    await drain(queue, {"flaky": flaky})
    assert calls == [1]
    [job] = await queue.list_jobs("queued")
    assert job.id == job_id and "disk on fire" in job.last_error and job.run_at > job.updated_at
    assert await queue.claim(1) == []  # not before its backoff
    await make_due_now(queue)
    await drain(queue, {"flaky": flaky})
    assert calls == [1, 2]
    [failed] = await queue.list_jobs("failed")
    assert failed.id == job_id and "gave up after 2 attempts" in failed.last_error
    assert (await queue.counts())["failed"] == 1


async def test_dead_letters_can_be_retried_and_purged(queue):
    first = await queue.enqueue("bad", {"n": 1})
    await queue.enqueue("bad", {"n": 2})

    async def bad(payload):
        raise JobFailed("not a picture")

    await drain(queue, {"bad": bad})
    failed = await queue.list_jobs("failed")
    assert [job.last_error for job in failed] == ["not a picture"] * 2
    assert [job.status for job in await queue.list_jobs(None)] == ["failed", "failed"]
    assert await queue.retry_failed(first) == 1
    ran = []

    async def good(payload):
        ran.append(payload["n"])

    await drain(queue, {"bad": good})
    assert ran == [1]
    assert await queue.purge("failed") == 1
    assert await queue.counts() == {"queued": 0, "running": 0, "failed": 0}


async def test_retry_all_failed(queue):
    for n in range(3):
        await queue.enqueue("bad", {"n": n})

    async def bad(payload):
        raise JobFailed("nope")

    await drain(queue, {"bad": bad})
    assert await queue.retry_failed() == 3
    assert (await queue.counts())["queued"] == 3


async def test_purge_queued_work(queue):
    for n in range(3):
        await queue.enqueue("work", {"n": n})
    assert await queue.claim(1)  # one runs (and is not purged); the rest wait
    assert await queue.purge("queued") >= 2
    assert (await queue.counts())["queued"] == 0


async def test_a_job_whose_worker_died_is_handed_out_again_after_its_lease(make_queue):
    dead_worker = make_queue(lease_ms=SHORT_LEASE_MS)
    survivor = make_queue(lease_ms=SHORT_LEASE_MS)
    for queue in (dead_worker, survivor):
        if hasattr(queue, "open"):
            await queue.open()
    await dead_worker.enqueue("work", {"n": 1})
    [claimed] = await dead_worker.claim(1)
    assert await survivor.claim(1) == []  # leased to the (soon dead) worker
    await asyncio.sleep(SHORT_LEASE_MS * 2 / 1000)
    [again] = await survivor.claim(1)
    assert again.id == claimed.id and again.attempts == 2
    await survivor.complete(again)
    assert await survivor.counts() == {"queued": 0, "running": 0, "failed": 0}


async def test_renewing_keeps_a_long_job_leased(make_queue):
    worker, other = make_queue(lease_ms=SHORT_LEASE_MS), make_queue(lease_ms=SHORT_LEASE_MS)
    for queue in (worker, other):
        if hasattr(queue, "open"):
            await queue.open()
    await worker.enqueue("slow", {})
    [job] = await worker.claim(1)
    for _ in range(4):
        await asyncio.sleep(SHORT_LEASE_MS / 2 / 1000)
        await worker.renew(job)
        assert await other.claim(1) == []


async def test_a_job_enqueued_in_a_rolled_back_unit_never_runs(queue):
    def unit(conn):
        enqueue_in(conn, "ghost", {"n": 1})
        raise RuntimeError("the post could not be saved")

    with pytest.raises(RuntimeError):
        await queue.db.write(unit)
    assert await queue.claim(5) == []
    assert await queue.counts() == {"queued": 0, "running": 0, "failed": 0}


async def test_a_job_committed_with_its_data_runs(queue):
    def unit(conn):
        conn.execute("CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY)")
        conn.execute("INSERT INTO notes (id) VALUES (7)")
        enqueue_in(conn, "note", {"id": 7})

    await queue.db.write(unit)
    seen = []

    async def note(payload):
        seen.append(await queue.db.read(lambda conn: conn.fetch_val("SELECT id FROM notes WHERE id = ?", (payload["id"],))))

    await drain(queue, {"note": note})
    assert seen == [7]


async def test_background_workers_pick_up_new_work(queue):
    done = asyncio.Event()

    async def work(payload):
        done.set()

    runner = JobRunner(queue, {"work": work}, workers=2)
    await runner.start()
    try:
        await queue.enqueue("work", {})
        runner.notify()
        await asyncio.wait_for(done.wait(), 5)
    finally:
        await runner.stop()


async def test_several_claimers_never_share_a_job(make_queue):
    queues = [make_queue() for _ in range(4)]
    for queue in queues:
        if hasattr(queue, "open"):
            await queue.open()
    for n in range(40):
        await queues[0].enqueue("work", {"n": n})
    claimed = []

    async def claim_all(queue):
        while jobs := await queue.claim(3):
            claimed.extend(job.payload["n"] for job in jobs)

    await asyncio.gather(*(claim_all(queue) for queue in queues))
    assert sorted(claimed) == list(range(40))
