"""The job queue as a table in the metadata store.

A job is inserted in the same transaction as the data it works on (``enqueue_in``), so a post and
its processing job are committed together or not at all. Workers claim ready jobs under a lease; a
job whose lease runs out (its worker died) becomes claimable again, which is how unfinished work
resumes after a restart.
"""

from __future__ import annotations

import json
import os
import socket

from ..clock import now_ms
from ..ids import IdGenerator
from ..stores.base import Conn, Database
from .base import DEFAULT_MAX_ATTEMPTS, LEASE_MS, PRIORITY_FANOUT, Job, backoff_ms

_ids = IdGenerator(shard=0)


def use_id_generator(generator: IdGenerator) -> None:
    """Make job ids with the process's leased shard (see ``server/id_shards.py``)."""
    global _ids
    _ids = generator
HOST = socket.gethostname()


def process_identity() -> str:
    """host:pid:start — lets a restarted server tell its dead predecessor's jobs from a live worker's."""
    return f"{HOST}:{os.getpid()}:{_PROCESS_START}"


_PROCESS_START = now_ms()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True



def enqueue_in(conn: Conn, kind: str, payload: dict, priority: int = PRIORITY_FANOUT, max_attempts: int = DEFAULT_MAX_ATTEMPTS, delay_ms: int = 0) -> int:
    job_id = _ids.next_id()
    now = now_ms()
    conn.execute(
        "INSERT INTO jobs (id, kind, payload, priority, status, attempts, max_attempts, run_at, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, 'queued', 0, ?, ?, ?, ?)",
        (job_id, kind, json.dumps(payload, separators=(",", ":")), priority, max_attempts, now + delay_ms, now, now),
    )
    return job_id


def _job(row) -> Job:
    return Job(
        id=row["id"], kind=row["kind"], payload=json.loads(row["payload"]), priority=row["priority"],
        status=row["status"], attempts=row["attempts"], max_attempts=row["max_attempts"], run_at=row["run_at"],
        last_error=row["last_error"], created_at=row["created_at"], updated_at=row["updated_at"],
    )


class DatabaseJobQueue:
    def __init__(self, db: Database, *, lease_ms: int = LEASE_MS) -> None:
        self.db = db
        self.lease_ms = lease_ms
        self.identity = process_identity()

    # Lifecycle of the JobQueue protocol: the database queue has no connection or relay task of its own.
    async def open(self) -> None:
        pass

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    def wake(self) -> None:
        pass

    async def recover_orphans(self) -> int:
        """Requeue jobs held by dead processes on this host (a crash), without waiting for their leases."""

        def unit(conn: Conn) -> int:
            recovered = 0
            # A plain prefix test: LIKE would treat '_' in a host name as a wildcard (and ignore case on SQLite only).
            prefix = HOST + ":"
            rows = conn.fetch_all("SELECT id, locked_by FROM jobs WHERE status = 'running' AND substr(locked_by, 1, ?) = ?",
                                  (len(prefix), prefix))
            for row in rows:
                pid = int(row["locked_by"].rsplit(":", 2)[1])
                if row["locked_by"] == self.identity:
                    continue
                if pid != os.getpid() and _pid_alive(pid):
                    continue  # another live process on this host (a worker) holds it
                # Its process is gone (or this pid belonged to a previous run, as in a container).
                recovered += conn.execute(
                    "UPDATE jobs SET status = 'queued', locked_until = NULL, locked_by = NULL, run_at = ? WHERE id = ? AND status = 'running'",
                    (now_ms(), row["id"]),
                )
            return recovered

        return await self.db.write(unit)

    async def renew(self, job: Job) -> None:
        """Extend a long-running job's lease so no other worker takes it over."""
        await self.db.write(lambda conn: conn.execute(
            "UPDATE jobs SET locked_until = ? WHERE id = ? AND status = 'running'", (now_ms() + self.lease_ms, job.id)))

    async def enqueue(self, kind: str, payload: dict, priority: int = PRIORITY_FANOUT, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> int:
        return await self.db.write(lambda conn: enqueue_in(conn, kind, payload, priority, max_attempts))

    async def claim(self, limit: int) -> list[Job]:
        def unit(conn: Conn) -> list[Job]:
            now = now_ms()
            rows = conn.fetch_all(
                "SELECT id FROM jobs WHERE status = 'queued' AND run_at <= ?"
                " ORDER BY priority, id LIMIT ?",
                (now, limit),
            )
            if len(rows) < limit:  # work whose worker died: its lease ran out
                rows += conn.fetch_all(
                    "SELECT id FROM jobs WHERE status = 'running' AND locked_until < ? ORDER BY priority, id LIMIT ?",
                    (now, limit - len(rows)),
                )
            claimed = []
            for row in rows:
                got = conn.fetch_one(
                    "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_until = ?, locked_by = ?, updated_at = ?"
                    " WHERE id = ? AND (status = 'queued' OR (status = 'running' AND locked_until < ?)) RETURNING *",
                    (now + self.lease_ms, self.identity, now, row["id"], now),
                )
                if got is not None:
                    claimed.append(_job(got))
            return claimed

        return await self.db.write(unit)

    async def complete(self, job: Job) -> None:
        await self.db.write(lambda conn: conn.execute("DELETE FROM jobs WHERE id = ?", (job.id,)))

    async def retry_later(self, job: Job, error: str) -> None:
        if job.attempts >= job.max_attempts:
            await self.fail(job, f"gave up after {job.attempts} attempts: {error}")
            return
        now = now_ms()
        await self.db.write(
            lambda conn: conn.execute(
                "UPDATE jobs SET status = 'queued', run_at = ?, locked_until = NULL, last_error = ?, updated_at = ? WHERE id = ?",
                (now + backoff_ms(job.attempts), error[:2000], now, job.id),
            )
        )

    async def fail(self, job: Job, error: str) -> None:
        now = now_ms()
        await self.db.write(
            lambda conn: conn.execute(
                "UPDATE jobs SET status = 'failed', locked_until = NULL, last_error = ?, updated_at = ? WHERE id = ?",
                (error[:2000], now, job.id),
            )
        )

    async def list_jobs(self, status: str | None = None, limit: int = 100) -> list[Job]:
        def unit(conn: Conn) -> list[Job]:
            if status:
                rows = conn.fetch_all("SELECT * FROM jobs WHERE status = ? ORDER BY id DESC LIMIT ?", (status, limit))
            else:
                rows = conn.fetch_all("SELECT * FROM jobs ORDER BY id DESC LIMIT ?", (limit,))
            return [_job(row) for row in rows]

        return await self.db.read(unit)

    async def counts(self) -> dict[str, int]:
        rows = await self.db.read(lambda conn: conn.fetch_all("SELECT status, COUNT(*) FROM jobs GROUP BY status"))
        counts = {"queued": 0, "running": 0, "failed": 0}
        counts.update({row[0]: row[1] for row in rows})
        return counts

    async def retry_failed(self, job_id: int | None = None) -> int:
        now = now_ms()
        if job_id is None:
            sql, params = "UPDATE jobs SET status = 'queued', attempts = 0, run_at = ?, updated_at = ? WHERE status = 'failed'", (now, now)
        else:
            sql, params = "UPDATE jobs SET status = 'queued', attempts = 0, run_at = ?, updated_at = ? WHERE status = 'failed' AND id = ?", (now, now, job_id)
        return await self.db.write(lambda conn: conn.execute(sql, params))

    async def purge(self, status: str) -> int:
        return await self.db.write(lambda conn: conn.execute("DELETE FROM jobs WHERE status = ?", (status,)))
