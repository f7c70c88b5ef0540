"""A PostgreSQL copy of the feed benchmark's dataset, for the Redis + PostgreSQL backend.

The SQLite dataset (``dataset.py``) is the source: each table is streamed into PostgreSQL with
``COPY … FROM STDIN``, into the schema the product itself creates (``server.stores.postgres_schema.migrate``,
the shared migrations), so the server measured is exactly what a deployment on PostgreSQL runs.

How, for speed (20 million follows; about two minutes on two cores):

- secondary indexes (every index that does not back a primary key or a UNIQUE constraint) are dropped
  before the load and created again after it, with a large ``maintenance_work_mem`` for this session;
- SQLite writes each row already in COPY's text format (escaped in SQL), so Python only moves strings;
- foreign-key triggers are off for the load (``session_replication_role = replica``): the rows come from a
  database where they already hold. The constraints themselves stay in the schema;
- ``VACUUM (ANALYZE)`` at the end: fresh planner statistics, and a visibility map, so index-only scans of
  ``follows`` work from the first query as they would on a long-running deployment.

Cached: a table ``bench_dataset`` holds the SQLite dataset's description (``dataset.json``) and the row
counts copied; when it matches the SQLite dataset and the big tables' counts still agree, nothing is
done. Otherwise the database (``photoshare_bench`` by default; ``$PHOTOSHARE_BENCH_DATABASE_URL``) is
dropped and made again — only if it is empty or was made by this script, never any other database.

Example: .venv/bin/python -m bench.feed.pg_dataset   (prints what is in PostgreSQL; a rerun reuses it)
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql

from bench.feed import dataset
from server.stores.copy_to_postgres import source_row_counts, tables_in_copy_order
from server.stores.postgres_schema import migrate

DATABASE_URL = os.environ.get("PHOTOSHARE_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/photoshare_bench")
MARKER_TABLE = "bench_dataset"
CHECKED_TABLES = ("users", "posts", "follows")  # the dataset's own rows; a rerun's leftovers elsewhere do not matter
ROWS_PER_FETCH = 20_000
INDEX_BUILD_MEMORY = "1GB"
_SQLITE_TEXT_TYPES = ("TEXT", "")


def _sqlite_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _copy_line_sql(source: sqlite3.Connection, table: str) -> tuple[list[str], str]:
    """The table's columns, and a SELECT giving each row as one line of COPY's text format."""
    columns = [(row[1], (row[2] or "").upper()) for row in source.execute(f"PRAGMA table_info({_sqlite_name(table)})")]
    fields = []
    for name, declared in columns:
        column = _sqlite_name(name)
        if declared in ("INTEGER", "REAL"):
            value = f"CAST({column} AS TEXT)"
        elif declared == "BLOB":
            value = f"'\\x' || hex({column})"  # bytea's hex input
        else:  # text: COPY's escapes for backslash, tab, newline and carriage return
            value = (f"replace(replace(replace(replace(CAST({column} AS TEXT), '\\', '\\\\'), char(9), '\\t'),"
                     f" char(10), '\\n'), char(13), '\\r')")
        fields.append(f"CASE WHEN {column} IS NULL THEN '\\N' ELSE {value} END")
    line = " || char(9) || ".join(fields) + " || char(10)"
    return [name for name, _ in columns], f"SELECT {line} FROM {_sqlite_name(table)}"


def _admin_url(url: str) -> tuple[str, str]:
    """(a URL of the same server's ``postgres`` database, the database name in ``url``)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    name = info.get("dbname")
    if not name:
        raise SystemExit(f"{url}: name a database (e.g. …/photoshare_bench)")
    info["dbname"] = "postgres"
    return psycopg.conninfo.make_conninfo(**info), name


def _described(url: str) -> dict | None:
    """What the database's marker says, or None when it must be (re)loaded."""
    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return None
    with psycopg.connect(url, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass(%s) IS NULL", (MARKER_TABLE,)).fetchone()[0]:
            tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()").fetchone()[0]
            if tables:
                raise SystemExit(f"{url} holds tables but no {MARKER_TABLE}: not made by this script, so it is left alone;"
                                 " point $PHOTOSHARE_BENCH_DATABASE_URL at another database")
            return None
        row = conn.execute(sql.SQL("SELECT state, description FROM {}").format(sql.Identifier(MARKER_TABLE))).fetchone()
        if row is None or row[0] != "ready":
            return None
        description = json.loads(row[1])
        counts = {table: conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
                  for table in CHECKED_TABLES}
        if any(counts[table] != description["rows"].get(table) for table in CHECKED_TABLES):
            return None
        return description


def _recreate(url: str) -> None:
    admin, name = _admin_url(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _secondary_indexes(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """Indexes that back no constraint (primary keys and UNIQUE constraints stay): (name, definition)."""
    return conn.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x"
        " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
        " JOIN pg_namespace n ON n.oid = t.relnamespace"
        " WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        " ORDER BY i.relname").fetchall()


def build(url: str = DATABASE_URL, data_dir: Path = dataset.DATA_DIR) -> dict:
    """Make sure ``url`` holds the SQLite dataset in ``data_dir``; returns the marker's description."""
    info = dataset.build(data_dir)
    description = _described(url)
    if description is not None and description["dataset"] == info:
        return description
    started = time.monotonic()
    _recreate(url)  # empty, or made by this script (checked above)
    source = sqlite3.connect(data_dir / "photoshare.db")
    try:
        with psycopg.connect(url, autocommit=True) as target:
            migrate(target)  # the product's own schema, as any server on this database would make it
            target.execute(sql.SQL("CREATE TABLE {} (state TEXT NOT NULL, description TEXT NOT NULL)").format(sql.Identifier(MARKER_TABLE)))
            target.execute(sql.SQL("INSERT INTO {} VALUES ('loading', '{{}}')").format(sql.Identifier(MARKER_TABLE)))
            indexes = _secondary_indexes(target)
            for name, _ in indexes:
                target.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
            target.execute("SET session_replication_role = replica")
            target.execute("SET synchronous_commit = off")
            source.execute("BEGIN")  # one snapshot across every table
            tables = tables_in_copy_order(source)
            expected = source_row_counts(source, tables)
            copied = {}
            for table in tables:
                if expected[table]:
                    copied[table] = _copy_table(source, target, table)
                    print(f"  {table}: {copied[table]:,} rows ({time.monotonic() - started:.0f} s)", flush=True)
            source.execute("COMMIT")
            target.execute("SET session_replication_role = DEFAULT")
            target.execute(sql.SQL("SET maintenance_work_mem = {}").format(sql.Literal(INDEX_BUILD_MEMORY)))
            for name, definition in indexes:
                target.execute(definition)
                print(f"  index {name} ({time.monotonic() - started:.0f} s)", flush=True)
            target.execute("VACUUM (ANALYZE)")
            wrong = {table: (rows, copied.get(table, 0)) for table, rows in expected.items() if copied.get(table, 0) != rows}
            if wrong:
                raise SystemExit(f"row counts differ after copying (SQLite, PostgreSQL): {wrong}")
            description = {"dataset": info, "rows": copied, "load_seconds": round(time.monotonic() - started, 1)}
            target.execute(sql.SQL("UPDATE {} SET state = 'ready', description = %s").format(sql.Identifier(MARKER_TABLE)),
                           (json.dumps(description),))
    finally:
        source.close()
    return description


def _copy_table(source: sqlite3.Connection, target: psycopg.Connection, table: str) -> int:
    columns, select = _copy_line_sql(source, table)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    cursor = source.execute(select)
    with target.cursor().copy(statement) as copy:
        while batch := cursor.fetchmany(ROWS_PER_FETCH):
            copy.write("".join(row[0] for row in batch))
    return target.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]


if __name__ == "__main__":
    print(json.dumps(build(sys.argv[1] if len(sys.argv) > 1 else DATABASE_URL), indent=2))
