"""The SQLite store: one writer (never 'database is locked'), concurrent readers, atomic units."""

import asyncio
import sqlite3

import pytest

from server.stores.base import IntegrityError
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


async def test_a_failing_unit_is_rolled_back_alone(db):
    def half_then_fail(conn):
        conn.execute("INSERT INTO users (id, username, password_hash, created_at) VALUES (10, 'ten', 'x', 0)")
        raise ValueError("boom")

    outcomes = await asyncio.gather(db.write(add_user(1)), db.write(half_then_fail), db.write(add_user(2)), return_exceptions=True)
    assert outcomes[0] == 1 and outcomes[2] == 2
    assert isinstance(outcomes[1], ValueError)
    names = await db.read(lambda conn: [r[0] for r in conn.fetch_all("SELECT username FROM users ORDER BY id")])
    assert names == ["u1", "u2"]


async def test_uniqueness_surfaces_as_integrity_error(db):
    await db.write(add_user(1))
    with pytest.raises(IntegrityError):
        await db.write(add_user(1))


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
    import threading

    gate = threading.Event()

    def slow(conn):
        gate.wait(5)

    blocker = asyncio.ensure_future(db.write(slow))
    await asyncio.sleep(0.05)
    abandoned = asyncio.ensure_future(db.write(add_user(1)))
    await asyncio.sleep(0.01)
    abandoned.cancel()
    await asyncio.sleep(0.01)  # let the cancellation reach the queued request
    gate.set()
    await blocker
    assert await db.write(add_user(2)) == 2  # the writer is still alive
    names = await db.read(lambda conn: [r[0] for r in conn.fetch_all("SELECT username FROM users")])
    assert names == ["u2"]


async def test_after_commit_callbacks_run_only_for_committed_units(db):
    seen = []

    def good(conn):
        conn.after_commit(lambda: seen.append("good"))
        conn.execute("INSERT INTO users (id, username, password_hash, created_at) VALUES (1, 'a', 'x', 0)")

    def bad(conn):
        conn.after_commit(lambda: seen.append("bad"))
        raise ValueError("rolled back")

    await asyncio.gather(db.write(good), db.write(bad), return_exceptions=True)
    assert seen == ["good"]
