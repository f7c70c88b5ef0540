"""Runs queued jobs inside a server (or ``photoshare worker``) process.

A few asyncio tasks claim jobs in priority order and call the handler registered for each kind.
A handler returns normally (done), raises ``JobFailed`` (give up now, the reason stays visible in
``photoshare admin jobs``), or raises anything else (retry later with backoff, bounded attempts).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Awaitable, Callable

from .base import LEASE_MS, Job, JobFailed, JobQueue

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 1.0  # how often an idle worker looks for delayed retries or work from other processes
ERROR_PAUSE_SECONDS = 2.0
LEASE_RENEW_SECONDS = LEASE_MS / 1000 / 3  # renew well before the lease could run out  # after the queue itself fails (database down), wait before asking again

Handler = Callable[[dict], Awaitable[None]]


class JobRunner:
    def __init__(self, queue: JobQueue, handlers: dict[str, Handler], workers: int = 2, metrics=None) -> None:
        self.queue = queue
        self.handlers = handlers
        self.workers = workers
        self.metrics = metrics
        self._wakeup = asyncio.Event()
        self._tasks: list[asyncio.Task] = []
        self._stopping = False
        self.idle = asyncio.Event()

    def notify(self) -> None:
        """New work was committed: wake an idle worker now instead of at its next poll."""
        self._wakeup.set()

    async def start(self) -> None:
        self._stopping = False
        recover = getattr(self.queue, "recover_orphans", None)
        if recover is not None:
            try:
                count = await recover()
                if count:
                    log.info("resumed %d job(s) left unfinished by a previous run", count)
            except Exception:
                log.exception("could not look for unfinished jobs; their leases will expire instead")
        self._tasks = [asyncio.create_task(self._work(index), name=f"job-worker-{index}") for index in range(self.workers)]

    async def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _work(self, index: int) -> None:
        failing = False
        while not self._stopping:
            try:
                jobs = await self.queue.claim(1)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not failing:  # once per outage, not every pause: the queue's store may be down a while
                    if isinstance(exc, ConnectionError):  # unreachable, not a bug: no traceback
                        log.warning("could not claim jobs (%s); trying again every %.0f s", exc, ERROR_PAUSE_SECONDS)
                    else:
                        log.exception("could not claim jobs; trying again every %.0f s", ERROR_PAUSE_SECONDS)
                failing = True
                await asyncio.sleep(ERROR_PAUSE_SECONDS)
                continue
            if failing:
                log.info("claiming jobs again")
                failing = False
            if not jobs:
                self._wakeup.clear()
                try:
                    await asyncio.wait_for(self._wakeup.wait(), IDLE_POLL_SECONDS)
                except asyncio.TimeoutError:
                    pass
                continue
            for job in jobs:
                await self.run_one(job)

    async def run_one(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        started = time.perf_counter()
        outcome = "done"
        try:
            if handler is None:
                raise JobFailed(f"no handler for job kind {job.kind!r}")
            # Handlers see which attempt this is, so the last one can record a lasting failure.
            await self._with_lease(job, handler({**job.payload, "_attempt": job.attempts, "_max_attempts": job.max_attempts}))
        except asyncio.CancelledError:
            raise  # the lease will hand the job out again after a restart
        except JobFailed as exc:
            outcome = "failed"
            log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
            await self._safely(self.queue.fail(job, str(exc)))
        except Exception as exc:
            outcome = "retry"
            log.warning("job %s (%s) attempt %d failed: %r", job.id, job.kind, job.attempts, exc)
            await self._safely(self.queue.retry_later(job, f"{type(exc).__name__}: {exc}"))
        else:
            await self._safely(self.queue.complete(job))
        if self.metrics is not None:
            self.metrics.observe_job(job.kind, outcome, time.perf_counter() - started)

    async def _with_lease(self, job: Job, work: Awaitable) -> None:
        renew = getattr(self.queue, "renew", None)
        task = asyncio.ensure_future(work)
        try:
            if renew is None:
                return await task
            while True:
                done, _ = await asyncio.wait({task}, timeout=LEASE_RENEW_SECONDS)
                if done:
                    return task.result()
                await self._safely(renew(job))
        except asyncio.CancelledError:
            # Stopping: the handler must stop too, not run on against closed backends.
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            raise

    async def _safely(self, step: Awaitable) -> None:
        try:
            await step
        except Exception:
            log.exception("could not record a job's outcome; its lease will expire and it will run again")

    async def drain(self, timeout: float = 30.0) -> None:
        """Run until no job is ready (tests and admin commands)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = await self.queue.claim(1)
            if not jobs:
                return
            for job in jobs:
                await self.run_one(job)
        raise TimeoutError("jobs still pending after drain timeout")
