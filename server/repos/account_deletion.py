"""Deleting an account in one transaction: what it owns, the counters other people see, then the row itself.

The ``users`` row cascades to everything the account owns; before that, the counters on other people's
posts, profiles and hashtags that this account contributed to are lowered, and the ids the durable cleanup
job needs (posts to retract, followers whose timelines to clean, followees whose count fell) are collected.
"""

from __future__ import annotations

from ..stores.base import Conn
from .comments import author_counts


def owned_ids(conn: Conn, user_id: int) -> tuple[list[int], list[int], list[int]]:
    """(post ids, follower ids, media and story ids) of the account."""
    post_ids = [r[0] for r in conn.fetch_all("SELECT id FROM posts WHERE user_id = ?", (user_id,))]
    follower_ids = [r[0] for r in conn.fetch_all("SELECT follower_id FROM follows WHERE followee_id = ?", (user_id,))]
    media_ids = [r[0] for r in conn.fetch_all("SELECT id FROM media WHERE user_id = ?", (user_id,))]
    # A story's files are referenced under the story's id, as a post's are under its media id.
    media_ids += [r[0] for r in conn.fetch_all("SELECT id FROM stories WHERE user_id = ?", (user_id,))]
    return post_ids, follower_ids, media_ids


def lower_counters_of(conn: Conn, user_id: int) -> list[int]:
    """Counters other people see: likes and comments this account left, follows both ways, hashtags it used. The
    other people's posts whose like or comment count fell (their cached copies are out of date)."""
    touched = [row[0] for row in conn.fetch_all(
        "UPDATE posts SET like_count = like_count - 1 WHERE id IN (SELECT post_id FROM likes WHERE user_id = ?) AND user_id <> ?"
        " RETURNING id", (user_id, user_id))]
    if author_counts(conn, user_id):  # a disabled or hidden account's comments are out of the counts already
        touched += [row[0] for row in conn.fetch_all(
            # Comments hidden by reports are already out of the count.
            "UPDATE posts SET comment_count = comment_count - (SELECT COUNT(*) FROM comments c WHERE c.post_id = posts.id"
            " AND c.user_id = ? AND c.hidden = 0)"
            " WHERE id IN (SELECT post_id FROM comments WHERE user_id = ?) AND user_id <> ? RETURNING id",
            (user_id, user_id, user_id))]
    conn.execute("UPDATE stories SET view_count = view_count - 1 WHERE id IN (SELECT story_id FROM story_views WHERE viewer_id = ?)"
                 " AND user_id <> ?", (user_id, user_id))
    conn.execute("UPDATE users SET follower_count = follower_count - 1 WHERE id IN (SELECT followee_id FROM follows WHERE follower_id = ?)",
                 (user_id,))
    conn.execute("UPDATE users SET following_count = following_count - 1 WHERE id IN (SELECT follower_id FROM follows WHERE followee_id = ?)",
                 (user_id,))
    conn.execute(
        "UPDATE hashtags SET post_count = post_count - (SELECT COUNT(*) FROM post_hashtags ph JOIN posts p ON p.id = ph.post_id"
        " WHERE ph.tag = hashtags.tag AND p.user_id = ?) WHERE tag IN (SELECT ph.tag FROM post_hashtags ph JOIN posts p ON p.id = ph.post_id WHERE p.user_id = ?)",
        (user_id, user_id),
    )
    return touched


def followee_counts(conn: Conn, user_id: int) -> list[list[int]]:
    """[followee id, follower count] for everyone the account follows."""
    return [[r[0], r[1]] for r in conn.fetch_all(
        "SELECT u.id, u.follower_count FROM follows f JOIN users u ON u.id = f.followee_id WHERE f.follower_id = ?", (user_id,))]


def delete_user(conn: Conn, user_id: int) -> None:
    conn.execute("DELETE FROM users WHERE id = ?", (user_id,))  # cascades to everything it owns
