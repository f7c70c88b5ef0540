"""Comments and the post's denormalised comment_count."""

from __future__ import annotations

from typing import Any, Iterable

from ..stores.base import Conn, placeholders
from .access import visible_comment_sql
from .paging import fetch_page

COMMENT_COLUMNS = "c.id, c.post_id, c.user_id, c.text, c.created_at, c.hidden, u.username, u.avatar_key"


def insert(conn: Conn, *, comment_id: int, post_id: int, user_id: int, text: str, created_at: int) -> None:
    conn.execute(
        "INSERT INTO comments (id, post_id, user_id, text, created_at) VALUES (?, ?, ?, ?, ?)",
        (comment_id, post_id, user_id, text, created_at),
    )


def by_id(conn: Conn, comment_id: int) -> Any | None:
    """The comment with its author's summary columns, and the author of the post it is on."""
    return conn.fetch_one(
        f"SELECT {COMMENT_COLUMNS}, p.user_id AS post_author_id FROM comments c"
        " JOIN users u ON u.id = c.user_id JOIN posts p ON p.id = c.post_id WHERE c.id = ?",
        (comment_id,),
    )


def delete(conn: Conn, comment_id: int) -> bool:
    return conn.execute("DELETE FROM comments WHERE id = ?", (comment_id,)) == 1


def add_to_count(conn: Conn, post_id: int, delta: int) -> int:
    return conn.fetch_val("UPDATE posts SET comment_count = comment_count + ? WHERE id = ? RETURNING comment_count", (delta, post_id))


def page(conn: Conn, post_id: int, viewer_id: int | None, after_id: int | None, limit: int) -> tuple[list[Any], bool]:
    """A post's comments the viewer may see (``access.visible_comment_sql``), oldest first (ids are
    time-ordered), after the comment ``after_id``."""
    visible, visible_params = visible_comment_sql(viewer_id)
    sql = f"SELECT {COMMENT_COLUMNS} FROM comments c JOIN users u ON u.id = c.user_id WHERE c.post_id = ? AND {visible}"
    params: list[Any] = [post_id, *visible_params]
    if after_id is not None:
        sql += " AND c.id > ?"
        params.append(after_id)
    sql += " ORDER BY c.id"
    return fetch_page(conn, sql, params, limit)


def counts_by_authors(conn: Conn, post_ids: list[int], author_ids: Iterable[int]) -> dict[int, int]:
    """How many shown (not hidden) comments these authors left on each of these posts (a viewer's blocked
    accounts: their comments do not count for that viewer)."""
    authors = sorted(author_ids)
    if not post_ids or not authors:
        return {}
    rows = conn.fetch_all(
        f"SELECT post_id, COUNT(*) AS n FROM comments WHERE user_id IN ({placeholders(len(authors))})"
        f" AND post_id IN ({placeholders(len(post_ids))}) AND hidden = 0 GROUP BY post_id", [*authors, *post_ids])
    return {row["post_id"]: row["n"] for row in rows}
