"""Keyset pages: read one row more than asked for, so the caller knows whether a next page exists.

Keyset (``WHERE key < ?``) rather than OFFSET: a page never repeats or skips a row when new rows
arrive between page loads, and the cost of a page does not grow with how deep the reader scrolled.
"""

from __future__ import annotations

from typing import Any, Sequence

from ..stores.base import Conn


def fetch_page(conn: Conn, sql: str, params: Sequence[Any], limit: int) -> tuple[list[Any], bool]:
    """Run ``sql`` (which must end just before its LIMIT) and return (at most ``limit`` rows, more exist)."""
    rows = conn.fetch_all(f"{sql} LIMIT ?", [*params, limit + 1])
    return rows[:limit], len(rows) > limit
