"""Comments and the post's denormalised comment_count.

What ``comment_count`` counts (API.md: counts count only what the asker may see): a post's comments that are not
hidden by reports and whose author's account is active (not disabled, not hidden by reports) — the comments every
viewer may see. The counter holds exactly that, kept in the transaction of every change: a comment added or
deleted, a comment hidden or shown again (``repos/moderation.set_hidden``), an account disabled, enabled, hidden
or shown again (``recount_author``), an account deleted (``repos/account_deletion``). Reading it costs nothing,
so the feed's warm path is unchanged. What differs per viewer, comments of accounts blocked either way, is
subtracted when a post is hydrated for that viewer (``services/hydrate.py``, from the viewer's cached block list:
nothing to read for the usual viewer with no blocks).
"""

from __future__ import annotations

from typing import Any, Iterable

from ..stores.base import Conn, placeholders
from .access import active_user_sql, visible_comment_sql
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


def author_counts(conn: Conn, user_id: int) -> bool:
    """Whether this account's comments count in comment counts: it exists and is active (not disabled, not hidden
    by reports), as ``access.visible_user_sql`` shows its comments to others."""
    return conn.fetch_val(f"SELECT 1 FROM users u WHERE u.id = ? AND {active_user_sql('u')}", (user_id,)) is not None


def recount_author(conn: Conn, user_id: int, counted_before: bool) -> list[int]:
    """After a change to the account (disabled or enabled, hidden by reports or shown again): when whether its
    comments count has changed (``author_counts``), take its shown comments out of, or back into, the counts of the
    posts they are on. The posts whose count changed (for the caller to forget their cached copies)."""
    counted = author_counts(conn, user_id)
    if counted == counted_before:
        return []
    sign = "+" if counted else "-"
    rows = conn.fetch_all(
        f"UPDATE posts SET comment_count = comment_count {sign} (SELECT COUNT(*) FROM comments c"
        " WHERE c.post_id = posts.id AND c.user_id = ? AND c.hidden = 0)"
        " WHERE id IN (SELECT post_id FROM comments WHERE user_id = ? AND hidden = 0) RETURNING id", (user_id, user_id))
    return [row[0] for row in rows]


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
    """How many of the comments ``comment_count`` counts (not hidden, author active) these authors left on each of
    these posts (a viewer's blocked accounts: their comments do not count for that viewer)."""
    authors = sorted(author_ids)
    if not post_ids or not authors:
        return {}
    rows = conn.fetch_all(
        f"SELECT c.post_id, COUNT(*) AS n FROM comments c JOIN users u ON u.id = c.user_id"
        f" WHERE c.user_id IN ({placeholders(len(authors))}) AND c.post_id IN ({placeholders(len(post_ids))})"
        f" AND c.hidden = 0 AND {active_user_sql('u')} GROUP BY c.post_id", [*authors, *post_ids])
    return {row["post_id"]: row["n"] for row in rows}
