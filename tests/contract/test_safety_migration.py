"""Migration 0010_safety on a server that already has accounts: the earliest account becomes the admin (earlier
admins stay admins), everyone else a user, nothing hidden; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from server.stores import postgres_schema, schema
from tests.contract.test_database_contract import make_database, store_url

BEFORE = [migration for migration in schema.MIGRATIONS if migration[0] != "0010_safety"]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_upgrading_makes_the_earliest_account_admin(kind, tmp_path, monkeypatch):
    with store_url(kind, tmp_path) as url:
        with monkeypatch.context() as patch:  # the server as it was before this migration
            patch.setattr(schema, "MIGRATIONS", BEFORE)
            patch.setattr(postgres_schema, "MIGRATIONS", BEFORE)
            old = make_database(url)
            await old.open()
            await old.write(lambda conn: conn.executemany(
                "INSERT INTO users (id, username, password_hash, is_admin, created_at) VALUES (?, ?, 'x', ?, ?)",
                [(30, "first", 0, 100), (10, "later", 0, 200), (20, "admin2", 1, 300)]))
            await old.close()
        db = make_database(url)
        await db.open()
        try:
            rows = await db.read(lambda conn: conn.fetch_all(
                "SELECT username, role, is_admin, hidden, must_change_password FROM users ORDER BY created_at"))
        finally:
            await db.close()
    assert [tuple(row) for row in rows] == [("first", "admin", 1, 0, 0), ("later", "user", 0, 0, 0), ("admin2", "admin", 1, 0, 0)]
