"""Translating the shared SQL for PostgreSQL: placeholders and the schema's types."""

import pytest

from server.stores.dialect import postgres_ddl, postgres_params
from server.stores.schema import MIGRATIONS


@pytest.mark.parametrize("shared, postgres", [
    ("SELECT * FROM users WHERE id = ? AND username = ?", "SELECT * FROM users WHERE id = %s AND username = %s"),
    ("SELECT '100%' AS a WHERE b LIKE ?", "SELECT '100%%' AS a WHERE b LIKE %s"),
    ("SELECT 'why?' , ?", "SELECT 'why?' , %s"),
    ("SELECT 'it''s ?' , ?", "SELECT 'it''s ?' , %s"),
    ('SELECT "odd?name" FROM t WHERE x = ?', 'SELECT "odd?name" FROM t WHERE x = %s'),
    ("SELECT 1 -- really? 100%\nWHERE x = ?", "SELECT 1 -- really? 100%%\nWHERE x = %s"),
    ("SELECT id % 2 FROM t", "SELECT id %% 2 FROM t"),
])
def test_placeholders_become_psycopg_style_outside_quotes(shared, postgres):
    assert postgres_params(shared) == postgres


def test_types_become_64_bit_integers_and_byte_ordered_text():
    ddl = postgres_ddl("""CREATE TABLE comments (
        id INTEGER PRIMARY KEY,
        text TEXT NOT NULL,
        alt_text TEXT NOT NULL DEFAULT ''
    ) WITHOUT ROWID""")
    assert "WITHOUT ROWID" not in ddl and ddl.endswith(")")
    assert "id BIGINT PRIMARY KEY" in ddl
    assert 'text TEXT COLLATE "C" NOT NULL' in ddl  # the column named text keeps its name
    assert 'alt_text TEXT COLLATE "C" NOT NULL' in ddl


def test_every_shipped_migration_translates_without_sqlite_only_words():
    for _, statements in MIGRATIONS:
        for statement in statements:
            ddl = postgres_ddl(statement)
            assert "INTEGER" not in ddl and "ROWID" not in ddl.upper(), ddl
