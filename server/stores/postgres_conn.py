"""The ``Conn`` a unit of work sees on PostgreSQL: the shared SQL in, rows like ``sqlite3.Row`` out."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

import psycopg
from psycopg.adapt import Dumper, Loader

from .base import IntegrityError
from .dialect import postgres_params

INT8_OID = 20


class Row:
    """A result row read like ``sqlite3.Row``: ``row["column"]`` or ``row[0]``."""

    __slots__ = ("_values", "_columns")

    def __init__(self, values: Sequence[Any], columns: dict[str, int]) -> None:
        self._values = tuple(values)
        self._columns = columns

    def __getitem__(self, key: int | slice | str) -> Any:
        if isinstance(key, str):
            return self._values[self._columns[key]]
        return self._values[key]

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self):
        return iter(self._values)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Row) and self._values == other._values and self._columns == other._columns

    __hash__ = None  # type: ignore[assignment]  # compared by value and unhashable, like sqlite3.Row

    def keys(self) -> list[str]:
        return list(self._columns)

    def __repr__(self) -> str:
        return f"Row({dict(zip(self._columns, self._values))!r})"


def row_factory(cursor: psycopg.Cursor) -> Callable[[Sequence[Any]], Row]:
    columns: dict[str, int] = {}
    for index, column in enumerate(cursor.description or ()):
        columns.setdefault(column.name, index)  # like sqlite3.Row, the first of duplicate names wins
    return lambda values: Row(values, columns)


class BoolAsInteger(Dumper):
    """Booleans are stored as 0/1 integers (see schema.py), so a Python bool is sent as one, as on SQLite."""

    oid = INT8_OID

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


class NumericAsSQLite(Loader):
    """``SUM`` of integers is ``numeric`` in PostgreSQL (a Decimal in Python) but an integer in SQLite, and
    ``AVG`` is a float there: numeric results come back as SQLite would give them."""

    def load(self, data: bytes | bytearray | memoryview) -> int | float:
        text = bytes(data).decode("ascii")
        try:
            return int(text)
        except ValueError:
            return float(text)  # a fraction, or NaN / Infinity


def configure(raw: psycopg.Connection) -> None:
    """Run once on every new pooled connection."""
    raw.adapters.register_dumper(bool, BoolAsInteger)
    raw.adapters.register_loader("numeric", NumericAsSQLite)


class PostgresConn:
    dialect = "postgresql"

    def __init__(self, raw: psycopg.Connection) -> None:
        self.raw = raw
        self.pending_callbacks: list[Callable[[], None]] = []
        self.failure: psycopg.Error | None = None  # the first failed statement, even if the unit caught it

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` (on a database thread, so keep it tiny) once this unit's transaction commits."""
        self.pending_callbacks.append(callback)

    def _failed(self, exc: psycopg.Error) -> Exception:
        self.failure = self.failure or exc
        return IntegrityError(str(exc)) if isinstance(exc, psycopg.IntegrityError) else exc

    def _run(self, sql: str, params: Sequence[Any]) -> psycopg.Cursor:
        try:
            return self.raw.execute(postgres_params(sql), params)
        except psycopg.Error as exc:
            error = self._failed(exc)
            if error is exc:
                raise
            raise error from exc

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._run(sql, params).rowcount

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            self.raw.cursor().executemany(postgres_params(sql), rows)
        except psycopg.Error as exc:
            error = self._failed(exc)
            if error is exc:
                raise
            raise error from exc

    def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        cursor = self._run(sql, params)
        return cursor.fetchall() if cursor.description is not None else []

    def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self.fetch_all(sql, params)
        return rows[0] if rows else None

    def fetch_val(self, sql: str, params: Sequence[Any] = ()) -> Any | None:
        row = self.fetch_one(sql, params)
        return None if row is None else row[0]
