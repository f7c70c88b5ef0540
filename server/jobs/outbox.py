"""The relay from the database outbox (the jobs table) into the Redis streams.

A job row commits with its data; the relay moves due rows (``status = 'queued'`` and ``run_at <= now``)
into the stream for their priority, then deletes them. Every server and worker process runs one, woken
by its own commits and polling for everyone else's and for delayed retries coming due.

Several relays may pick the same row at once, and a relay may die between XADD and DELETE. Each send is
therefore a Lua script that first sets a *sent mark* for that version of the row (id, attempts, run_at)
with SET NX: the second sender finds the mark and skips the XADD, and the row is deleted either way. A
row that changed meanwhile (a retry re-queued it) has a new version, so the DELETE leaves it alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Callable

from ..clock import now_ms
from ..redislink import RedisLink, RedisUnavailable
from ..stores.base import Database
from .streams import job_fields

log = logging.getLogger(__name__)

RELAY_BATCH = 200  # rows per round trip: one pipelined send and one DELETE batch
MAX_BATCHES_PER_ROUND = 50  # then yield to the poll, so one huge backlog cannot monopolise the relay
RELAY_POLL_SECONDS = 1.0  # how soon other processes' commits and due retries are noticed
STOP_WAIT_SECONDS = 5.0  # a relay round in flight finishes (or is abandoned) within this on shutdown
# How long a sent mark is kept: far beyond the gap between a relay's XADD and its DELETE (milliseconds),
# unless the database was down in between; then the job may run twice, which handlers tolerate.
SENT_MARK_TTL_MS = 3_600_000

# KEYS: sent mark, stream. ARGV: mark ttl ms, then the message's field/value pairs.
_SEND = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
return 1
"""

_DUE = ("SELECT id, kind, payload, priority, attempts, max_attempts, run_at, last_error, created_at FROM jobs"
        " WHERE status = 'queued' AND run_at <= ? ORDER BY priority, id LIMIT ?")
_SENT = "DELETE FROM jobs WHERE id = ? AND status = 'queued' AND attempts = ? AND run_at = ?"



class OutboxRelay:
    def __init__(self, db: Database, link: RedisLink, stream_for: Callable[[int], str]) -> None:
        self.db = db
        self.link = link
        self.stream_for = stream_for
        self._send = link.client.register_script(_SEND)
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._relay_forever(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._stopping = True  # the loop also checks this: a cancellation can be lost in a library's timeout
            self._task.cancel()
            await asyncio.wait([self._task], timeout=STOP_WAIT_SECONDS)
            self._task = None

    def wake(self) -> None:
        self._wake.set()

    async def relay_due(self) -> int:
        """Move every due row into its stream; returns how many rows this call moved."""
        moved = 0
        for _ in range(MAX_BATCHES_PER_ROUND):
            rows = await self.db.read(lambda conn: conn.fetch_all(_DUE, (now_ms(), RELAY_BATCH)))
            if not rows:
                break
            await self.link.run(lambda client: self._send_rows(client, rows))
            await self.db.write(lambda conn: conn.executemany(
                _SENT, [(row["id"], row["attempts"], row["run_at"]) for row in rows]))
            moved += len(rows)
            if len(rows) < RELAY_BATCH:
                break
        return moved

    async def _send_rows(self, client, rows) -> None:
        pipe = client.pipeline(transaction=False)
        for row in rows:
            mark = self.link.key("jobs", "sent", f"{row['id']}:{row['attempts']}:{row['run_at']}")
            fields = [item for pair in job_fields(row).items() for item in pair]
            await self._send(keys=[mark, self.stream_for(row["priority"])], args=[SENT_MARK_TTL_MS, *fields], client=pipe)
        await pipe.execute()

    async def _relay_forever(self) -> None:
        failing = False
        while not self._stopping:
            self._wake.clear()
            try:
                await self.relay_due()
                failing = False
            except asyncio.CancelledError:
                raise
            except RedisUnavailable:
                pass  # the rows wait in the database; the link logs the outage once
            except Exception:
                if not failing:
                    log.exception("the job relay failed; retrying every %.0f s", RELAY_POLL_SECONDS)
                failing = True
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), RELAY_POLL_SECONDS)
