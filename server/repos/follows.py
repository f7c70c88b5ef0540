"""Follows and follow requests, with the follower/following counters kept beside them.

The functions below the "feed sources" line answer for home timelines: there a follower whose feed takes an
author's posts is one who follows the author *and does not mute them* (a mute quiets the feed only; the
follow stays). The timeline manager reads only those.
"""

from __future__ import annotations

from typing import Any

from ..stores.base import Conn, placeholders
from .access import visible_user_sql
from .users import USER_COLUMNS

# A follows row ``f`` whose follower does not mute its followee: the pair feeds the follower's home timeline.
_NOT_MUTED = "NOT EXISTS (SELECT 1 FROM mutes m WHERE m.muter_id = {f}.follower_id AND m.muted_id = {f}.followee_id)"

# Newest first, keyset on (created_at, user id): stable when people follow between page loads.
# Users per IN list when asking which of them follow someone; well under every store's parameter limit.
IN_LIST_CHUNK = 500
_AFTER = "(f.created_at < ? OR (f.created_at = ? AND {column} < ?))"


def is_following(conn: Conn, follower_id: int, followee_id: int) -> bool:
    return conn.fetch_val("SELECT 1 FROM follows WHERE follower_id = ? AND followee_id = ?", (follower_id, followee_id)) is not None


def has_request(conn: Conn, requester_id: int, target_id: int) -> bool:
    return conn.fetch_val(
        "SELECT 1 FROM follow_requests WHERE requester_id = ? AND target_id = ?", (requester_id, target_id)
    ) is not None


def add_follow(conn: Conn, follower_id: int, followee_id: int, now: int) -> None:
    conn.execute("INSERT INTO follows (follower_id, followee_id, created_at) VALUES (?, ?, ?)", (follower_id, followee_id, now))
    conn.execute("UPDATE users SET following_count = following_count + 1 WHERE id = ?", (follower_id,))
    conn.execute("UPDATE users SET follower_count = follower_count + 1 WHERE id = ?", (followee_id,))


def remove_follow(conn: Conn, follower_id: int, followee_id: int) -> bool:
    if not conn.execute("DELETE FROM follows WHERE follower_id = ? AND followee_id = ?", (follower_id, followee_id)):
        return False
    conn.execute("UPDATE users SET following_count = following_count - 1 WHERE id = ?", (follower_id,))
    conn.execute("UPDATE users SET follower_count = follower_count - 1 WHERE id = ?", (followee_id,))
    return True


def add_request(conn: Conn, requester_id: int, target_id: int, now: int) -> None:
    conn.execute("INSERT INTO follow_requests (requester_id, target_id, created_at) VALUES (?, ?, ?)", (requester_id, target_id, now))


def remove_request(conn: Conn, requester_id: int, target_id: int) -> bool:
    return conn.execute("DELETE FROM follow_requests WHERE requester_id = ? AND target_id = ?", (requester_id, target_id)) > 0


def requester_ids(conn: Conn, target_id: int, limit: int) -> list[int]:
    rows = conn.fetch_all("SELECT requester_id FROM follow_requests WHERE target_id = ? ORDER BY created_at LIMIT ?", (target_id, limit))
    return [row[0] for row in rows]


def _user_page(conn: Conn, sql: str, params: list, after: tuple[int, int] | None, column: str, limit: int) -> list[Any]:
    if after is not None:
        sql += " AND " + _AFTER.format(column=column)
        params += [after[0], after[0], after[1]]
    sql += f" ORDER BY f.created_at DESC, {column} DESC LIMIT ?"
    return conn.fetch_all(sql, [*params, limit])


def _users_columns(alias: str) -> str:
    return ", ".join(f"{alias}.{column.strip()}" for column in USER_COLUMNS.split(","))


def followers_page(conn: Conn, user_id: int, after: tuple[int, int] | None, limit: int, viewer_id: int | None = None) -> list[Any]:
    """User rows plus ``followed_at``, newest follower first: those the viewer may see (``access.visible_user_sql``)."""
    visible, params = visible_user_sql(viewer_id)
    sql = (f"SELECT {_users_columns('u')}, f.created_at AS followed_at FROM follows f JOIN users u ON u.id = f.follower_id"
           f" WHERE f.followee_id = ? AND {visible}")
    return _user_page(conn, sql, [user_id, *params], after, "f.follower_id", limit)


