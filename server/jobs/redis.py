"""The job queue on Redis Streams, fed from the database outbox.

Services still enqueue with ``enqueue_in(conn, …)``: the job row commits with the data it works on, or
not at all. The jobs table is then an *outbox*: a relay (``outbox.py``) moves due rows into the streams,
and everything after that happens in Redis:

- one stream per priority class (``jobs:new``, ``jobs:fanout``, ``jobs:cleanup``, ``jobs:backfill``), read
  highest first, so new uploads never wait behind a backfill;
- one consumer group, ``workers``; each process is a consumer named by its identity (host:pid:start);
- success: XACK and XDEL (a stream holds only work that is waiting or running);
- an error: the job goes back to the outbox with ``run_at`` = now + backoff (the relay sends it again
  when due), then XACK; after ``max_attempts`` it becomes a dead letter;
- a worker that dies: its messages stay pending; after the lease any claimer takes them over with
  XAUTOCLAIM (a long job renews its lease with XCLAIM JUSTID);
- dead letters: the hash ``jobs:dead`` (job id → job), listed, retried and purged by ``photoshare admin jobs``.

Delivery is at least once, like the database queue: handlers are idempotent.
"""

from __future__ import annotations

import dataclasses

import orjson
from redis.exceptions import ResponseError

from ..clock import now_ms
from ..redislink import RedisLink, RedisUnavailable
from ..stores.base import Conn, Database
from .base import (DEFAULT_MAX_ATTEMPTS, LEASE_MS, PRIORITY_BACKFILL, PRIORITY_CLEANUP, PRIORITY_FANOUT,
                   PRIORITY_NEW_MEDIA, Job, backoff_ms)
from .database import DatabaseJobQueue, enqueue_in, process_identity
from .outbox import OutboxRelay
from .streams import (StreamJob, job_from_message, purge_waiting, release_dead_consumers, stream_counts,
                      stream_jobs)

GROUP = "workers"
# Streams from the most urgent down; a job goes to the first class whose bound its priority does not exceed.
PRIORITY_CLASSES = ((PRIORITY_NEW_MEDIA, "new"), (PRIORITY_FANOUT, "fanout"), (PRIORITY_CLEANUP, "cleanup"),
                    (PRIORITY_BACKFILL, "backfill"))
MAX_ERROR_CHARS = 2_000  # the same bound as the database queue: enough for a traceback's last lines

# KEYS: streams, most urgent first. ARGV: group, consumer, how many, lease ms.
# Per stream: messages whose lease ran out first (their worker died), then new ones. Returns
# {stream index, message id, fields, times delivered}. Atomic, so two claimers never take one message.
_CLAIM = """
local group, consumer, wanted, lease = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
local out = {}
for index, stream in ipairs(KEYS) do
  if wanted <= 0 then break end
  local stale = redis.call('XAUTOCLAIM', stream, group, consumer, lease, '0-0', 'COUNT', wanted)[2]
  for _, entry in ipairs(stale) do
    local pending = redis.call('XPENDING', stream, group, entry[1], entry[1], 1)[1]
    table.insert(out, {index, entry[1], entry[2], pending[4]})
    wanted = wanted - 1
  end
  if wanted > 0 then
    local fresh = redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', wanted, 'STREAMS', stream, '>')
    if fresh then
      for _, entry in ipairs(fresh[1][2]) do
        table.insert(out, {index, entry[1], entry[2], 1})
        wanted = wanted - 1
      end
    end
  end
end
return out
"""


def stream_class(priority: int) -> str:
    for bound, name in PRIORITY_CLASSES:
        if priority <= bound:
            return name
    return PRIORITY_CLASSES[-1][1]


def _dead_json(job: Job) -> bytes:
    return orjson.dumps({key: value for key, value in dataclasses.asdict(job).items() if key not in ("stream", "message_id")})


def _job_from_dead(raw: bytes) -> Job:
    return Job(**{**orjson.loads(raw), "status": "failed"})


