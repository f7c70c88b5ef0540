"""Explore's candidate pools and suggestions' candidates: bounded reads over likes, comments, tags and follows.

Every query has a limit and a time bound, so a pool costs the same on a server with a year of likes as on a
new one. Filtering by visibility happens in ``candidate_facts`` (one query over the pooled ids).
"""

from __future__ import annotations

from typing import Any

from ..stores.base import Conn, placeholders
from .access import visible_post_sql

MY_RECENT_LIKES = 200  # the viewer's taste, from their latest likes
NEIGHBOURS = 100  # people whose likes overlap the viewer's the most
MY_RECENT_POSTS = 50
TOP_TAGS = 10
POSTS_PER_TAG = 60


def my_engaged_post_ids(conn: Conn, viewer_id: int) -> list[int]:
    """The posts the viewer liked, commented on or posted lately."""
    liked = conn.fetch_all("SELECT post_id FROM likes WHERE user_id = ? ORDER BY created_at DESC LIMIT ?", (viewer_id, MY_RECENT_LIKES))
    commented = conn.fetch_all("SELECT post_id FROM comments WHERE user_id = ? ORDER BY created_at DESC LIMIT ?",
                               (viewer_id, MY_RECENT_LIKES))
    posted = conn.fetch_all("SELECT id FROM posts WHERE user_id = ? ORDER BY id DESC LIMIT ?", (viewer_id, MY_RECENT_POSTS))
    return list(dict.fromkeys(row[0] for row in [*liked, *commented, *posted]))


def co_engaged_posts(conn: Conn, viewer_id: int, since_ms: int, limit: int) -> list[tuple[int, float]]:
    """Posts liked or commented lately by the people whose likes overlap the viewer's, with the summed overlap."""
    rows = conn.fetch_all(
        "WITH mine AS (SELECT post_id FROM likes WHERE user_id = ? ORDER BY created_at DESC LIMIT ?),"
        " neighbours AS (SELECT l.user_id, COUNT(*) AS overlap FROM likes l JOIN mine m ON m.post_id = l.post_id"
        "  WHERE l.user_id <> ? GROUP BY l.user_id ORDER BY overlap DESC LIMIT ?),"
        " engaged AS (SELECT l.post_id, n.overlap FROM likes l JOIN neighbours n ON n.user_id = l.user_id WHERE l.created_at > ?"
        "  UNION ALL SELECT c.post_id, n.overlap FROM comments c JOIN neighbours n ON n.user_id = c.user_id WHERE c.created_at > ?)"
        " SELECT post_id, SUM(overlap) AS affinity FROM engaged GROUP BY post_id ORDER BY affinity DESC LIMIT ?",
        (viewer_id, MY_RECENT_LIKES, viewer_id, NEIGHBOURS, since_ms, since_ms, limit),
    )
    return [(row[0], float(row[1])) for row in rows]


def tags_of(conn: Conn, post_ids: list[int]) -> dict[str, int]:
    """How often each tag appears on these posts, most frequent first, at most ``TOP_TAGS``."""
    if not post_ids:
        return {}
    rows = conn.fetch_all(
        f"SELECT tag, COUNT(*) AS uses FROM post_hashtags WHERE post_id IN ({placeholders(len(post_ids))})"
        " GROUP BY tag ORDER BY uses DESC, tag LIMIT ?",
        [*post_ids, TOP_TAGS],
    )
    return {row[0]: row[1] for row in rows}


def posts_with_tags(conn: Conn, tags: list[str], since_id: int) -> list[tuple[int, str]]:
    """The newest posts carrying each tag (made after ``since_id``)."""
    out: list[tuple[int, str]] = []
    for tag in tags:
        rows = conn.fetch_all("SELECT post_id FROM post_hashtags WHERE tag = ? AND post_id > ? ORDER BY post_id DESC LIMIT ?",
                              (tag, since_id, POSTS_PER_TAG))
        out += [(row[0], tag) for row in rows]
    return out


def tag_lists(conn: Conn, post_ids: list[int]) -> dict[int, list[str]]:
    if not post_ids:
        return {}
    out: dict[int, list[str]] = {}
    for row in conn.fetch_all(f"SELECT post_id, tag FROM post_hashtags WHERE post_id IN ({placeholders(len(post_ids))})", post_ids):
        out.setdefault(row[0], []).append(row[1])
    return out