def following_page(conn: Conn, user_id: int, after: tuple[int, int] | None, limit: int, viewer_id: int | None = None) -> list[Any]:
    visible, params = visible_user_sql(viewer_id)
    sql = (f"SELECT {_users_columns('u')}, f.created_at AS followed_at FROM follows f JOIN users u ON u.id = f.followee_id"
           f" WHERE f.follower_id = ? AND {visible}")
    return _user_page(conn, sql, [user_id, *params], after, "f.followee_id", limit)


def requests_page(conn: Conn, target_id: int, after: tuple[int, int] | None, limit: int) -> list[Any]:
    """Who asks to follow ``target_id`` (and whom they may see: not disabled or hidden), newest first."""
    visible, params = visible_user_sql(target_id)
    sql = (f"SELECT {_users_columns('u')}, f.created_at AS followed_at FROM follow_requests f JOIN users u ON u.id = f.requester_id"
           f" WHERE f.target_id = ? AND {visible}")
    return _user_page(conn, sql, [target_id, *params], after, "f.requester_id", limit)


def relations_of(conn: Conn, viewer_id: int, user_ids: list[int]) -> tuple[set[int], set[int]]:
    """Which of these users the viewer follows, and which the viewer has asked to follow."""
    if not user_ids:
        return set(), set()
    marks = placeholders(len(user_ids))
    followed = {row[0] for row in conn.fetch_all(
        f"SELECT followee_id FROM follows WHERE follower_id = ? AND followee_id IN ({marks})", [viewer_id, *user_ids])}
    requested = {row[0] for row in conn.fetch_all(
        f"SELECT target_id FROM follow_requests WHERE requester_id = ? AND target_id IN ({marks})", [viewer_id, *user_ids])}
    return followed, requested


# -- feed sources: follows that feed a home timeline (not muted) -------------------------------------------
def feeds_from(conn: Conn, follower_id: int, followee_id: int) -> bool:
    """Does the follower's home timeline take the followee's posts: they follow them and do not mute them."""
    return conn.fetch_val(
        "SELECT 1 FROM follows f WHERE f.follower_id = ? AND f.followee_id = ? AND " + _NOT_MUTED.format(f="f"),
        (follower_id, followee_id)) is not None


def followees_with_counts(conn: Conn, user_id: int) -> list[tuple[int, int]]:
    """(followee id, its follower count) for everyone this user follows and does not mute: the feed's sources."""
    rows = conn.fetch_all(
        "SELECT f.followee_id, u.follower_count FROM follows f JOIN users u ON u.id = f.followee_id WHERE f.follower_id = ?"
        " AND " + _NOT_MUTED.format(f="f"),
        (user_id,),
    )
    return [(row[0], row[1]) for row in rows]


def followers_among(conn: Conn, followee_id: int, user_ids: list[int]) -> list[int]:
    """Which of these users follow ``followee_id`` without muting them (a seek each on the followee index)."""
    found: list[int] = []
    for start in range(0, len(user_ids), IN_LIST_CHUNK):
        chunk = user_ids[start:start + IN_LIST_CHUNK]
        rows = conn.fetch_all(
            f"SELECT f.follower_id FROM follows f WHERE f.followee_id = ? AND f.follower_id IN ({placeholders(len(chunk))})"
            " AND " + _NOT_MUTED.format(f="f"),
            [followee_id, *chunk])
        found += [row[0] for row in rows]
    return found


def follower_ids_after(conn: Conn, followee_id: int, after: int, limit: int) -> list[int]:
    """One batch of the followers whose feeds take this author's posts (not muting), in id order (the fan-out
    walks them with a keyset, never OFFSET)."""
    rows = conn.fetch_all(
        "SELECT f.follower_id FROM follows f WHERE f.followee_id = ? AND f.follower_id > ? AND " + _NOT_MUTED.format(f="f")
        + " ORDER BY f.follower_id LIMIT ?",
        (followee_id, after, limit),
    )
    return [row[0] for row in rows]


def followers_holding_post(conn: Conn, author_id: int, post_id: int, follower_ids: list[int]) -> list[int]:
    """Which of these users should hold the post in their timeline now: they follow its author without muting
    them, and it exists."""
    if not follower_ids or conn.fetch_val("SELECT user_id FROM posts WHERE id = ?", (post_id,)) != author_id:
        return []
    return followers_among(conn, author_id, follower_ids)


def remove_all_between(conn: Conn, a: int, b: int) -> list[tuple[int, int]]:
    """A block: drop follows and follow requests both ways, counters kept. Returns the (follower, followee)
    follows that existed."""
    removed = []
    for follower_id, followee_id in ((a, b), (b, a)):
        if remove_follow(conn, follower_id, followee_id):
            removed.append((follower_id, followee_id))
        remove_request(conn, follower_id, followee_id)
    return removed
