"""Saved posts: a private bookmark list per user, ordered by when each post was saved."""

from __future__ import annotations

from typing import Any

from ..stores.base import Conn, placeholders
from .access import visible_post_sql
from .paging import fetch_page


def insert(conn: Conn, user_id: int, post_id: int, save_id: int) -> None:
    """Saving twice keeps the first save (and its place in the list): saving is idempotent."""
    conn.execute(
        "INSERT INTO saves (user_id, post_id, save_id) VALUES (?, ?, ?) ON CONFLICT (user_id, post_id) DO NOTHING",
        (user_id, post_id, save_id),
    )


def delete(conn: Conn, user_id: int, post_id: int) -> None:
    conn.execute("DELETE FROM saves WHERE user_id = ? AND post_id = ?", (user_id, post_id))


def page(conn: Conn, user_id: int, before_save_id: int | None, limit: int) -> tuple[list[Any], bool]:
    """(save_id, post_id) rows, most recently saved first, of posts the user may still see."""
    visible, visible_params = visible_post_sql(user_id)
    sql = (
        "SELECT s.save_id, s.post_id FROM saves s JOIN posts p ON p.id = s.post_id JOIN users u ON u.id = p.user_id"
        f" WHERE s.user_id = ? AND {visible}"
    )
    params: list[Any] = [user_id, *visible_params]
    if before_save_id is not None:
        sql += " AND s.save_id < ?"
        params.append(before_save_id)
    sql += " ORDER BY s.save_id DESC"
    return fetch_page(conn, sql, params, limit)


def saved_among(conn: Conn, user_id: int, post_ids: list[int]) -> set[int]:
    """Which of these posts the user saved."""
    return {row[0] for row in conn.fetch_all(
        f"SELECT post_id FROM saves WHERE user_id = ? AND post_id IN ({placeholders(len(post_ids))})", [user_id, *post_ids])}
