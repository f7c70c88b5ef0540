"""Notifications: one row per thing that happened to a user (a like, a comment, a mention, a follow)."""

from __future__ import annotations

from typing import Any

from ..stores.base import Conn, placeholders
from .access import visible_post_sql, visible_user_sql
from .paging import fetch_page


def _still_visible(user_id: int) -> tuple[str, list[int]]:
    """Leave out notifications about posts the recipient can no longer open (a mention in a post whose
    private author they have since unfollowed: the notification would show that post's picture) and those
    whose actor the recipient may not see (blocked either way, disabled, hidden by reports)."""
    visible, params = visible_post_sql(user_id)
    actor, actor_params = visible_user_sql(user_id, user="va")
    return (
        "(n.post_id IS NULL OR EXISTS (SELECT 1 FROM posts p JOIN users u ON u.id = p.user_id"
        f" WHERE p.id = n.post_id AND {visible}))"
        f" AND EXISTS (SELECT 1 FROM users va WHERE va.id = n.actor_id AND {actor})"
    ), [*params, *actor_params]


def insert(conn: Conn, *, notification_id: int, user_id: int, type: str, actor_id: int, post_id: int | None,
           comment_id: int | None, created_at: int, detail: str | None = None) -> None:
    conn.execute(
        "INSERT INTO notifications (id, user_id, type, actor_id, post_id, comment_id, is_read, created_at, detail)"
        " VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
        (notification_id, user_id, type, actor_id, post_id, comment_id, created_at, detail),
    )


def delete_matching(conn: Conn, *, user_id: int, type: str, actor_id: int, post_id: int | None) -> int:
    """Remove what one actor did to one subject (found through the actor index, which is small per actor)."""
    sql = "DELETE FROM notifications WHERE actor_id = ? AND user_id = ? AND type = ?"
    params: list[Any] = [actor_id, user_id, type]
    if post_id is None:
        sql += " AND post_id IS NULL"
    else:
        sql += " AND post_id = ?"
        params.append(post_id)
    return conn.execute(sql, params)


def delete_for_comment(conn: Conn, actor_id: int, comment_id: int) -> int:
    return conn.execute("DELETE FROM notifications WHERE actor_id = ? AND comment_id = ?", (actor_id, comment_id))


def recipients_of_comment(conn: Conn, actor_id: int, comment_id: int) -> set[int]:
    rows = conn.fetch_all("SELECT user_id FROM notifications WHERE actor_id = ? AND comment_id = ?", (actor_id, comment_id))
    return {row[0] for row in rows}


def page(conn: Conn, user_id: int, before_id: int | None, limit: int) -> tuple[list[Any], bool]:
    """Newest first, each with its actor's summary columns."""
    visible, visible_params = _still_visible(user_id)
    sql = (
        "SELECT n.id, n.type, n.actor_id, n.post_id, n.comment_id, n.is_read, n.created_at, n.detail, a.username, a.avatar_key"
        f" FROM notifications n JOIN users a ON a.id = n.actor_id WHERE n.user_id = ? AND {visible}"
    )
    params: list[Any] = [user_id, *visible_params]
    if before_id is not None:
        sql += " AND n.id < ?"
        params.append(before_id)
    sql += " ORDER BY n.id DESC"
    return fetch_page(conn, sql, params, limit)


def unread_count(conn: Conn, user_id: int) -> int:
    visible, visible_params = _still_visible(user_id)
    return conn.fetch_val(
        f"SELECT COUNT(*) FROM notifications n WHERE n.user_id = ? AND n.is_read = 0 AND {visible}", [user_id, *visible_params]
    )


def mark_read(conn: Conn, user_id: int, ids: list[int] | None) -> None:
    """Mark the given notifications of this user read, or all of them when ``ids`` is None."""
    if ids is None:
        conn.execute("UPDATE notifications SET is_read = 1 WHERE user_id = ? AND is_read = 0", (user_id,))
    elif ids:
        conn.execute(
            f"UPDATE notifications SET is_read = 1 WHERE user_id = ? AND is_read = 0 AND id IN ({placeholders(len(ids))})",
            [user_id, *ids],
        )
