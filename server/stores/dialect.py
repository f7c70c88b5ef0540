"""The shared SQL, spoken to PostgreSQL: placeholders for every statement, types for the schema.

Repositories write ``?`` placeholders and the schema is written in SQLite's flavour (see
``schema.py``). PostgreSQL's driver wants ``%s`` (so a literal ``%`` must be doubled), and its
types differ where SQLite is lax: ``INTEGER`` is 32-bit there while our ids and millisecond times
need 64 bits, and text compares by locale unless told otherwise.
"""

from __future__ import annotations

import functools
import re

# Distinct statements seen by a running server: a few hundred fixed ones plus IN lists of every
# length up to a page or a batch. Enough to hold them all; the cache only saves re-scanning text.
STATEMENT_CACHE_SIZE = 4_096

_QUOTED_OR_SPECIAL = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|\?|%")


@functools.lru_cache(maxsize=STATEMENT_CACHE_SIZE)
def postgres_params(sql: str) -> str:
    """``?`` placeholders become ``%s`` and a literal ``%`` becomes ``%%``, outside quotes and comments."""

    def replace(match: re.Match) -> str:
        token = match.group(0)
        if token == "?":
            return "%s"
        if token == "%":
            return "%%"
        if token.startswith("--"):
            return token.replace("%", "%%")  # psycopg scans comments for placeholders too
        return token.replace("%", "%%")  # a '%' inside a string literal is still text to psycopg

    return _QUOTED_OR_SPECIAL.sub(replace, sql)


# Column types, written in upper case in schema.py. Text uses the "C" collation: it compares bytes,
# which for UTF-8 is code-point order — SQLite's BINARY order — so prefix range searches
# (``username >= ? AND username < ?``), ORDER BY and uniqueness agree across both stores whatever
# locale the database was created with, and B-tree indexes serve those ranges.
_TYPE_WORDS = {
    "INTEGER": "BIGINT",
    "TEXT": 'TEXT COLLATE "C"',
    "REAL": "DOUBLE PRECISION",
    "BLOB": "BYTEA",
}
_TYPE_RE = re.compile(r"\b(INTEGER|TEXT|REAL|BLOB)\b")
_WITHOUT_ROWID_RE = re.compile(r"\)\s*WITHOUT\s+ROWID\s*$", re.IGNORECASE)


def postgres_ddl(statement: str) -> str:
    """One schema statement from ``schema.MIGRATIONS``, rewritten for PostgreSQL.

    ``WITHOUT ROWID`` is a SQLite storage hint (the primary key is the table); PostgreSQL tables are
    heaps with separate indexes either way, so it is dropped.
    """
    statement = _WITHOUT_ROWID_RE.sub(")", statement.strip())
    return _TYPE_RE.sub(lambda match: _TYPE_WORDS[match.group(1)], statement)
