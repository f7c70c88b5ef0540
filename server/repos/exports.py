"""Copies of an account's data (``exports`` table) and what goes into them.

A row is ``pending`` while the ``build_export`` job writes the zip (``done_items`` of ``total_items``),
then ``ready`` (``blob_key``, ``size``) or ``failed``. The account's rows cascade away with it.
"""

from __future__ import annotations

from typing import Any

from ..stores.base import Conn


def insert(conn: Conn, *, export_id: int, user_id: int, now: int) -> None:
    conn.execute("INSERT INTO exports (id, user_id, status, done_items, total_items, created_at) VALUES (?, ?, 'pending', 0, 0, ?)",
                 (export_id, user_id, now))


def by_id(conn: Conn, export_id: int) -> Any | None:
    return conn.fetch_one("SELECT * FROM exports WHERE id = ?", (export_id,))


def latest_of(conn: Conn, user_id: int) -> Any | None:
    return conn.fetch_one("SELECT * FROM exports WHERE user_id = ? ORDER BY id DESC LIMIT 1", (user_id,))


def lock_account(conn: Conn, user_id: int) -> None:
    """Take the account's row lock (a no-op update) so two requests cannot both start an export."""
    conn.execute("UPDATE users SET id = id WHERE id = ?", (user_id,))


def set_progress(conn: Conn, export_id: int, done: int, total: int) -> None:
    conn.execute("UPDATE exports SET done_items = ?, total_items = ? WHERE id = ? AND status = 'pending'", (done, total, export_id))


def mark_ready(conn: Conn, export_id: int, blob_key: str, size: int, now: int, expires_at: int) -> int:
    return conn.execute(
        "UPDATE exports SET status = 'ready', blob_key = ?, size = ?, done_items = total_items, finished_at = ?, expires_at = ?"
        " WHERE id = ? AND status = 'pending'", (blob_key, size, now, expires_at, export_id))


def mark_failed(conn: Conn, export_id: int, error: str, now: int) -> None:
    conn.execute("UPDATE exports SET status = 'failed', error = ?, finished_at = ? WHERE id = ? AND status = 'pending'",
                 (error[:500], now, export_id))


def delete(conn: Conn, export_id: int) -> None:
    conn.execute("DELETE FROM exports WHERE id = ?", (export_id,))


def blob_keys_of(conn: Conn, user_id: int) -> list[str]:
    """The stored zips of an account (removed with it)."""
    return [r[0] for r in conn.fetch_all("SELECT blob_key FROM exports WHERE user_id = ? AND blob_key IS NOT NULL", (user_id,))]


def all_blob_keys(conn: Conn) -> list[str]:
    """Every stored zip (``photoshare admin check`` must not take them for garbage)."""
    return [r[0] for r in conn.fetch_all("SELECT blob_key FROM exports WHERE blob_key IS NOT NULL")]


# -- what a copy holds ---------------------------------------------------------------------------

def profile_row(conn: Conn, user_id: int) -> Any | None:
    return conn.fetch_one("SELECT * FROM users WHERE id = ?", (user_id,))


def posts_of(conn: Conn, user_id: int) -> list[Any]:
    return conn.fetch_all("SELECT * FROM posts WHERE user_id = ? ORDER BY id", (user_id,))


def media_of(conn: Conn, user_id: int) -> list[Any]:
    return conn.fetch_all(
        "SELECT m.* FROM media m JOIN posts p ON p.id = m.post_id WHERE p.user_id = ? ORDER BY m.post_id, m.position", (user_id,))


def comments_of(conn: Conn, user_id: int) -> list[Any]:
    return conn.fetch_all(
        "SELECT c.id, c.post_id, c.text, c.created_at, u.username AS post_author FROM comments c"
        " JOIN posts p ON p.id = c.post_id JOIN users u ON u.id = p.user_id WHERE c.user_id = ? ORDER BY c.id", (user_id,))


def likes_of(conn: Conn, user_id: int) -> list[Any]:
    return conn.fetch_all(
        "SELECT l.post_id, l.created_at, u.username AS post_author FROM likes l JOIN posts p ON p.id = l.post_id"
        " JOIN users u ON u.id = p.user_id WHERE l.user_id = ? ORDER BY l.created_at, l.post_id", (user_id,))


def followers_of(conn: Conn, user_id: int) -> list[Any]:
    return conn.fetch_all("SELECT u.username, f.created_at FROM follows f JOIN users u ON u.id = f.follower_id"
                          " WHERE f.followee_id = ? ORDER BY f.created_at, u.username", (user_id,))


def following_of(conn: Conn, user_id: int) -> list[Any]:
    return conn.fetch_all("SELECT u.username, f.created_at FROM follows f JOIN users u ON u.id = f.followee_id"
                          " WHERE f.follower_id = ? ORDER BY f.created_at, u.username", (user_id,))
