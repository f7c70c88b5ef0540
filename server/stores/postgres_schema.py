"""The shared migrations (``schema.MIGRATIONS``) applied to PostgreSQL and recorded in ``_migrations``.

Several server and worker processes may start at once against one database; an advisory lock makes
them take turns, so each migration is applied exactly once. Every migration runs in its own
transaction (PostgreSQL's DDL is transactional): a failure leaves the schema as it was before it.
"""

from __future__ import annotations


import psycopg

from ..clock import now_ms
from .dialect import postgres_ddl
from .schema import MIGRATIONS

# An arbitrary 64-bit key ("PhotoShr" in ASCII) naming the lock every PhotoShare process takes to migrate.
MIGRATION_LOCK_KEY = 0x50686F746F536872
# The same shape sqlite-utils gives the table on SQLite.
_MIGRATIONS_TABLE = 'CREATE TABLE IF NOT EXISTS _migrations (name TEXT COLLATE "C" PRIMARY KEY, applied_at BIGINT)'


def migrate(raw: psycopg.Connection) -> list[str]:
    """Apply every migration not yet recorded; return the names applied. ``raw`` must be in autocommit mode."""
    raw.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
    try:
        raw.execute(_MIGRATIONS_TABLE)
        done = {row[0] for row in raw.execute("SELECT name FROM _migrations").fetchall()}
        applied = []
        for name, statements in MIGRATIONS:
            if name in done:
                continue
            with raw.transaction():
                for statement in statements:
                    raw.execute(postgres_ddl(statement))
                raw.execute("INSERT INTO _migrations (name, applied_at) VALUES (%s, %s)", (name, now_ms()))
            applied.append(name)
        return applied
    finally:
        raw.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))


def applied_migrations(raw: psycopg.Connection) -> list[str]:
    """Names recorded in ``_migrations``, in the order they were applied; empty for a fresh database."""
    exists = raw.execute("SELECT to_regclass('_migrations') IS NOT NULL").fetchone()[0]
    if not exists:
        return []
    return [row[0] for row in raw.execute("SELECT name FROM _migrations ORDER BY applied_at, name").fetchall()]
