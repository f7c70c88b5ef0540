"""The SQLite store: one writer (never 'database is locked'), concurrent readers, durable commits.

What every store promises (atomic units, integrity errors, after-commit callbacks) is proved on SQLite
and PostgreSQL alike in ``tests/contract/test_database_contract.py``; this file keeps what is SQLite's own.
"""

import asyncio
import sqlite3

import pytest

from server.stores.sqlite import SQLiteDatabase


@pytest.fixture
async def db(tmp_path):
    database = SQLiteDatabase(f"sqlite:///{tmp_path}/test.db", synchronous="normal")
    await database.open()
    yield database
    await database.close()


def add_user(user_id: int):
    def unit(conn):
        conn.execute("INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, 'x', 0)", (user_id, f"u{user_id}"))
        return user_id

    return unit


async def test_schema_is_migrated_and_wal_is_on(db):
    mode = await db.read(lambda conn: conn.fetch_val("PRAGMA journal_mode"))
    assert mode == "wal"
    names = await db.read(lambda conn: [r[0] for r in conn.fetch_all("SELECT name FROM _migrations")])
    from server.stores.schema import MIGRATIONS

    assert names == [name for name, _ in MIGRATIONS]


async def test_many_concurrent_writes_never_lock(db):
    results = await asyncio.gather(*(db.write(add_user(i)) for i in range(1, 2001)))
    assert sorted(results) == list(range(1, 2001))
    assert await db.read(lambda conn: conn.fetch_val("SELECT COUNT(*) FROM users")) == 2000




async def test_reads_run_while_writes_are_queued(db):
    await db.write(add_user(1))
    writes = [db.write(add_user(i)) for i in range(2, 500)]
    reads = [db.read(lambda conn: conn.fetch_val("SELECT COUNT(*) FROM users")) for _ in range(50)]
    counts = await asyncio.gather(*reads)
    await asyncio.gather(*writes)
    assert all(1 <= count <= 499 for count in counts)


async def test_committed_data_survives_reopen(tmp_path):
    url = f"sqlite:///{tmp_path}/durable.db"
    first = SQLiteDatabase(url)
    await first.open()
    await first.write(add_user(7))
    await first.close()
    raw = sqlite3.connect(str(tmp_path / "durable.db"))
    assert raw.execute("SELECT username FROM users").fetchall() == [("u7",)]
    raw.close()


async def test_a_caller_that_gives_up_does_not_stop_the_writer(db):
    import contextlib
    import threading

    running, gate = threading.Event(), threading.Event()

    def slow(conn):
        running.set()
        gate.wait(5)

    blocker = asyncio.ensure_future(db.write(slow))
    assert await asyncio.to_thread(running.wait, 5)  # the writer is busy with the blocker
    abandoned = asyncio.ensure_future(db.write(add_user(1)))
    await asyncio.sleep(0)  # one loop turn: the task runs up to queueing its request behind the blocker
    abandoned.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await abandoned  # by now the queued request is cancelled too (wrap_future's callback runs first)
    gate.set()
    await blocker
    assert await db.write(add_user(2)) == 2  # the writer is still alive
    names = await db.read(lambda conn: [r[0] for r in conn.fetch_all("SELECT username FROM users")])
    assert names == ["u2"]