def requeue_in(conn: Conn, job: Job, *, attempts: int, run_at: int, error: str | None) -> None:
    """Put a job back in the outbox (a retry, or a dead letter sent again); replaces a row still there."""
    conn.execute(
        "INSERT INTO jobs (id, kind, payload, priority, status, attempts, max_attempts, run_at, last_error, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET status = 'queued', attempts = excluded.attempts, run_at = excluded.run_at,"
        " last_error = excluded.last_error, locked_until = NULL, locked_by = NULL, updated_at = excluded.updated_at",
        (job.id, job.kind, orjson.dumps(job.payload).decode(), job.priority, attempts, job.max_attempts, run_at,
         error, job.created_at or now_ms(), now_ms()),
    )


class RedisJobQueue:
    def __init__(self, db: Database, link: RedisLink, *, lease_ms: int = LEASE_MS) -> None:
        self.db = db
        self.link = link
        self.lease_ms = lease_ms
        self.identity = process_identity()
        self.outbox = DatabaseJobQueue(db)  # the table's own view: outbox rows, and failures from before Redis
        self.streams = [link.key("jobs", name) for _, name in PRIORITY_CLASSES]
        self.dead_key = link.key("jobs", "dead")
        self._claim = link.client.register_script(_CLAIM)
        self.relay = OutboxRelay(db, link, self.stream_for)
        link.on_recovery(self._create_groups)

    def stream_for(self, priority: int) -> str:
        return self.link.key("jobs", stream_class(priority))

    # -- lifecycle --------------------------------------------------------------------------------
    async def open(self) -> None:
        try:
            await self.link.run(self._create_groups)
        except RedisUnavailable:
            pass  # the recovery hook creates them when Redis answers

    async def start(self) -> None:
        """Run the relay in this process (servers and workers; admin commands do not)."""
        await self.relay.start()

    async def stop(self) -> None:
        await self.relay.stop()

    def wake(self) -> None:
        """Jobs were committed in this process: relay them now rather than at the next poll."""
        self.relay.wake()

    async def _create_groups(self, client) -> None:
        for stream in self.streams:
            try:
                await client.xgroup_create(stream, GROUP, id="0", mkstream=True)
            except ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    # -- the JobQueue protocol ---------------------------------------------------------------------
    async def enqueue(self, kind: str, payload: dict, priority: int = PRIORITY_FANOUT, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> int:
        job_id = await self.db.write(lambda conn: enqueue_in(conn, kind, payload, priority, max_attempts))
        self.wake()
        return job_id

    async def claim(self, limit: int) -> list[Job]:
        jobs = await self._read(limit)
        if not jobs:
            # Nothing in the streams: move due outbox rows along ourselves, then look again. Again even when
            # we moved none: another relay may have sent them between our two looks, and its send is done
            # before its delete, which is before our relay found the outbox empty.
            await self.relay.relay_due()
            jobs = await self._read(limit)
        return jobs

    async def _read(self, limit: int) -> list[Job]:
        args = [GROUP, self.identity, limit, self.lease_ms]
        try:
            found = await self.link.run(lambda client: self._claim(keys=self.streams, args=args))
        except ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            await self.link.run(self._create_groups)  # Redis lost its data (a restart without persistence)
            found = await self.link.run(lambda client: self._claim(keys=self.streams, args=args))
        return [job_from_message(self.streams[index - 1], message_id, fields, int(delivered), "running")
                for index, message_id, fields, delivered in found]

    async def renew(self, job: StreamJob) -> None:
        await self.link.run(lambda client: client.xclaim(job.stream, GROUP, self.identity, 0, [job.message_id], justid=True))

    async def complete(self, job: StreamJob) -> None:
        await self._finish(job)

    async def retry_later(self, job: StreamJob, error: str) -> None:
        if job.attempts >= job.max_attempts:
            await self.fail(job, f"gave up after {job.attempts} attempts: {error}")
            return
        run_at = now_ms() + backoff_ms(job.attempts)
        await self.db.write(lambda conn: requeue_in(conn, job, attempts=job.attempts, run_at=run_at, error=error[:MAX_ERROR_CHARS]))
        await self._finish(job)

    async def fail(self, job: StreamJob, error: str) -> None:
        dead = dataclasses.replace(job, status="failed", last_error=error[:MAX_ERROR_CHARS], updated_at=now_ms())
        await self._finish(job, dead=dead)

    async def _finish(self, job: StreamJob, dead: Job | None = None) -> None:
        async def send(client):
            pipe = client.pipeline(transaction=True)  # the dead letter and the acknowledgement land together
            if dead is not None:
                pipe.hset(self.dead_key, str(job.id), _dead_json(dead))
            pipe.xack(job.stream, GROUP, job.message_id)
            pipe.xdel(job.stream, job.message_id)
            await pipe.execute()

        await self.link.run(send)

    async def recover_orphans(self) -> int:
        """Hand out at once the messages of dead consumers on this host (a crash), without waiting out their lease."""
        return await self.link.run(lambda client: release_dead_consumers(client, self.streams, GROUP, self.identity, self.lease_ms))

    # -- admin --------------------------------------------------------------------------------------
    async def list_jobs(self, status: str | None = None, limit: int = 100) -> list[Job]:
        jobs: list[Job] = []
        if status in (None, "queued", "failed"):
            jobs += await self.outbox.list_jobs(status, limit)
        if status in (None, "queued", "running"):
            jobs += await self.link.run(lambda client: stream_jobs(client, self.streams, GROUP, status, limit))
        if status in (None, "failed"):
            jobs += await self._dead_letters(limit)
        jobs.sort(key=lambda job: job.id, reverse=True)
        return jobs[:limit]

    async def _dead_letters(self, limit: int) -> list[Job]:
        ids = sorted((int(raw) for raw in await self.link.run(lambda client: client.hkeys(self.dead_key))), reverse=True)[:limit]
        if not ids:
            return []
        rows = await self.link.run(lambda client: client.hmget(self.dead_key, [str(job_id) for job_id in ids]))
        return [_job_from_dead(raw) for raw in rows if raw is not None]

    async def counts(self) -> dict[str, int]:
        counts = await self.outbox.counts()
        waiting, running = await self.link.run(lambda client: stream_counts(client, self.streams, GROUP))
        counts["queued"] += waiting
        counts["running"] += running
        counts["failed"] += await self.link.run(lambda client: client.hlen(self.dead_key))
        return counts

    async def retry_failed(self, job_id: int | None = None) -> int:
        retried = await self.outbox.retry_failed(job_id)
        if job_id is None:
            dead = [_job_from_dead(raw) for raw in (await self.link.run(lambda client: client.hvals(self.dead_key)))]
        else:
            raw = await self.link.run(lambda client: client.hget(self.dead_key, str(job_id)))
            dead = [] if raw is None else [_job_from_dead(raw)]
        if dead:
            now = now_ms()

            def unit(conn: Conn) -> None:
                for job in dead:
                    requeue_in(conn, job, attempts=0, run_at=now, error=job.last_error)

            await self.db.write(unit)  # in the outbox first: a crash now leaves a duplicate, never a loss
            await self.link.run(lambda client: client.hdel(self.dead_key, *(str(job.id) for job in dead)))
            self.wake()
        return retried + len(dead)

    async def purge(self, status: str) -> int:
        removed = await self.outbox.purge(status)
        if status == "failed":
            removed += await self.link.run(self._purge_dead)
        elif status == "queued":
            removed += await self.link.run(lambda client: purge_waiting(client, self.streams, GROUP))
        return removed

    async def _purge_dead(self, client) -> int:
        pipe = client.pipeline(transaction=True)
        pipe.hlen(self.dead_key)
        pipe.delete(self.dead_key)
        count, _ = await pipe.execute()
        return count
