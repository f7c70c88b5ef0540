"""The visibility rule, once, in SQL: who may see an account, its posts, its comments.

A viewer sees an account's content when all of these hold (API.md, "Visibility — one rule everywhere"):

- the account exists and is not disabled (a deleted account's rows are gone);
- neither of the two blocks the other;
- the account is public, or the viewer is an approved follower, or the viewer is the account;
- the thing is not hidden by reports (``posts.hidden``, ``comments.hidden``, ``users.hidden``), unless the
  viewer is its author. Moderators open hidden things one at a time (``post_visible_in(moderator=True)``);
  lists leave them out for everyone but the author.

An account itself (a profile, a name in a list, a search hit) is visible under the same rule minus the
privacy clause: a private account's profile shows, its posts do not.

Lists filter with the ``*_sql`` fragments inside their own query, so a page is filled from visible rows
instead of shrinking after the fact; single checks use the ``*_in`` functions. Both are here, side by side:
keep them in step. ``services/visibility.py`` is the async face of this module for services, and
``tests/http/test_visibility_matrix.py`` checks every surface against it.
"""

from __future__ import annotations

from typing import Any

from ..stores.base import Conn, placeholders

MODERATOR_ROLES = ("moderator", "admin")


def post_author(conn: Conn, post_id: int) -> int | None:
    return conn.fetch_val("SELECT user_id FROM posts WHERE id = ?", (post_id,))


# -- fragments for list queries -------------------------------------------------------------------------
def not_blocked_sql(viewer_id: int | None, other: str) -> tuple[str, list[Any]]:
    """True when neither the viewer nor the user whose id is the SQL expression ``other`` blocks the other."""
    sql = (
        f"NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = ? AND b.blocked_id = {other})"
        f" AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = {other} AND b.blocked_id = ?)"
    )
    return sql, [viewer_id, viewer_id]


def active_user_sql(user: str = "u") -> str:
    """True for rows of the users table ``user`` that are active: not disabled, not hidden by reports."""
    return f"({user}.is_disabled = 0 AND {user}.hidden = 0)"


def visible_user_sql(viewer_id: int | None, *, user: str = "u") -> tuple[str, list[Any]]:
    """A WHERE fragment true for rows of the users table ``user`` that the viewer may see listed:
    themselves, or an active account not hidden by reports with no block between the two."""
    blocked, blocked_params = not_blocked_sql(viewer_id, f"{user}.id")
    sql = f"({user}.id = ? OR ({active_user_sql(user)} AND {blocked}))"
    return sql, [viewer_id, *blocked_params]


def visible_content_sql(viewer_id: int | None, *, author: str = "u") -> tuple[str, list[Any]]:
    """True for users rows ``author`` whose content (posts, comments, stories, albums) the viewer may see:
    ``visible_user_sql`` plus the privacy clause (public, or the viewer is an approved follower)."""
    blocked, blocked_params = not_blocked_sql(viewer_id, f"{author}.id")
    sql = (
        f"({author}.id = ? OR ({active_user_sql(author)} AND {blocked} AND ({author}.is_private = 0"
        f" OR EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = ? AND f.followee_id = {author}.id))))"
    )
    return sql, [viewer_id, *blocked_params, viewer_id]


def visible_post_sql(viewer_id: int | None, *, post: str = "p", author: str = "u") -> tuple[str, list[Any]]:
    """A WHERE fragment (and its parameters) true for rows of ``post`` joined to its ``author`` (a users row)
    that the viewer may see: the author's content is visible to them and the post is not hidden by reports
    (its author still sees it)."""
    content, content_params = visible_content_sql(viewer_id, author=author)
    sql = f"({post}.user_id = ? OR ({post}.hidden = 0 AND {content}))"
    return sql, [viewer_id, *content_params]


def visible_comment_sql(viewer_id: int | None, *, comment: str = "c", author: str = "u") -> tuple[str, list[Any]]:
    """For comments ``comment`` joined to their author ``author`` on a post already known to be visible: the
    comment's author is visible to the viewer (no block, active) and the comment is not hidden (its author
    still sees it)."""
    user, user_params = visible_user_sql(viewer_id, user=author)
    sql = f"({comment}.user_id = ? OR ({comment}.hidden = 0 AND {user}))"
    return sql, [viewer_id, *user_params]


