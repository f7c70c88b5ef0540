"""Posts and their media rows."""

from __future__ import annotations

import json
from typing import Any

from ..stores.base import Conn, placeholders

MAX_TAGS_PER_POST = 30  # Instagram's limit; more is spam


def insert_post(conn: Conn, *, post_id: int, user_id: int, caption: str, idempotency_key: str | None, created_at: int) -> None:
    conn.execute(
        "INSERT INTO posts (id, user_id, caption, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?)",
        (post_id, user_id, caption, idempotency_key, created_at),
    )
    conn.execute("UPDATE users SET post_count = post_count + 1 WHERE id = ?", (user_id,))


def insert_media(conn: Conn, *, media_id: int, post_id: int, user_id: int, position: int, kind: str, original_key: str,
                 content_type: str, sha256: str, size: int, width: int | None, height: int | None, alt_text: str, now: int) -> None:
    conn.execute(
        "INSERT INTO media (id, post_id, user_id, position, kind, status, original_key, content_type, sha256, size,"
        " width, height, alt_text, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'processing', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (media_id, post_id, user_id, position, kind, original_key, content_type, sha256, size, width, height, alt_text, now, now),
    )
    add_blob_ref(conn, original_key, media_id)


def add_blob_ref(conn: Conn, key: str, media_id: int) -> None:
    conn.execute("INSERT INTO blob_refs (blob_key, media_id) VALUES (?, ?) ON CONFLICT DO NOTHING", (key, media_id))


def post_by_id(conn: Conn, post_id: int) -> Any | None:
    return conn.fetch_one("SELECT * FROM posts WHERE id = ?", (post_id,))


def post_id_for_key(conn: Conn, user_id: int, idempotency_key: str) -> int | None:
    return conn.fetch_val("SELECT id FROM posts WHERE user_id = ? AND idempotency_key = ?", (user_id, idempotency_key))


def media_of_post(conn: Conn, post_id: int) -> list[Any]:
    return conn.fetch_all("SELECT * FROM media WHERE post_id = ? ORDER BY position", (post_id,))


def media_by_id(conn: Conn, media_id: int) -> Any | None:
    return conn.fetch_one("SELECT * FROM media WHERE id = ?", (media_id,))


def mark_ready(conn: Conn, media_id: int, *, width: int, height: int, placeholder: str | None, variants: dict, duration_ms: int | None, now: int) -> int:
    return conn.execute(
        "UPDATE media SET status = 'ready', width = ?, height = ?, placeholder = ?, variants = ?, duration_ms = ?,"
        " failure_reason = NULL, updated_at = ? WHERE id = ?",
        (width, height, placeholder, json.dumps(variants, separators=(",", ":")), duration_ms, now, media_id),
    )


def mark_failed(conn: Conn, media_id: int, reason: str, now: int) -> int:
    return conn.execute(
        "UPDATE media SET status = 'failed', failure_reason = ?, updated_at = ? WHERE id = ?", (reason[:500], now, media_id)
    )


def unreferenced_keys(conn: Conn, keys: list[str]) -> list[str]:
    orphans = []
    for key in keys:
        if conn.fetch_val("SELECT 1 FROM blob_refs WHERE blob_key = ? LIMIT 1", (key,)) is None:
            orphans.append(key)
    return orphans


def release_refs(conn: Conn, media_ids: list[int]) -> list[str]:
    """Drop these media's references to stored files; return the files nobody references any more."""
    keys: set[str] = set()
    for media_id in media_ids:
        keys.update(row[0] for row in conn.fetch_all("SELECT blob_key FROM blob_refs WHERE media_id = ?", (media_id,)))
        conn.execute("DELETE FROM blob_refs WHERE media_id = ?", (media_id,))
    return unreferenced_keys(conn, sorted(keys))


def release_refs_except(conn: Conn, media_id: int, keep: set[str]) -> list[str]:
    """Drop this media's references other than ``keep``; return the files nobody references any more."""
    dropped = [row[0] for row in conn.fetch_all("SELECT blob_key FROM blob_refs WHERE media_id = ?", (media_id,)) if row[0] not in keep]
    for key in dropped:
        conn.execute("DELETE FROM blob_refs WHERE blob_key = ? AND media_id = ?", (key, media_id))
    return unreferenced_keys(conn, dropped)


def rows_by_ids(conn: Conn, post_ids: list[int]) -> list[Any]:
    """The columns a hydrated post shows."""
    return conn.fetch_all(f"SELECT id, user_id, caption, like_count, comment_count, created_at, published_at, hidden FROM posts"
                          f" WHERE id IN ({placeholders(len(post_ids))})", post_ids)


def media_of_posts(conn: Conn, post_ids: list[int]) -> list[Any]:
    """Every medium of these posts, by post and position."""
    return conn.fetch_all(f"SELECT * FROM media WHERE post_id IN ({placeholders(len(post_ids))}) ORDER BY post_id, position", post_ids)


def delete_post(conn: Conn, post_id: int) -> None:
    conn.execute("DELETE FROM posts WHERE id = ?", (post_id,))