def popular_post_ids(conn: Conn, since_id: int, limit: int) -> list[int]:
    """The most liked and commented published posts made after ``since_id`` (ids sort by time), then the newest
    ones: on a quiet server, what is new is what is popular lately."""
    engaged = conn.fetch_all(
        "SELECT id FROM posts WHERE id > ? AND published_at IS NOT NULL AND (like_count > 0 OR comment_count > 0)"
        " ORDER BY like_count + 3 * comment_count DESC, id DESC LIMIT ?",
        (since_id, limit),
    )
    newest = conn.fetch_all("SELECT id FROM posts WHERE id > ? AND published_at IS NOT NULL ORDER BY id DESC LIMIT ?",
                            (since_id, limit))
    return list(dict.fromkeys(row[0] for row in [*engaged, *newest]))


def visible_unmuted_post_sql(viewer_id: int, *, post: str = "p", author: str = "u") -> tuple[str, list]:
    """The visibility rule's fragment for posts (``access.visible_post_sql``), and the author is not muted by the viewer."""
    visible, params = visible_post_sql(viewer_id, post=post, author=author)
    return (f"{visible} AND NOT EXISTS (SELECT 1 FROM mutes m WHERE m.muter_id = ? AND m.muted_id = {author}.id)",
            [*params, viewer_id])


def candidate_facts(conn: Conn, viewer_id: int, post_ids: list[int], visible_sql: tuple[str, list]) -> list[Any]:
    """Ranking facts of the pooled posts that Explore may show the viewer: published, from public accounts that
    are not the viewer nor followed by them, and true for ``visible_sql`` (a WHERE fragment over ``p`` and ``u``)."""
    if not post_ids:
        return []
    visible, visible_params = visible_sql
    return conn.fetch_all(
        "SELECT p.id, p.user_id, p.like_count, p.comment_count, p.created_at, u.follower_count FROM posts p"
        f" JOIN users u ON u.id = p.user_id WHERE p.id IN ({placeholders(len(post_ids))})"
        " AND p.published_at IS NOT NULL AND u.is_private = 0 AND u.is_disabled = 0 AND p.user_id <> ?"
        " AND NOT EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = ? AND f.followee_id = p.user_id)"
        f" AND {visible}",
        [*post_ids, viewer_id, viewer_id, *visible_params],
    )


# -- suggestions ------------------------------------------------------------------------------------
MY_FOLLOWEES_SAMPLED = 200  # the latest people I follow stand for my circle


def followed_by_my_followees(conn: Conn, viewer_id: int, limit: int) -> list[Any]:
    """Accounts followed by the people the viewer follows (and not by the viewer), most shared first."""
    return conn.fetch_all(
        "WITH mine AS (SELECT followee_id FROM follows WHERE follower_id = ? ORDER BY created_at DESC LIMIT ?)"
        " SELECT f.followee_id AS user_id, COUNT(*) AS shared, MIN(f.follower_id) AS via FROM follows f"
        " JOIN mine m ON m.followee_id = f.follower_id"
        " WHERE f.followee_id <> ? AND NOT EXISTS (SELECT 1 FROM follows x WHERE x.follower_id = ? AND x.followee_id = f.followee_id)"
        " AND NOT EXISTS (SELECT 1 FROM follow_requests r WHERE r.requester_id = ? AND r.target_id = f.followee_id)"
        " GROUP BY f.followee_id ORDER BY shared DESC, f.followee_id DESC LIMIT ?",
        (viewer_id, MY_FOLLOWEES_SAMPLED, viewer_id, viewer_id, viewer_id, limit),
    )


def active_authors(conn: Conn, since_id: int, limit: int) -> list[int]:
    """The accounts that posted most since ``since_id`` (the same for every viewer: cached by the caller)."""
    rows = conn.fetch_all(
        "SELECT p.user_id, COUNT(*) AS posts FROM posts p JOIN users u ON u.id = p.user_id"
        " WHERE p.id > ? AND p.published_at IS NOT NULL AND u.is_disabled = 0"
        " GROUP BY p.user_id ORDER BY posts DESC, p.user_id DESC LIMIT ?",
        (since_id, limit),
    )
    return [row[0] for row in rows]


def not_followed_among(conn: Conn, viewer_id: int, user_ids: list[int]) -> list[int]:
    """Which of these accounts the viewer neither follows nor has asked to follow (in the order given)."""
    if not user_ids:
        return []
    marks = placeholders(len(user_ids))
    taken = {row[0] for row in conn.fetch_all(
        f"SELECT followee_id FROM follows WHERE follower_id = ? AND followee_id IN ({marks})"
        f" UNION SELECT target_id FROM follow_requests WHERE requester_id = ? AND target_id IN ({marks})",
        [viewer_id, *user_ids, viewer_id, *user_ids])}
    return [user_id for user_id in user_ids if user_id not in taken and user_id != viewer_id]
