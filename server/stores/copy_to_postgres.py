"""Copy an embedded deployment's metadata (its SQLite file) into PostgreSQL, verified by counts.

Both sides are brought to the same schema first (the shared migrations), then every table is
streamed with ``COPY … FROM STDIN`` in batches, parents before children so foreign keys hold,
inside one PostgreSQL transaction: the target ends up with all of the data or none of it. Row counts
are compared table by table before that transaction commits. Media stays where it is: rows refer to
files by key, and the new deployment's ``blob_url`` must reach the same files.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from typing import Callable

import psycopg
from psycopg import sql

from .postgres_schema import applied_migrations, migrate
from .schema import migrate as migrate_sqlite
from .sqlite import connect as connect_sqlite

BATCH_ROWS = 2_000  # rows read from SQLite per step: bounded memory, and a smooth progress bar
SKIPPED_TABLES = {"_migrations"}  # each side records its own migrations


class CopyRefused(Exception):
    """The copy cannot start (the target holds data, or the two schemas differ); nothing was written."""


@dataclasses.dataclass(frozen=True)
class TableCount:
    table: str
    source_rows: int
    target_rows: int

    @property
    def matches(self) -> bool:
        return self.source_rows == self.target_rows


class CopyCountMismatch(Exception):
    """Some table's row count differs after copying; the copy was rolled back."""

    def __init__(self, counts: list[TableCount]) -> None:
        self.counts = counts
        wrong = ", ".join(f"{c.table} ({c.source_rows} → {c.target_rows})" for c in counts if not c.matches)
        super().__init__(f"row counts differ after copying: {wrong}; nothing was kept")


def tables_in_copy_order(source: sqlite3.Connection) -> list[str]:
    """Every application table, each after the tables its foreign keys point to."""
    names = sorted(
        row[0] for row in source.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        if row[0] not in SKIPPED_TABLES
    )
    parents = {name: {row[2] for row in source.execute(f"PRAGMA foreign_key_list({_sqlite_name(name)})")} - {name} for name in names}
    ordered: list[str] = []
    while len(ordered) < len(names):
        ready = [name for name in names if name not in ordered and parents[name] <= set(ordered)]
        if not ready:
            raise CopyRefused(f"foreign keys form a cycle among: {sorted(set(names) - set(ordered))}")
        ordered += ready
    return ordered


def _sqlite_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _columns(source: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in source.execute(f"PRAGMA table_info({_sqlite_name(table)})")]


def _target_columns(target: psycopg.Connection, table: str) -> list[str]:
    rows = target.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s"
        " ORDER BY ordinal_position", (table,)).fetchall()
    return [row[0] for row in rows]


def _count(target: psycopg.Connection, table: str) -> int:
    return target.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]


def _check_schemas(source: sqlite3.Connection, target: psycopg.Connection, tables: list[str]) -> None:
    source_migrations = sorted(row[0] for row in source.execute("SELECT name FROM _migrations"))
    if source_migrations != sorted(applied_migrations(target)):
        raise CopyRefused("the SQLite and PostgreSQL schemas are at different migrations; run the same PhotoShare version on both")
    for table in tables:
        if sorted(_columns(source, table)) != sorted(_target_columns(target, table)):
            raise CopyRefused(f"table {table!r} has different columns in SQLite and PostgreSQL")


def source_row_counts(source: sqlite3.Connection, tables: list[str]) -> dict[str, int]:
    return {table: source.execute(f"SELECT COUNT(*) FROM {_sqlite_name(table)}").fetchone()[0] for table in tables}


def copy_sqlite_to_postgres(sqlite_path: str, postgres_url: str, *, force: bool = False,
                            on_start: Callable[[int], None] | None = None,
                            on_rows: Callable[[int], None] | None = None) -> list[TableCount]:
    """Copy every table; returns the verified counts. ``on_start(total_rows)`` and ``on_rows(n)`` report progress.

    Raises ``CopyRefused`` (nothing written) when the target already holds data and ``force`` is
    false, or when the schemas differ; any other failure rolls the whole copy back.
    """
    source = connect_sqlite(sqlite_path)
    try:
        migrate_sqlite(source)  # what starting the server would do: both sides at the same schema
        with psycopg.connect(postgres_url, autocommit=True) as target:
            migrate(target)
            counts = _copy(source, target, force=force, on_start=on_start, on_rows=on_rows)
            for table in counts:  # fresh statistics, so the planner uses the indexes from the first query
                target.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table.table)))
            return counts
    finally:
        source.close()


def _copy(source: sqlite3.Connection, target: psycopg.Connection, *, force: bool,
          on_start: Callable[[int], None] | None, on_rows: Callable[[int], None] | None) -> list[TableCount]:
    source.execute("BEGIN")  # one snapshot of the source across every table
    try:
        tables = tables_in_copy_order(source)
        _check_schemas(source, target, tables)
        expected = source_row_counts(source, tables)
        with target.transaction():
            occupied = [table for table in tables if _count(target, table)]
            if occupied and not force:
                raise CopyRefused(f"the PostgreSQL database already holds data (in {', '.join(occupied)}); "
                                  "use an empty database, or --force to replace its data")
            if on_start:
                on_start(sum(expected.values()))
            if occupied:
                target.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(map(sql.Identifier, tables))))
            for table in tables:
                _copy_table(source, target, table, on_rows)
            counts = [TableCount(table, expected[table], _count(target, table)) for table in tables]
            if not all(count.matches for count in counts):
                raise CopyCountMismatch(counts)  # rolls the transaction back
        return counts
    finally:
        source.execute("COMMIT")


def _copy_table(source: sqlite3.Connection, target: psycopg.Connection, table: str,
                on_rows: Callable[[int], None] | None) -> None:
    columns = _columns(source, table)
    select = f"SELECT {', '.join(_sqlite_name(c) for c in columns)} FROM {_sqlite_name(table)}"
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
    cursor = source.execute(select)
    with target.cursor().copy(statement) as copy:
        while batch := cursor.fetchmany(BATCH_ROWS):
            for row in batch:
                if any(isinstance(value, str) and "\x00" in value for value in row):
                    _refuse_nul(table, columns, row)
                copy.write_row(tuple(row))
            if on_rows:
                on_rows(len(batch))


def _refuse_nul(table: str, columns: list[str], row: tuple) -> None:
    """Text stored before NUL characters were refused: PostgreSQL cannot hold it, and changing it is the owner's call."""
    column = next(name for name, value in zip(columns, row) if isinstance(value, str) and "\x00" in value)
    raise CopyRefused(
        f"a {table}.{column} value holds a NUL character, which PostgreSQL text cannot store; remove them in SQLite first, "
        f"e.g. UPDATE {table} SET {column} = replace({column}, char(0), '') WHERE instr({column}, char(0)) > 0")
