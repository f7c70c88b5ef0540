"""Units of work per second on each metadata store: independent writes, one hot row, and reads.

Prints one table. The PostgreSQL column needs a server (``PHOTOSHARE_TEST_POSTGRES``, as for the
tests); each run uses a fresh database and drops it.

- *independent writes*: 64 callers inserting different rows (registrations, posts).
- *hot row*: 64 callers each reading a counter and writing it back plus one (the worst case for
  PostgreSQL's concurrent writers: every unit conflicts; SQLite's single writer never notices).
- *atomic increments*: the same row with ``SET n = n + 1`` (how the repositories keep counters).
- *reads*: 64 callers each fetching 20 rows by primary key (a page of hydration).

Example: .venv/bin/python -m bench.stores.run
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time

import pytest

from server.stores.postgres import DEFAULT_POOL_SIZE
from server.stores.sqlite import SQLiteDatabase
from tests.contract.test_database_contract import make_database, store_url

CALLERS = 64  # concurrent callers, about what a busy server process has in flight
UNITS = 2_000  # units per measurement: long enough to swamp start-up noise
ROWS = 1_000


def _insert(user_id: int):
    return lambda conn: conn.execute(
        "INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, 'x', 0)", (user_id, f"u{user_id}"))


def _read_modify_write(conn) -> None:
    value = conn.fetch_val("SELECT follower_count FROM users WHERE id = 1")
    conn.execute("UPDATE users SET follower_count = ? WHERE id = 1", (value + 1,))


def _increment(conn) -> None:
    conn.execute("UPDATE users SET following_count = following_count + 1 WHERE id = 1")


def _read_page(first: int):
    ids = [1 + (first + step * 37) % ROWS for step in range(20)]
    return lambda conn: conn.fetch_all(f"SELECT id, username FROM users WHERE id IN ({', '.join('?' * len(ids))})", ids)


async def _rate(db, units) -> float:
    """Units per second with CALLERS running at once."""
    pending = iter(units)

    async def caller() -> None:
        for unit in pending:
            await (db.read(unit) if getattr(unit, "is_read", False) else db.write(unit))

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(CALLERS)))
    return UNITS / (time.perf_counter() - started)


def _reads(count: int):
    for n in range(count):
        unit = _read_page(n)
        unit.is_read = True
        yield unit


async def measure(kind: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder, store_url(kind, folder) as url:
        # As a server runs them: SQLite with synchronous=full, PostgreSQL with its default pool; both
        # flush every commit to disk before answering.
        db = SQLiteDatabase(url) if kind == "sqlite" else make_database(url, pool_size=DEFAULT_POOL_SIZE)
        await db.open()
        try:
            figures = {"independent writes": await _rate(db, (_insert(n) for n in range(ROWS + 1, ROWS + 1 + UNITS)))}
            await db.write(lambda conn: conn.executemany(
                "INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, 'x', 0)",
                [(n, f"u{n}") for n in range(1, ROWS + 1)]))
            figures["hot row (read, then write)"] = await _rate(db, (_read_modify_write for _ in range(UNITS)))
            figures["hot row (atomic increment)"] = await _rate(db, (_increment for _ in range(UNITS)))
            figures["reads (20 rows each)"] = await _rate(db, _reads(UNITS))
            return figures
        finally:
            await db.close()


async def main() -> None:
    columns = {"sqlite": await measure("sqlite")}
    try:
        columns["postgres"] = await measure("postgres")
    except (Exception, pytest.skip.Exception, pytest.fail.Exception) as exc:  # no server: the SQLite column alone
        print(f"PostgreSQL left out: {exc}")
    names = list(columns["sqlite"])
    print(f"{CALLERS} concurrent callers, {UNITS} units per measurement (units/s)")
    print(f"{'measurement':<30}" + "".join(f"{kind:>12}" for kind in columns))
    for name in names:
        print(f"{name:<30}" + "".join(f"{columns[kind][name]:>12,.0f}" for kind in columns))


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
