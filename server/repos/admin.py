"""What the admin's tools read: whole-server counts, integrity checks, and media to run through the pipeline again."""

from __future__ import annotations

from typing import Any

from ..stores.base import Conn


def counts(conn: Conn) -> dict[str, int]:
    return {
        "users": conn.fetch_val("SELECT COUNT(*) FROM users"),
        "posts": conn.fetch_val("SELECT COUNT(*) FROM posts"),
        "media": conn.fetch_val("SELECT COUNT(*) FROM media"),
        "media processing": conn.fetch_val("SELECT COUNT(*) FROM media WHERE status = 'processing'"),
        "media failed": conn.fetch_val("SELECT COUNT(*) FROM media WHERE status = 'failed'"),
        "originals bytes": conn.fetch_val("SELECT COALESCE(SUM(size), 0) FROM media") or 0,
        "stored files": conn.fetch_val("SELECT COUNT(DISTINCT blob_key) FROM blob_refs"),
    }


def sqlite_integrity(conn: Conn) -> list[str]:
    """SQLite's own verdict: ``["ok"]`` when the file is sound."""
    return [row[0] for row in conn.fetch_all("PRAGMA integrity_check")]


def sqlite_foreign_key_problems(conn: Conn) -> list[Any]:
    """(table, rowid, parent table, …) for every row that points to a missing row."""
    return conn.fetch_all("PRAGMA foreign_key_check")


def stored_keys(conn: Conn) -> list[str]:
    """Every stored file a medium refers to."""
    return [row[0] for row in conn.fetch_all("SELECT DISTINCT blob_key FROM blob_refs ORDER BY blob_key")]


def processing_post_ids(conn: Conn) -> set[int]:
    return {row[0] for row in conn.fetch_all("SELECT DISTINCT post_id FROM media WHERE status = 'processing'")}


def media_ids(conn: Conn, *, post_id: int | None = None, username: str | None = None, failed_only: bool = False) -> list[int]:
    """Media to reprocess: of one post, of one account, failed only, or all; oldest first."""
    clauses, params = [], []
    if post_id is not None:
        clauses.append("m.post_id = ?")
        params.append(post_id)
    if username is not None:
        clauses.append("u.username = ?")
        params.append(username)
    if failed_only:
        clauses.append("m.status = 'failed'")
    where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
    return [row[0] for row in conn.fetch_all(f"SELECT m.id FROM media m JOIN users u ON u.id = m.user_id {where} ORDER BY m.id", params)]
