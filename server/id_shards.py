"""Leasing an id shard per process, so ids stay unique when many processes share one database.

Ids carry 13 bits of shard (see ``ids.py``). A process leases the lowest free shard from the
``id_shards`` table when it starts, renews the lease while it runs and frees it when it stops. A
process that dies keeps its shard until the lease runs out, so no restarted process can reuse it
while ids it made in the same millisecond might still be arriving.
"""

from __future__ import annotations

import asyncio
import logging

from .clock import now_ms
from .ids import MAX_SHARD, IdGenerator
from .jobs.database import process_identity, use_id_generator
from .stores.base import Conn, Database, IntegrityError

log = logging.getLogger(__name__)

LEASE_MS = 10 * 60 * 1000  # long enough to ride out a database hiccup, short enough to recycle shards of dead processes
RENEW_SECONDS = 120  # several renewals fit in one lease
ACQUIRE_ATTEMPTS = 5  # concurrent starters racing for the same free shard retry with the next one


class ShardExhausted(RuntimeError):
    pass


class ShardLease:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.holder = process_identity()
        self.shard: int | None = None
        self._renewer: asyncio.Task | None = None

    async def acquire(self) -> IdGenerator:
        for _ in range(ACQUIRE_ATTEMPTS):
            try:
                self.shard = await self.db.write(self._take_one)
                break
            except IntegrityError:
                continue
        else:
            raise ShardExhausted("could not lease an id shard; is the database shared by thousands of processes?")
        generator = IdGenerator(shard=self.shard)
        use_id_generator(generator)
        self._renewer = asyncio.create_task(self._renew_forever(), name="id-shard-lease")
        return generator

    def _take_one(self, conn: Conn) -> int:
        now = now_ms()
        free = conn.fetch_val("SELECT shard FROM id_shards WHERE expires_at < ? ORDER BY shard LIMIT 1", (now,))
        if free is not None:
            if conn.execute("UPDATE id_shards SET holder = ?, expires_at = ? WHERE shard = ? AND expires_at < ?",
                            (self.holder, now + LEASE_MS, free, now)) == 1:
                return free
            raise IntegrityError("shard taken concurrently")
        shard = conn.fetch_val("SELECT COALESCE(MAX(shard) + 1, 0) FROM id_shards")
        if shard > MAX_SHARD:
            raise ShardExhausted(f"all {MAX_SHARD + 1} id shards are leased by live processes")
        conn.execute("INSERT INTO id_shards (shard, holder, expires_at) VALUES (?, ?, ?)", (shard, self.holder, now + LEASE_MS))
        return shard

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                await self.db.write(lambda conn: conn.execute(
                    "UPDATE id_shards SET expires_at = ? WHERE shard = ? AND holder = ?",
                    (now_ms() + LEASE_MS, self.shard, self.holder)))
            except Exception:
                log.exception("could not renew the id shard lease; will try again")

    async def release(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            await asyncio.gather(self._renewer, return_exceptions=True)
        if self.shard is not None:
            try:
                await self.db.write(lambda conn: conn.execute(
                    "UPDATE id_shards SET expires_at = 0 WHERE shard = ? AND holder = ?", (self.shard, self.holder)))
            except Exception:
                log.exception("could not free the id shard; it frees itself when its lease runs out")
