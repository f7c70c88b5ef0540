"""Likes: one row per (post, user), and the post's denormalised like_count kept beside it."""

from __future__ import annotations

from typing import Any

from ..stores.base import Conn, placeholders
from .access import visible_user_sql
from .paging import fetch_page


def insert(conn: Conn, post_id: int, user_id: int, created_at: int) -> None:
    """Raises IntegrityError when the user already likes the post (the primary key refuses a second row)."""
    conn.execute("INSERT INTO likes (post_id, user_id, created_at) VALUES (?, ?, ?)", (post_id, user_id, created_at))


def delete(conn: Conn, post_id: int, user_id: int) -> bool:
    return conn.execute("DELETE FROM likes WHERE post_id = ? AND user_id = ?", (post_id, user_id)) == 1


def add_to_count(conn: Conn, post_id: int, delta: int) -> int:
    return conn.fetch_val("UPDATE posts SET like_count = like_count + ? WHERE id = ? RETURNING like_count", (delta, post_id))


def likers_page(conn: Conn, post_id: int, viewer_id: int | None, after: tuple[int, int] | None,
                limit: int) -> tuple[list[Any], bool]:
    """Who liked the post that the viewer may see, newest first; ``after`` is the (created_at, user_id) of the
    last row already shown."""
    visible, visible_params = visible_user_sql(viewer_id)
    sql = (
        "SELECT l.created_at, u.id, u.username, u.avatar_key FROM likes l JOIN users u ON u.id = l.user_id"
        f" WHERE l.post_id = ? AND {visible}"
    )
    params: list[Any] = [post_id, *visible_params]
    if after is not None:
        sql += " AND (l.created_at < ? OR (l.created_at = ? AND l.user_id < ?))"
        params += [after[0], after[0], after[1]]
    sql += " ORDER BY l.created_at DESC, l.user_id DESC"
    return fetch_page(conn, sql, params, limit)


def liked_among(conn: Conn, user_id: int, post_ids: list[int]) -> set[int]:
    """Which of these posts the user likes."""
    return {row[0] for row in conn.fetch_all(
        f"SELECT post_id FROM likes WHERE user_id = ? AND post_id IN ({placeholders(len(post_ids))})", [user_id, *post_ids])}
