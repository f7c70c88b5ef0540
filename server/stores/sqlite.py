"""SQLite in WAL mode: one writer thread with group commit, a pool of reader threads.

Every write goes through a single thread inside ``BEGIN IMMEDIATE``, so SQLite never answers
"database is locked" under load. Writes queued while a transaction runs are committed together
(group commit); each unit runs in its own savepoint so one failure does not undo its neighbours.
Readers use their own connections and see committed snapshots concurrently with the writer.
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import sqlite3
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, TypeVar

from .base import IntegrityError

T = TypeVar("T")
log = logging.getLogger(__name__)

MAX_UNITS_PER_COMMIT = 64  # bounds how long one group commit holds the write lock
READER_THREADS = 4  # reads are short index lookups; more threads than cores only adds contention
BUSY_TIMEOUT_MS = 5_000  # only readers can wait (checkpoints); the single writer never contends


class SQLiteConn:
    dialect = "sqlite"

    def __init__(self, raw: sqlite3.Connection) -> None:
        self.raw = raw
        self.pending_callbacks: list[Callable[[], None]] = []

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` (on the writer thread, so keep it tiny) once this unit's transaction commits."""
        self.pending_callbacks.append(callback)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        try:
            return self.raw.execute(sql, params).rowcount
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            self.raw.executemany(sql, rows)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc

    def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self.raw.execute(sql, params).fetchall()
        except sqlite3.IntegrityError as exc:  # INSERT … RETURNING
            raise IntegrityError(str(exc)) from exc

    def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = self.fetch_all(sql, params)
        return rows[0] if rows else None

    def fetch_val(self, sql: str, params: Sequence[Any] = ()) -> Any | None:
        row = self.fetch_one(sql, params)
        return None if row is None else row[0]


