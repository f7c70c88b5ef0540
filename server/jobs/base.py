"""The job seam: durable, at-least-once background work (media processing, fanout, cleanup).

Handlers must be idempotent: a job may run again after a crash or a lost lease. A handler that finds
its subject gone (a deleted post) treats that as done.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Protocol

# Lower runs first. New uploads go ahead of everything; backfill and second-stage work wait.
PRIORITY_NEW_MEDIA = 0
PRIORITY_FANOUT = 10
PRIORITY_CLEANUP = 30
PRIORITY_BACKFILL = 50

DEFAULT_MAX_ATTEMPTS = 8
LEASE_MS = 5 * 60 * 1000  # a job not finished within its lease is assumed dead and handed out again


def backoff_ms(attempts: int) -> int:
    """Delay before retry number ``attempts``: 2 s, 4 s, 8 s … capped at 10 minutes."""
    return min(2_000 * (2 ** max(0, attempts - 1)), 600_000)


@dataclasses.dataclass
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    priority: int
    status: str
    attempts: int
    max_attempts: int
    run_at: int
    last_error: str | None = None
    created_at: int = 0
    updated_at: int = 0


class JobFailed(Exception):
    """Raised by a handler for a failure that retrying cannot fix; the job is marked failed at once."""


class JobQueue(Protocol):
    """Implementations: ``database.DatabaseJobQueue`` and ``redis.RedisJobQueue``. Lifecycle, in bootstrap's
    order: ``open()`` (connect), ``start()`` (a serving process's relay task), ``stop()``; ``wake()`` says new
    work was committed. Optional extras the runner uses when present: ``renew(job)`` (extend a long job's
    lease) and ``recover_orphans()`` (a crashed predecessor's work)."""

    async def open(self) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def wake(self) -> None: ...

    async def enqueue(self, kind: str, payload: dict, priority: int = PRIORITY_FANOUT, max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> int: ...

    async def claim(self, limit: int) -> list[Job]: ...

    async def complete(self, job: Job) -> None: ...

    async def retry_later(self, job: Job, error: str) -> None: ...

    async def fail(self, job: Job, error: str) -> None: ...

    async def list_jobs(self, status: str | None = None, limit: int = 100) -> list[Job]: ...

    async def counts(self) -> dict[str, int]: ...

    async def retry_failed(self, job_id: int | None = None) -> int: ...

    async def purge(self, status: str) -> int: ...
