"""Blocks and mutes: one row per (who asked, whom), with the lists of each newest first."""

from __future__ import annotations

from typing import Any

from ..stores.base import Conn, placeholders
from .users import USER_COLUMNS

_TABLES = {
    "blocks": ("blocker_id", "blocked_id"),
    "mutes": ("muter_id", "muted_id"),
}


# -- blocks ---------------------------------------------------------------------------------------------
def is_blocking(conn: Conn, blocker_id: int, blocked_id: int) -> bool:
    return conn.fetch_val("SELECT 1 FROM blocks WHERE blocker_id = ? AND blocked_id = ?", (blocker_id, blocked_id)) is not None


def add_block(conn: Conn, blocker_id: int, blocked_id: int, now: int) -> bool:
    """False when the block already existed."""
    return conn.execute(
        "INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?) ON CONFLICT (blocker_id, blocked_id) DO NOTHING",
        (blocker_id, blocked_id, now)) == 1


def remove_block(conn: Conn, blocker_id: int, blocked_id: int) -> bool:
    return conn.execute("DELETE FROM blocks WHERE blocker_id = ? AND blocked_id = ?", (blocker_id, blocked_id)) == 1


def blocked_either_way(conn: Conn, user_id: int) -> set[int]:
    """Everyone this user blocks or is blocked by."""
    rows = conn.fetch_all(
        "SELECT blocked_id FROM blocks WHERE blocker_id = ? UNION SELECT blocker_id FROM blocks WHERE blocked_id = ?",
        (user_id, user_id))
    return {row[0] for row in rows}


def blocked_among(conn: Conn, user_id: int, other_ids: list[int]) -> set[int]:
    """Which of these users block ``user_id`` or are blocked by them (mentions, notifications)."""
    if not other_ids:
        return set()
    marks = placeholders(len(other_ids))
    rows = conn.fetch_all(
        f"SELECT blocked_id FROM blocks WHERE blocker_id = ? AND blocked_id IN ({marks})"
        f" UNION SELECT blocker_id FROM blocks WHERE blocked_id = ? AND blocker_id IN ({marks})",
        [user_id, *other_ids, user_id, *other_ids])
    return {row[0] for row in rows}


# -- mutes ----------------------------------------------------------------------------------------------
def is_muting(conn: Conn, muter_id: int, muted_id: int) -> bool:
    return conn.fetch_val("SELECT 1 FROM mutes WHERE muter_id = ? AND muted_id = ?", (muter_id, muted_id)) is not None


def add_mute(conn: Conn, muter_id: int, muted_id: int, now: int) -> bool:
    return conn.execute(
        "INSERT INTO mutes (muter_id, muted_id, created_at) VALUES (?, ?, ?) ON CONFLICT (muter_id, muted_id) DO NOTHING",
        (muter_id, muted_id, now)) == 1


def remove_mute(conn: Conn, muter_id: int, muted_id: int) -> bool:
    return conn.execute("DELETE FROM mutes WHERE muter_id = ? AND muted_id = ?", (muter_id, muted_id)) == 1


def muted_ids(conn: Conn, muter_id: int) -> set[int]:
    return {row[0] for row in conn.fetch_all("SELECT muted_id FROM mutes WHERE muter_id = ?", (muter_id,))}


# -- lists ----------------------------------------------------------------------------------------------
def _columns(alias: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in USER_COLUMNS.split(","))


def users_page(conn: Conn, table: str, owner_id: int, after: tuple[int, int] | None, limit: int) -> list[Any]:
    """User rows plus ``listed_at`` of whom ``owner_id`` blocks or mutes (``table``), newest first;
    ``after`` is the (listed_at, user id) of the last row shown."""
    owner, other = _TABLES[table]
    sql = (f"SELECT {_columns('u')}, r.created_at AS listed_at FROM {table} r JOIN users u ON u.id = r.{other}"
           f" WHERE r.{owner} = ?")
    params: list[Any] = [owner_id]
    if after is not None:
        sql += f" AND (r.created_at < ? OR (r.created_at = ? AND r.{other} < ?))"
        params += [after[0], after[0], after[1]]
    sql += f" ORDER BY r.created_at DESC, r.{other} DESC LIMIT ?"
    return conn.fetch_all(sql, [*params, limit])
