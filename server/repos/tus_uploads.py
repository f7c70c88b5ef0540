"""Resumable uploads (``tus_uploads``): the offset each has reached, its S3 parts, and who is writing it now.

States: ``receiving`` (bytes still arriving) → ``complete`` (every byte stored, not yet checked) → ``checked``
(its ``uploads`` row took over) — or ``refused``, ``terminated`` (DELETE) or ``expired``, whose bytes are removed.
"""

from __future__ import annotations

import json
from typing import Any

from ..stores.base import Conn

ACTIVE_STATES = ("receiving", "complete")


def create(conn: Conn, *, upload_id: int, user_id: int, length: int, metadata: str, multipart_id: str | None,
           idempotency_key: str | None, expires_at: int, created_at: int) -> None:
    conn.execute(
        "INSERT INTO tus_uploads (id, user_id, length, received, metadata, state, multipart_id, parts, parts_bytes,"
        " idempotency_key, expires_at, created_at) VALUES (?, ?, ?, 0, ?, 'receiving', ?, '[]', 0, ?, ?, ?)",
        (upload_id, user_id, length, metadata, multipart_id, idempotency_key, expires_at, created_at),
    )


def of_user(conn: Conn, upload_id: int, user_id: int) -> Any | None:
    return conn.fetch_one("SELECT * FROM tus_uploads WHERE id = ? AND user_id = ?", (upload_id, user_id))


def by_id(conn: Conn, upload_id: int) -> Any | None:
    return conn.fetch_one("SELECT * FROM tus_uploads WHERE id = ?", (upload_id,))


def by_key(conn: Conn, user_id: int, idempotency_key: str) -> Any | None:
    return conn.fetch_one("SELECT * FROM tus_uploads WHERE user_id = ? AND idempotency_key = ?", (user_id, idempotency_key))


def forget_key(conn: Conn, user_id: int, idempotency_key: str) -> None:
    """A gone upload's Idempotency-Key may start a new upload."""
    conn.execute("UPDATE tus_uploads SET idempotency_key = NULL WHERE user_id = ? AND idempotency_key = ?"
                 " AND state IN ('refused', 'terminated', 'expired')", (user_id, idempotency_key))


def of_user_among(conn: Conn, user_id: int, upload_ids: list[int]) -> list[Any]:
    if not upload_ids:
        return []
    marks = ", ".join("?" for _ in upload_ids)
    return conn.fetch_all(f"SELECT * FROM tus_uploads WHERE user_id = ? AND id IN ({marks})", (user_id, *upload_ids))


def lock(conn: Conn, upload_id: int, holder: str, until: int, now: int, stale: set[str] = frozenset()) -> bool:
    """Take the upload's write lock: free, lapsed, or held by a process known to be dead (``stale``)."""
    row = conn.fetch_one("SELECT locked_by, locked_until FROM tus_uploads WHERE id = ?", (upload_id,))
    if row is None:
        return False
    free = row["locked_by"] is None or (row["locked_until"] or 0) < now or row["locked_by"] in stale
    if not free:
        return False
    changed = conn.execute(
        "UPDATE tus_uploads SET locked_by = ?, locked_until = ? WHERE id = ? AND "
        + ("locked_by IS NULL" if row["locked_by"] is None else "locked_by = ?"),
        (holder, until, upload_id) if row["locked_by"] is None else (holder, until, upload_id, row["locked_by"]),
    )
    return changed == 1


def holder_of(conn: Conn, upload_id: int) -> str | None:
    return conn.fetch_val("SELECT locked_by FROM tus_uploads WHERE id = ?", (upload_id,))


def renew(conn: Conn, upload_id: int, holder: str, until: int) -> bool:
    """Extend the lock's lease; False when it is no longer this holder's (or the upload ended)."""
    return conn.execute("UPDATE tus_uploads SET locked_until = ? WHERE id = ? AND locked_by = ? AND state = 'receiving'",
                        (until, upload_id, holder)) == 1


def unlock(conn: Conn, upload_id: int, holder: str) -> None:
    conn.execute("UPDATE tus_uploads SET locked_by = NULL, locked_until = NULL WHERE id = ? AND locked_by = ?",
                 (upload_id, holder))


def record_progress(conn: Conn, upload_id: int, holder: str, *, received: int, parts: list[dict], parts_bytes: int,
                    locked_until: int) -> bool:
    """Store a new offset (and parts) while still holding the lock; False when the lock was lost or the upload ended."""
    changed = conn.execute(
        "UPDATE tus_uploads SET received = ?, parts = ?, parts_bytes = ?, locked_until = ?"
        " WHERE id = ? AND locked_by = ? AND state = 'receiving'",
        (received, json.dumps(parts, separators=(",", ":")), parts_bytes, locked_until, upload_id, holder),
    )
    return changed == 1


def set_state(conn: Conn, upload_id: int, state: str, *, expires_at: int | None = None, only_from: tuple[str, ...] = ACTIVE_STATES) -> bool:
    marks = ", ".join("?" for _ in only_from)
    if expires_at is None:
        changed = conn.execute(f"UPDATE tus_uploads SET state = ? WHERE id = ? AND state IN ({marks})", (state, upload_id, *only_from))
    else:
        changed = conn.execute(f"UPDATE tus_uploads SET state = ?, expires_at = ? WHERE id = ? AND state IN ({marks})",
                               (state, expires_at, upload_id, *only_from))
    return changed == 1


def parts_of(row: Any) -> list[dict]:
    return json.loads(row["parts"] or "[]")
