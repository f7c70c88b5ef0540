"""Stories, their seen marks (``story_views``) and the per-story view counter.

A story is *active* while ``expires_at > now``; every read here takes ``now`` from the caller, so expiry
is decided by time on every backend, with no job needed. Others see a story once its medium is ready.
"""

from __future__ import annotations

import json
from typing import Any, Iterable

from ..stores.base import Conn, placeholders
from .access import visible_user_sql

# The columns a story shows (everything but where its original lies).
_COLUMNS = ("s.id, s.user_id, s.caption, s.kind, s.status, s.width, s.height, s.duration_ms, s.placeholder, s.variants,"
            " s.failure_reason, s.view_count, s.created_at, s.expires_at")


def insert(conn: Conn, *, story_id: int, user_id: int, caption: str, kind: str, original_key: str, content_type: str,
           sha256: str, size: int, width: int | None, height: int | None, created_at: int, expires_at: int) -> None:
    conn.execute(
        "INSERT INTO stories (id, user_id, caption, kind, status, original_key, content_type, sha256, size, width, height,"
        " created_at, expires_at) VALUES (?, ?, ?, ?, 'processing', ?, ?, ?, ?, ?, ?, ?, ?)",
        (story_id, user_id, caption, kind, original_key, content_type, sha256, size, width, height, created_at, expires_at),
    )
    conn.execute("INSERT INTO blob_refs (blob_key, media_id) VALUES (?, ?) ON CONFLICT DO NOTHING", (original_key, story_id))


def by_id(conn: Conn, story_id: int) -> Any | None:
    return conn.fetch_one("SELECT * FROM stories WHERE id = ?", (story_id,))


def mark_ready(conn: Conn, story_id: int, *, width: int, height: int, placeholder: str | None, variants: dict,
               duration_ms: int | None) -> int:
    return conn.execute(
        "UPDATE stories SET status = 'ready', width = ?, height = ?, placeholder = ?, variants = ?, duration_ms = ?,"
        " failure_reason = NULL WHERE id = ?",
        (width, height, placeholder, json.dumps(variants, separators=(",", ":")), duration_ms, story_id),
    )


def mark_failed(conn: Conn, story_id: int, reason: str) -> int:
    return conn.execute("UPDATE stories SET status = 'failed', failure_reason = ? WHERE id = ?", (reason[:500], story_id))


def delete(conn: Conn, story_id: int) -> bool:
    return conn.execute("DELETE FROM stories WHERE id = ?", (story_id,)) > 0


def active_of(conn: Conn, user_id: int, viewer_id: int, now: int, *, include_unready: bool) -> list[Any]:
    """The author's active stories, oldest first, with whether the viewer has seen each."""
    ready = "" if include_unready else " AND s.status = 'ready'"
    return conn.fetch_all(
        f"SELECT {_COLUMNS}, EXISTS (SELECT 1 FROM story_views v WHERE v.story_id = s.id AND v.viewer_id = ?) AS seen"
        f" FROM stories s WHERE s.user_id = ? AND s.expires_at > ?{ready} ORDER BY s.id",
        (viewer_id, user_id, now),
    )


def archive_page(conn: Conn, user_id: int, before: int | None, limit: int) -> list[Any]:
    """Every story of the author, expired ones too, newest first."""
    bound, params = ("", [user_id]) if before is None else (" AND s.id < ?", [user_id, before])
    return conn.fetch_all(
        f"SELECT {_COLUMNS}, 1 AS seen FROM stories s WHERE s.user_id = ?{bound} ORDER BY s.id DESC LIMIT ?",
        [*params, limit],
    )


def tray_rows(conn: Conn, viewer_id: int, author_ids: list[int], now: int) -> list[Any]:
    """Per author with active ready stories (or the viewer's own, ready or not): how many, the newest's time, the
    first expiry, and how many the viewer has not seen."""
    if not author_ids:
        return []
    return conn.fetch_all(
        "SELECT s.user_id, COUNT(*) AS story_count, MAX(s.created_at) AS latest_at, MIN(s.expires_at) AS first_expiry,"
        " SUM(CASE WHEN v.story_id IS NULL THEN 1 ELSE 0 END) AS unseen"
        " FROM stories s LEFT JOIN story_views v ON v.story_id = s.id AND v.viewer_id = ?"
        f" WHERE s.user_id IN ({placeholders(len(author_ids))}) AND s.expires_at > ?"
        " AND (s.status = 'ready' OR s.user_id = ?) GROUP BY s.user_id",
        [viewer_id, *author_ids, now, viewer_id],
    )


def followee_ids(conn: Conn, viewer_id: int) -> list[int]:
    return [row[0] for row in conn.fetch_all("SELECT followee_id FROM follows WHERE follower_id = ?", (viewer_id,))]


def add_views(conn: Conn, views: Iterable[tuple[int, int, int, bool]]) -> list[tuple[int, int]]:
    """Record (story, viewer, time, counted) seen marks and return the (story, viewer) pairs that were new; a mark
    already there is kept as it was. Each story's counter grows by its new counted marks in the same transaction,
    so the count can never drift from the list (an author's look at their own story is not counted)."""
    added: list[tuple[int, int]] = []
    counts: dict[int, int] = {}
    for story_id, viewer_id, seen_at, counted in views:
        if conn.execute("INSERT INTO story_views (story_id, viewer_id, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                        (story_id, viewer_id, seen_at)):
            added.append((story_id, viewer_id))
            if counted:
                counts[story_id] = counts.get(story_id, 0) + 1
    for story_id, count in counts.items():
        conn.execute("UPDATE stories SET view_count = view_count + ? WHERE id = ?", (count, story_id))
    return added


def unlisted_views(conn: Conn, author_id: int, story_ids: list[int]) -> dict[int, int]:
    """Per story of this author, its counted views by accounts ``viewers_page`` leaves out (a block either way made
    since, a disabled account, one hidden by reports): the view count its author sees is the counter less these,
    so it always equals the length of the list. The counter stays the batched write's; this read walks only the
    story's own marks (``story_views`` primary key) and is for the author alone."""
    if not story_ids:
        return {}
    visible, visible_params = visible_user_sql(author_id, user="u")
    rows = conn.fetch_all(
        "SELECT v.story_id, COUNT(*) AS n FROM story_views v JOIN users u ON u.id = v.viewer_id"
        f" WHERE v.story_id IN ({placeholders(len(story_ids))}) AND v.viewer_id <> ? AND NOT {visible} GROUP BY v.story_id",
        [*story_ids, author_id, *visible_params])
    return {row["story_id"]: row["n"] for row in rows}


def viewers_page(conn: Conn, story_id: int, author_id: int, after: tuple[int, int] | None, limit: int) -> list[Any]:
    """Who saw the story, newest first, keyed (seen_at, viewer id) for the cursor: the accounts its author may see
    listed (no block either way, not disabled or hidden)."""
    visible, visible_params = visible_user_sql(author_id, user="u")
    bound, params = f" AND {visible}", [story_id, *visible_params]
    if after is not None:
        bound += " AND (v.seen_at < ? OR (v.seen_at = ? AND v.viewer_id < ?))"
        params += [after[0], after[0], after[1]]
    return conn.fetch_all(
        "SELECT v.viewer_id, v.seen_at, u.username, u.avatar_key, u.id FROM story_views v JOIN users u ON u.id = v.viewer_id"
        f" JOIN stories s ON s.id = v.story_id WHERE v.story_id = ? AND v.viewer_id <> s.user_id{bound} ORDER BY v.seen_at DESC, v.viewer_id DESC LIMIT ?",
        [*params, limit],
    )

