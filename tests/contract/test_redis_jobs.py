"""What only the Redis Streams queue does: the outbox relay, its races, crashed consumers, outages."""

from __future__ import annotations

import asyncio

import pytest

from server.jobs import base as jobs_base
from server.jobs.database import HOST, enqueue_in
from server.jobs.redis import RedisJobQueue
from server.jobs.runner import JobRunner
from server.redislink import RedisLink, RedisUnavailable
from server.stores.sqlite import SQLiteDatabase
from tests.backends.redis import fresh_redis


@pytest.fixture
async def db(tmp_path):
    database = SQLiteDatabase(f"sqlite:///{tmp_path}/jobs.db", synchronous="normal")
    await database.open()
    yield database
    await database.close()


@pytest.fixture
def redis_url():
    with fresh_redis() as overrides:
        yield overrides["redis_url"]


@pytest.fixture
async def make_queue(db, redis_url):
    links = []

    async def make(url=redis_url, **options):
        link = RedisLink(url, timeout_seconds=1.0)
        links.append(link)
        queue = RedisJobQueue(db, link, **options)
        await queue.open()
        return queue

    yield make
    for link in links:
        await link.close()


async def outbox_rows(db) -> int:
    return await db.read(lambda conn: conn.fetch_val("SELECT COUNT(*) FROM jobs"))


async def test_the_relay_moves_rows_into_the_priority_streams_and_empties_the_outbox(make_queue, db):
    queue = await make_queue()
    await db.write(lambda conn: [enqueue_in(conn, "fresh", {}, jobs_base.PRIORITY_NEW_MEDIA),
                                 enqueue_in(conn, "later", {}, jobs_base.PRIORITY_BACKFILL)])
    assert await queue.relay.relay_due() == 2
    assert await outbox_rows(db) == 0
    client = queue.link.client
    assert await client.xlen(queue.link.key("jobs", "new")) == 1
    assert await client.xlen(queue.link.key("jobs", "backfill")) == 1


async def test_racing_relays_send_each_job_once(make_queue, db):
    queues = [await make_queue() for _ in range(4)]
    await db.write(lambda conn: [enqueue_in(conn, "work", {"n": n}) for n in range(300)])
    await asyncio.gather(*(queue.relay.relay_due() for queue in queues))
    assert await outbox_rows(db) == 0
    seen = []

    async def work(payload):
        seen.append(payload["n"])

    await JobRunner(queues[0], {"work": work}, workers=0).drain()
    assert sorted(seen) == list(range(300))


async def test_a_relay_that_died_after_sending_does_not_send_twice(make_queue, db):
    queue = await make_queue()
    await db.write(lambda conn: enqueue_in(conn, "work", {}))
    rows = await db.read(lambda conn: conn.fetch_all("SELECT * FROM jobs"))
    await queue.link.run(lambda client: queue.relay._send_rows(client, rows))  # sent, then "crashed" before DELETE
    assert await queue.relay.relay_due() == 1  # the row is found again and cleared …
    assert (await queue.counts())["queued"] == 1  # … but it is in the stream only once


async def test_a_retry_is_sent_again_when_due(make_queue, db):
    queue = await make_queue()
    await queue.enqueue("flaky", {})
    [job] = await queue.claim(1)
    await queue.retry_later(job, "try again")
    assert await outbox_rows(db) == 1 and await queue.claim(1) == []
    await db.write(lambda conn: conn.execute("UPDATE jobs SET run_at = 0"))
    [again] = await queue.claim(1)
    assert again.id == job.id and again.attempts == 2 and again.last_error == "try again"


async def test_messages_of_a_crashed_process_on_this_host_resume_at_once(make_queue, db):
    crashed = await make_queue()
    crashed.identity = f"{HOST}:999999999:1"  # a pid that no longer exists
    await crashed.enqueue("work", {"n": 1})
    await crashed.claim(1)
    survivor = await make_queue()
    assert await survivor.claim(1) == []  # still leased to the dead process
    assert await survivor.recover_orphans() == 1
    [job] = await survivor.claim(1)
    assert job.payload == {"n": 1} and job.attempts == 2


async def test_dead_letters_show_in_the_admin_listing(make_queue, tmp_path, redis_url):
    from click.testing import CliRunner

    from app.cli import main

    queue = await make_queue()
    await queue.enqueue("process_media", {"post_id": 1})
    [job] = await queue.claim(1)
    await queue.fail(job, "the picture could not be decoded")
    assert await queue.link.run(lambda client: client.hlen(queue.dead_key)) == 1
    db_path = queue.db.path

    def admin(*args):
        env = {"PHOTOSHARE_REDIS_URL": redis_url, "PHOTOSHARE_DATABASE_URL": f"sqlite:///{db_path}"}
        return CliRunner().invoke(main, ["admin", "jobs", *args, "--data-dir", str(tmp_path / "data")], env=env)

    listing = await asyncio.to_thread(admin, "list", "--status", "failed")
    assert listing.exit_code == 0, listing.output
    assert "failed: 1" in listing.output and "the picture could not be decoded" in listing.output
    retried = await asyncio.to_thread(admin, "retry", str(job.id))
    assert "1 job(s) queued again" in retried.output
    [again] = await queue.claim(1)
    await queue.fail(again, "still broken")
    purged = await asyncio.to_thread(admin, "purge", "--yes")
    assert "1 job(s) deleted" in purged.output
    assert await queue.counts() == {"queued": 0, "running": 0, "failed": 0}


async def test_jobs_committed_while_redis_is_down_run_when_it_returns(redis_server, db):
    link = RedisLink(redis_server.url, timeout_seconds=0.3)
    queue = RedisJobQueue(db, link)
    await queue.open()
    try:
        redis_server.stop()
        await queue.enqueue("work", {"n": 1})  # the outbox is the database: committing never needs Redis
        with pytest.raises(RedisUnavailable):
            await queue.claim(1)
        redis_server.start()  # empty: the groups are gone and must come back by themselves
        ran = []

        async def work(payload):
            ran.append(payload["n"])

        for _ in range(100):
            try:
                await JobRunner(queue, {"work": work}, workers=0).drain()
                break
            except RedisUnavailable:
                await asyncio.sleep(0.05)  # the circuit is still open: it probes again after its backoff
        assert ran == [1]
    finally:
        await link.close()
