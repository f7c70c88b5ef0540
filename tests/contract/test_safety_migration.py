"""Migration 0010_safety on a server that already has accounts: the earliest account becomes the admin (earlier
admins stay admins), everyone else a user, nothing hidden; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.contract.test_database_contract import make_database, store_url

# What 0010_safety added, taken away again: the database as a server from before it left it.
UNDO_0010 = [
    *(f"DROP TABLE {table}" for table in ("report_entries", "reports", "audit_log", "blocks", "mutes")),
    *(f"ALTER TABLE {table} DROP COLUMN {column}" for table, column in (
        ("posts", "hidden"), ("comments", "hidden"), ("users", "hidden"), ("users", "role"),
        ("users", "must_change_password"), ("notifications", "detail"))),
    "DELETE FROM _migrations WHERE name = '0010_safety'",
]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_upgrading_makes_the_earliest_account_admin(kind, tmp_path):
    with store_url(kind, tmp_path) as url:
        old = make_database(url)
        await old.open()

        def as_before(conn):
            for statement in UNDO_0010:
                conn.execute(statement)
            conn.executemany("INSERT INTO users (id, username, password_hash, is_admin, created_at) VALUES (?, ?, 'x', ?, ?)",
                             [(30, "first", 0, 100), (10, "later", 0, 200), (20, "admin2", 1, 300)])

        await old.write(as_before)
        await old.close()
        db = make_database(url)
        await db.open()  # migrates
        try:
            rows = await db.read(lambda conn: conn.fetch_all(
                "SELECT username, role, is_admin, hidden, must_change_password FROM users ORDER BY created_at"))
        finally:
            await db.close()
    assert [tuple(row) for row in rows] == [("first", "admin", 1, 0, 0), ("later", "user", 0, 0, 0), ("admin2", "admin", 1, 0, 0)]
