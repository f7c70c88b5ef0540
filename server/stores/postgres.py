"""PostgreSQL: the same synchronous units of work, run by a pool of threads on a pool of connections.

SQLite runs every write on one thread, so a unit of work never sees another writer. PostgreSQL runs
writes concurrently; to keep the units' meaning unchanged, each write unit runs in its own
SERIALIZABLE transaction, which PostgreSQL guarantees behaves as if the units had run one at a time,
and a unit that loses a race (a serialization failure or a deadlock) is rolled back and run again.
A unit that keeps losing (a hot row: a popular post's like count) then runs *alone*, as on SQLite:
every write holds a shared "write gate" lock and a unit running alone takes it exclusively, so
progress is guaranteed however heavy the contention. Reads run in a REPEATABLE READ, READ ONLY
transaction: one snapshot for the whole unit, as on SQLite, never blocked by writes.

Units must therefore be safe to run more than once: they only touch the database (and register
``after_commit`` callbacks, which run once, after the attempt that committed). After a statement
fails PostgreSQL refuses further statements in that transaction, so a unit that catches
``IntegrityError`` must raise (as every unit here does), not carry on.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus
from psycopg_pool import ConnectionPool

from .postgres_conn import PostgresConn, configure, row_factory
from .postgres_schema import migrate

T = TypeVar("T")
log = logging.getLogger(__name__)

DEFAULT_POOL_SIZE = 10  # connections (and threads) per process; PostgreSQL's default max_connections is 100
# Tries a write unit gets alongside other writers before it runs alone; most races are won by the
# second try, so the exclusive gate (which pauses every other writer) is the rare last resort.
SHARED_ATTEMPTS = 4
# Beyond those, tries running alone: only a session outside PhotoShare (psql) or a dropped
# connection can make one fail.
MAX_ATTEMPTS = SHARED_ATTEMPTS + 2
RETRY_FIRST_DELAY_S = 0.005  # a few short transactions: long enough for the winner to commit
RETRY_MAX_DELAY_S = 0.1
CONNECT_TIMEOUT_S = 10  # how long opening waits for the server and the pool's first connections
POOL_WAIT_TIMEOUT_S = 30  # how long a unit waits for a free connection before failing
MAX_CONNECTION_AGE_S = 3_600  # connections are replaced hourly, releasing server-side memory
# The write gate: an advisory lock key ("PSWrite" in ASCII) shared by every PhotoShare process.
WRITE_GATE_KEY = 0x50535772697465

# Losing a race: the transaction did nothing durable and the unit may simply run again.
RETRYABLE_ERRORS = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)
_RETRY = object()


class UnitAborted(RuntimeError):
    """A unit caught a failed statement and went on; PostgreSQL had already aborted its transaction."""


def _backoff(attempt: int) -> float:
    """Full jitter: racing units spread out instead of colliding again in step."""
    return random.uniform(0, min(RETRY_MAX_DELAY_S, RETRY_FIRST_DELAY_S * 2 ** (attempt - 1)))


class PostgresDatabase:
    def __init__(self, url: str, *, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        if pool_size < 1:
            raise ValueError("pool_size must be at least 1")
        self.url = url
        self.pool_size = pool_size
        self._pool: ConnectionPool | None = None
        self._threads: ThreadPoolExecutor | None = None
        self._open_lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------------
    def open_sync(self) -> None:
        with self._open_lock:
            if self._pool is not None:
                return
            with psycopg.connect(self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as setup:
                migrate(setup)
            pool = ConnectionPool(
                self.url, min_size=self.pool_size, max_size=self.pool_size, open=False, name="photoshare",
                kwargs={"row_factory": row_factory, "connect_timeout": CONNECT_TIMEOUT_S}, configure=configure,
                timeout=POOL_WAIT_TIMEOUT_S, max_lifetime=MAX_CONNECTION_AGE_S,
            )
            try:
                pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
            except BaseException:
                pool.close()  # or its workers would go on trying to connect in the background
                raise
            self._pool = pool
            # One thread per connection: a unit never waits for a connection held by a queued unit.
            self._threads = ThreadPoolExecutor(max_workers=self.pool_size, thread_name_prefix="postgres")

    async def open(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.open_sync)

    def close_sync(self) -> None:
        with self._open_lock:
            if self._threads is not None:
                self._threads.shutdown(wait=True)
                self._threads = None
            if self._pool is not None:
                self._pool.close()
                self._pool = None

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.close_sync)

    # -- units ---------------------------------------------------------------------------------
    async def read(self, unit: Callable[[PostgresConn], T]) -> T:
        return await self._submit(unit, write=False)

    async def write(self, unit: Callable[[PostgresConn], T]) -> T:
        return await self._submit(unit, write=True)

    def read_sync(self, unit: Callable[[PostgresConn], T]) -> T:
        return self._run_unit(unit, write=False)

    def write_sync(self, unit: Callable[[PostgresConn], T]) -> T:
        return self._run_unit(unit, write=True)

    async def ping(self) -> None:
        await self.read(lambda conn: conn.fetch_val("SELECT 1"))

    async def _submit(self, unit: Callable[[PostgresConn], T], *, write: bool) -> T:
        if self._threads is None:
            raise RuntimeError("database is not open")
        # A caller that gives up before its unit starts cancels it; a running unit finishes.
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._run_unit, unit, write)

    def _run_unit(self, unit: Callable[[PostgresConn], T], write: bool) -> T:
        pool = self._pool
        if pool is None:
            raise RuntimeError("database is not open")
        for attempt in range(1, MAX_ATTEMPTS + 1):
            alone = write and attempt > SHARED_ATTEMPTS
            raw = pool.getconn()
            conn = PostgresConn(raw)
            try:
                result = _attempt(raw, conn, unit, write, alone=alone, may_retry=attempt < MAX_ATTEMPTS)
            finally:
                pool.putconn(raw)  # a broken or closed connection is discarded and replaced
            if result is not _RETRY:
                _run_callbacks(conn.pending_callbacks)
                return result
            if not alone:
                time.sleep(_backoff(attempt))  # with the connection back in the pool for others
        raise AssertionError("unreachable: the last attempt returns or raises")


def _attempt(raw: psycopg.Connection, conn: PostgresConn, unit: Callable[[PostgresConn], T], write: bool, *,
             alone: bool, may_retry: bool):
    """The unit's result once committed, or ``_RETRY`` when it lost a race and may simply run again."""
    committing = False
    try:
        if alone:
            _close_gate(raw)
        raw.isolation_level = psycopg.IsolationLevel.SERIALIZABLE if write else psycopg.IsolationLevel.REPEATABLE_READ
        raw.read_only = not write
        if write and not alone:
            raw.execute("SELECT pg_advisory_xact_lock_shared(%s)", (WRITE_GATE_KEY,))
        result = unit(conn)
        if raw.info.transaction_status == TransactionStatus.INERROR:
            raise UnitAborted(f"a statement in this unit failed and the unit went on: {conn.failure}") from conn.failure
        committing = True
        raw.commit()
        return result
    except BaseException as exc:
        _rollback(raw)
        cause = exc if isinstance(exc, psycopg.Error) else conn.failure
        # Lost a race (the unit may have turned that error into its own), or the connection died
        # before COMMIT was sent: either way nothing was written. A COMMIT that failed on a dead
        # connection has an unknown outcome, so that is never retried.
        lost = isinstance(cause, RETRYABLE_ERRORS) or (raw.broken and not committing)
        if lost and may_retry:
            log.debug("running a %s unit again: %s", "write" if write else "read", cause)
            return _RETRY
        if lost:
            log.warning("a %s unit gave up after %d attempts: %s", "write" if write else "read", MAX_ATTEMPTS, cause)
        raise
    finally:
        if alone:
            _open_gate(raw)  # after the rollback above, never before


def _close_gate(raw: psycopg.Connection) -> None:
    """Wait until no other write runs, and keep new ones waiting (a session lock, so it outlives this
    little transaction: the unit's own transaction then starts with every earlier write committed)."""
    raw.isolation_level = None
    raw.read_only = False
    raw.execute("SELECT pg_advisory_lock(%s)", (WRITE_GATE_KEY,))
    raw.commit()


def _open_gate(raw: psycopg.Connection) -> None:
    if raw.broken or raw.closed:
        return  # the server released the lock with the session
    try:
        raw.execute("SELECT pg_advisory_unlock(%s)", (WRITE_GATE_KEY,))
        raw.commit()
    except psycopg.Error:
        # A connection still holding the gate must never go back to the pool: close it, and the
        # server releases the lock with the session.
        log.exception("could not release the write gate; closing the connection")
        raw.close()


def _rollback(raw: psycopg.Connection) -> None:
    if raw.broken or raw.closed:
        return
    try:
        raw.rollback()
    except psycopg.Error:
        log.warning("rollback failed; the pool will discard this connection", exc_info=True)


def _run_callbacks(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:
            log.exception("an after-commit callback failed")