def path_from_url(url: str) -> str:
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not a sqlite URL: {url!r} (expected sqlite:///path/to/file.db)")
    return url[len("sqlite:///") - 1 :] if url.startswith("sqlite:////") else "/" + url[len("sqlite:///") :]


def connect(path: str, *, synchronous: str = "full", readonly: bool = False) -> sqlite3.Connection:
    raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    raw.row_factory = sqlite3.Row
    raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    raw.execute("PRAGMA foreign_keys = ON")
    if readonly:
        raw.execute("PRAGMA query_only = 1")
    else:
        raw.execute("PRAGMA journal_mode = WAL")
        raw.execute(f"PRAGMA synchronous = {synchronous.upper()}")
    raw.execute("PRAGMA cache_size = -32000")  # 32 MB page cache per connection
    raw.execute("PRAGMA temp_store = MEMORY")
    return raw


class _WriteRequest:
    __slots__ = ("unit", "future")

    def __init__(self, unit: Callable[[SQLiteConn], Any]) -> None:
        self.unit = unit
        self.future: Future = Future()


_STOP = object()


class SQLiteDatabase:
    def __init__(self, url: str, *, synchronous: str = "full") -> None:
        self.url = url
        self.path = path_from_url(url)
        self.synchronous = synchronous
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._readers: ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._reader_lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------------
    def open_sync(self) -> None:
        if self._writer is not None:
            return
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        from .schema import migrate

        setup = connect(self.path, synchronous=self.synchronous)
        try:
            migrate(setup)
        finally:
            setup.close()
        self._writer = threading.Thread(target=self._write_loop, name="sqlite-writer", daemon=True)
        self._writer.start()
        self._readers = ThreadPoolExecutor(max_workers=READER_THREADS, thread_name_prefix="sqlite-reader")

    async def open(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.open_sync)

    def close_sync(self) -> None:
        if self._writer is None:
            return
        self._queue.put(_STOP)
        self._writer.join()
        self._writer = None
        if self._readers is not None:
            self._readers.shutdown(wait=True)
            self._readers = None
        with self._reader_lock:
            for raw in self._reader_conns:
                raw.close()
            self._reader_conns.clear()
        self._local = threading.local()

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.close_sync)

    # -- reads ---------------------------------------------------------------------------------
    def _reader(self) -> SQLiteConn:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            raw = connect(self.path, readonly=True)
            with self._reader_lock:
                self._reader_conns.append(raw)
            conn = self._local.conn = SQLiteConn(raw)
        return conn

    def _run_read(self, unit: Callable[[SQLiteConn], T]) -> T:
        conn = self._reader()
        conn.raw.execute("BEGIN")  # one snapshot for the whole unit
        try:
            return unit(conn)
        finally:
            conn.raw.execute("COMMIT")

    async def read(self, unit: Callable[[SQLiteConn], T]) -> T:
        if self._readers is None:
            raise RuntimeError("database is not open")
        return await asyncio.wrap_future(self._readers.submit(self._run_read, unit))

    def read_sync(self, unit: Callable[[SQLiteConn], T]) -> T:
        if self._readers is None:
            raise RuntimeError("database is not open")
        return self._readers.submit(self._run_read, unit).result()

    # -- writes --------------------------------------------------------------------------------
    async def write(self, unit: Callable[[SQLiteConn], T]) -> T:
        if self._writer is None:
            raise RuntimeError("database is not open")
        request = _WriteRequest(unit)
        self._queue.put(request)
        return await asyncio.wrap_future(request.future)

    def write_sync(self, unit: Callable[[SQLiteConn], T]) -> T:
        if self._writer is None:
            raise RuntimeError("database is not open")
        request = _WriteRequest(unit)
        self._queue.put(request)
        return request.future.result()

    def _write_loop(self) -> None:
        raw = connect(self.path, synchronous=self.synchronous)
        conn = SQLiteConn(raw)
        try:
            while True:
                first = self._queue.get()
                if first is _STOP:
                    return
                batch = [first]
                stop_after = False
                while len(batch) < MAX_UNITS_PER_COMMIT:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is _STOP:
                        stop_after = True
                        break
                    batch.append(item)
                # A caller that gave up (cancelled) before its unit started is skipped; once running it cannot be cancelled.
                batch = [request for request in batch if request.future.set_running_or_notify_cancel()]
                if batch:
                    try:
                        self._commit_batch(conn, batch)
                    except Exception:  # the writer thread must outlive any single bad batch
                        log.exception("unexpected failure in the SQLite writer")
                        for request in batch:
                            if not request.future.done():
                                request.future.set_exception(RuntimeError("the database writer failed; see the server log"))
                if stop_after:
                    return
        finally:
            try:
                raw.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass
            raw.close()

    def _commit_batch(self, conn: SQLiteConn, batch: list[_WriteRequest]) -> None:
        raw = conn.raw
        outcomes: list[tuple[_WriteRequest, bool, Any]] = []
        try:
            raw.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            for request in batch:
                request.future.set_exception(exc)
            return
        callbacks: list[Callable[[], None]] = []
        for request in batch:
            raw.execute("SAVEPOINT unit")
            conn.pending_callbacks = []
            try:
                result = request.unit(conn)
            except BaseException as exc:  # the unit's own fault: undo just this unit
                try:
                    raw.execute("ROLLBACK TO unit")
                    raw.execute("RELEASE unit")
                except sqlite3.Error:
                    log.exception("could not roll back a failed write unit")
                outcomes.append((request, False, exc))
            else:
                raw.execute("RELEASE unit")
                outcomes.append((request, True, result))
                callbacks.extend(conn.pending_callbacks)
            conn.pending_callbacks = []
        try:
            raw.execute("COMMIT")
        except sqlite3.Error as exc:
            log.exception("commit failed; %d writes refused", len(batch))
            try:
                raw.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            for request in batch:
                request.future.set_exception(exc)
            return
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("an after-commit callback failed")
        for request, ok, value in outcomes:
            if ok:
                request.future.set_result(value)
            else:
                request.future.set_exception(value)

    async def ping(self) -> None:
        await self.read(lambda conn: conn.fetch_val("SELECT 1"))

    def checkpoint(self) -> None:
        self.write_sync(lambda conn: None)

    def file_size(self) -> int:
        total = 0
        for suffix in ("", "-wal"):
            try:
                total += os.path.getsize(self.path + suffix)
            except OSError:
                pass
        return total