# -- single checks --------------------------------------------------------------------------------------
def is_moderator_in(conn: Conn, user_id: int | None) -> bool:
    if user_id is None:
        return False
    role = conn.fetch_val("SELECT role FROM users WHERE id = ? AND is_disabled = 0", (user_id,))
    return role in MODERATOR_ROLES


def blocked_either_way_in(conn: Conn, a: int | None, b: int) -> bool:
    if a is None or a == b:
        return False
    return conn.fetch_val(
        "SELECT 1 FROM blocks WHERE (blocker_id = ? AND blocked_id = ?) OR (blocker_id = ? AND blocked_id = ?)",
        (a, b, b, a),
    ) is not None


def can_see_user_in(conn: Conn, viewer_id: int | None, user_id: int, *, moderator: bool = False) -> bool:
    """The account's profile and name, as ``visible_user_sql``. ``moderator``: a moderator opening it from
    the report queue sees a hidden account too."""
    if viewer_id == user_id:
        return conn.fetch_val("SELECT 1 FROM users WHERE id = ?", (user_id,)) is not None
    sql, params = visible_user_sql(viewer_id)
    if moderator:
        sql, params = _unhidden(sql), params
    return conn.fetch_val(f"SELECT 1 FROM users u WHERE u.id = ? AND {sql}", [user_id, *params]) is not None


def can_view_author_in(conn: Conn, viewer_id: int | None, author_id: int) -> bool:
    """The same rule as ``visible_content_sql`` for one author; an anonymous viewer (None) sees public authors."""
    if viewer_id is not None and viewer_id == author_id:
        return True
    sql, params = visible_content_sql(viewer_id)
    return conn.fetch_val(f"SELECT 1 FROM users u WHERE u.id = ? AND {sql}", [author_id, *params]) is not None


def post_visible_in(conn: Conn, viewer_id: int | None, post_id: int, *, moderator: bool = False) -> Any | None:
    """The post's row (id, user_id, hidden) if the viewer may see it, else None. ``moderator``: the viewer is
    a moderator, who sees hidden posts and hidden authors (marked ``hidden``), never private or blocked ones."""
    sql, params = visible_post_sql(viewer_id)
    if moderator:
        sql = _unhidden(sql)
    return conn.fetch_one(
        f"SELECT p.id, p.user_id, p.hidden FROM posts p JOIN users u ON u.id = p.user_id WHERE p.id = ? AND {sql}",
        [post_id, *params],
    )


def comment_visible_in(conn: Conn, viewer_id: int | None, comment_id: int) -> Any | None:
    """The comment's row (id, post_id, user_id, hidden) if the viewer may see it and the post it is on, else None."""
    row = conn.fetch_one("SELECT c.id, c.post_id, c.user_id, c.hidden FROM comments c WHERE c.id = ?", (comment_id,))
    if row is None or post_visible_in(conn, viewer_id, row["post_id"]) is None:
        return None
    sql, params = visible_comment_sql(viewer_id)
    visible = conn.fetch_val(f"SELECT 1 FROM comments c JOIN users u ON u.id = c.user_id WHERE c.id = ? AND {sql}",
                             [comment_id, *params])
    return row if visible else None


def visible_authors_in(conn: Conn, viewer_id: int | None, author_ids: list[int]) -> set[int]:
    """Which of these accounts' content the viewer may see (stories, trays, albums: one query for many)."""
    if not author_ids:
        return set()
    sql, params = visible_content_sql(viewer_id)
    rows = conn.fetch_all(
        f"SELECT u.id FROM users u WHERE u.id IN ({placeholders(len(author_ids))}) AND {sql}", [*author_ids, *params])
    return {row[0] for row in rows}


def visible_users_in(conn: Conn, viewer_id: int | None, user_ids: list[int]) -> set[int]:
    """Which of these accounts the viewer may see listed (``visible_user_sql``)."""
    if not user_ids:
        return set()
    sql, params = visible_user_sql(viewer_id)
    rows = conn.fetch_all(
        f"SELECT u.id FROM users u WHERE u.id IN ({placeholders(len(user_ids))}) AND {sql}", [*user_ids, *params])
    return {row[0] for row in rows}


def _unhidden(sql: str) -> str:
    """The same fragment with the hidden-by-reports clauses made true (a moderator's view)."""
    return sql.replace(".hidden = 0", ".hidden >= 0")
