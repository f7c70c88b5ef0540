"""Direct uploads (``uploads`` table): reserved, filled by a signed PUT or the store, then used by a post or expired."""

from __future__ import annotations

from typing import Any

from ..stores.base import Conn, placeholders


def reserve(conn: Conn, *, upload_id: int, user_id: int, content_type: str, declared_size: int,
            declared_sha256: str | None, expires_at: int, created_at: int) -> None:
    conn.execute(
        "INSERT INTO uploads (id, user_id, content_type, declared_size, declared_sha256, status, expires_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
        (upload_id, user_id, content_type, declared_size, declared_sha256, expires_at, created_at),
    )


def by_id(conn: Conn, upload_id: int) -> Any | None:
    return conn.fetch_one("SELECT * FROM uploads WHERE id = ?", (upload_id,))


def of_user(conn: Conn, upload_id: int, user_id: int) -> Any | None:
    return conn.fetch_one("SELECT * FROM uploads WHERE id = ? AND user_id = ?", (upload_id, user_id))


def pending_of_user(conn: Conn, user_id: int, upload_ids: list[int]) -> list[Any]:
    return conn.fetch_all(f"SELECT * FROM uploads WHERE user_id = ? AND status = 'pending' AND id IN ({placeholders(len(upload_ids))})",
                          (user_id, *upload_ids))


def mark_uploaded(conn: Conn, upload_id: int, *, kind: str, sha256: str, size: int, original_key: str, width: int,
                  height: int, content_type: str) -> bool:
    """A pending upload received its file; False when it was not pending any more."""
    changed = conn.execute(
        "UPDATE uploads SET status = 'uploaded', kind = ?, sha256 = ?, size = ?, original_key = ?, width = ?, height = ?,"
        " content_type = ? WHERE id = ? AND status = 'pending'",
        (kind, sha256, size, original_key, width, height, content_type, upload_id),
    )
    return changed == 1


def mark_used(conn: Conn, upload_id: int) -> None:
    conn.execute("UPDATE uploads SET status = 'used' WHERE id = ?", (upload_id,))


def expire_uploaded(conn: Conn, upload_id: int) -> Any | None:
    """Expire an uploaded, never used upload; its row (None if it was not in that state)."""
    row = conn.fetch_one("SELECT * FROM uploads WHERE id = ? AND status = 'uploaded'", (upload_id,))
    if row is not None:
        conn.execute("UPDATE uploads SET status = 'expired' WHERE id = ?", (upload_id,))
    return row


def expire_pending(conn: Conn, upload_id: int) -> None:
    conn.execute("UPDATE uploads SET status = 'expired' WHERE id = ? AND status = 'pending'", (upload_id,))


def original_still_used(conn: Conn, key: str) -> bool:
    """Whether a post's media or another waiting upload still refers to this original."""
    return bool(conn.fetch_val("SELECT 1 FROM blob_refs WHERE blob_key = ? LIMIT 1", (key,)) or conn.fetch_val(
        "SELECT 1 FROM uploads WHERE original_key = ? AND status = 'uploaded' LIMIT 1", (key,)))
