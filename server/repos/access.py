"""Who may see a post: its author, anyone if the author is public, approved followers if private.

The rule lives here once. ``can_view_author_in`` answers for one author (``ctx.follows.can_view``
and mentions use it); lists filter with ``visible_post_sql`` inside their own query, so a page is
filled from visible rows instead of shrinking after the fact. Keep the two in step.
"""

from __future__ import annotations

from ..stores.base import Conn


def post_author(conn: Conn, post_id: int) -> int | None:
    return conn.fetch_val("SELECT user_id FROM posts WHERE id = ?", (post_id,))


def visible_post_sql(viewer_id: int, *, post: str = "p", author: str = "u") -> tuple[str, list[int]]:
    """A WHERE fragment (and its parameters) true for rows of ``post`` joined to ``author`` the viewer may see."""
    sql = (
        f"({post}.user_id = ? OR {author}.is_private = 0 OR EXISTS ("
        f"SELECT 1 FROM follows f WHERE f.follower_id = ? AND f.followee_id = {post}.user_id))"
    )
    return sql, [viewer_id, viewer_id]


def can_view_author_in(conn: Conn, viewer_id: int | None, author_id: int) -> bool:
    """The same rule as ``visible_post_sql`` for one author; an anonymous viewer (None) sees public authors."""
    if viewer_id == author_id:
        return True
    row = conn.fetch_one(
        "SELECT u.is_private, EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = ? AND f.followee_id = u.id) AS is_follower"
        " FROM users u WHERE u.id = ?",
        (viewer_id, author_id),
    )
    return row is not None and (not row["is_private"] or bool(row["is_follower"]))

