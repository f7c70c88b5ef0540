"""Share links: a token naming one post, album or profile, with an expiry and an optional revocation."""

from __future__ import annotations

from typing import Any

from ..stores.base import Conn
from .paging import fetch_page


def insert(conn: Conn, *, link_id: int, token: str, user_id: int, target_type: str, target_id: int, now: int,
           expires_at: int) -> None:
    conn.execute(
        "INSERT INTO share_links (id, token, user_id, target_type, target_id, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (link_id, token, user_id, target_type, target_id, now, expires_at),
    )


def by_token(conn: Conn, token: str) -> Any | None:
    return conn.fetch_one("SELECT * FROM share_links WHERE token = ?", (token,))


def by_id(conn: Conn, link_id: int) -> Any | None:
    return conn.fetch_one("SELECT * FROM share_links WHERE id = ?", (link_id,))


def revoke(conn: Conn, link_id: int, now: int) -> int:
    return conn.execute("UPDATE share_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (now, link_id))


def page_of(conn: Conn, user_id: int, before_id: int | None, limit: int) -> tuple[list[Any], bool]:
    """The user's links that still work, newest first."""
    sql = "SELECT * FROM share_links WHERE user_id = ? AND revoked_at IS NULL"
    params: list[Any] = [user_id]
    if before_id is not None:
        sql += " AND id < ?"
        params.append(before_id)
    sql += " ORDER BY id DESC"
    return fetch_page(conn, sql, params, limit)


def post_holds_stem(conn: Conn, post_id: int, stem: str) -> bool:
    return conn.fetch_val("SELECT 1 FROM media m JOIN posts p ON p.id = m.post_id WHERE m.post_id = ? AND p.hidden = 0"
                          " AND m.variants LIKE ? LIMIT 1", (post_id, f'%"{stem}%')) is not None


def avatar_is(conn: Conn, user_id: int, stem: str) -> bool:
    return conn.fetch_val("SELECT 1 FROM users WHERE id = ? AND avatar_key = ?", (user_id, stem)) is not None


def user_posts_hold_stem(conn: Conn, user_id: int, stem: str) -> bool:
    """Whether one of the user's published posts has this variant stem."""
    return conn.fetch_val(
        "SELECT 1 FROM media m JOIN posts p ON p.id = m.post_id WHERE m.user_id = ? AND p.published_at IS NOT NULL AND p.hidden = 0"
        " AND m.variants LIKE ? LIMIT 1",
        (user_id, f'%"{stem}%'),
    ) is not None
