"""The metadata-store seam.

Services never see a driver. They hand small synchronous *units of work* — functions that take a
``Conn`` — to ``Database.read`` or ``Database.write``. A write runs its whole unit inside one
transaction; a read sees one consistent snapshot. SQL in the repositories is kept portable
(``?`` placeholders, ``ON CONFLICT``, ``RETURNING``) so SQLite and PostgreSQL share it.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Protocol, Sequence, TypeVar

T = TypeVar("T")


class Conn(Protocol):
    dialect: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; return the number of rows it changed."""

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    def fetch_all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows that support ``row["column"]`` and ``row[0]``."""

    def fetch_one(self, sql: str, params: Sequence[Any] = ()) -> Any | None: ...

    def fetch_val(self, sql: str, params: Sequence[Any] = ()) -> Any | None: ...

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once the unit's transaction has committed (never if it rolls back).

        It runs on the store's own thread: keep it tiny and thread-safe, e.g.
        ``loop.call_soon_threadsafe(...)`` to hand work back to the event loop.
        """


class Database(Protocol):
    url: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def read(self, unit: Callable[[Conn], T]) -> T: ...

    async def write(self, unit: Callable[[Conn], T]) -> T: ...

    def read_sync(self, unit: Callable[[Conn], T]) -> T:
        """For command-line tools that run outside an event loop."""

    def write_sync(self, unit: Callable[[Conn], T]) -> T: ...

    async def ping(self) -> None:
        """Raise if the store cannot answer a trivial query."""


def placeholders(count: int) -> str:
    """``?, ?, ?`` for an IN list of ``count`` values."""
    return ", ".join("?" * count)


class IntegrityError(Exception):
    """A uniqueness or foreign-key rule refused a write (raised by every implementation).

    A unit may catch it only to raise its own error: PostgreSQL refuses any further statement in the
    failed transaction (its store raises ``UnitAborted`` if the unit carries on), SQLite would not.
    """
