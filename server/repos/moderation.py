"""Reports (one open case per target, one entry per reporter), hidden-by-reports flags, and the audit log."""

from __future__ import annotations

from typing import Any

from ..stores.base import Conn, placeholders
from .access import active_user_sql

REPORT_COLUMNS = ("id, target_type, target_id, owner_id, status, hidden, reporter_count, created_at, resolved_at,"
                  " resolved_by, action, resolution_note")
# The table and column that hold each kind of target's hidden flag, and its owner.
TARGET_TABLES = {"post": ("posts", "user_id"), "comment": ("comments", "user_id"), "user": ("users", "id")}


# -- targets --------------------------------------------------------------------------------------------
def target_row(conn: Conn, target_type: str, target_id: int) -> Any | None:
    """The reported thing's id, owner (``owner_id``), hidden flag and, for a comment, its post."""
    if target_type == "post":
        return conn.fetch_one("SELECT id, user_id AS owner_id, hidden, id AS post_id FROM posts WHERE id = ?", (target_id,))
    if target_type == "comment":
        return conn.fetch_one("SELECT id, user_id AS owner_id, hidden, post_id FROM comments WHERE id = ?", (target_id,))
    return conn.fetch_one("SELECT id, id AS owner_id, hidden, NULL AS post_id FROM users WHERE id = ?", (target_id,))


def set_hidden(conn: Conn, target_type: str, target_id: int, hidden: bool) -> bool:
    """Set the target's hidden flag; True when it changed. A comment's post keeps its comment_count of the
    comments everyone may see (``repos/comments.py``: a comment of a disabled or hidden account is out of it
    already). An account's comments are recounted by the caller (``comments.recount_author``)."""
    table, _ = TARGET_TABLES[target_type]
    changed = conn.execute(f"UPDATE {table} SET hidden = ? WHERE id = ? AND hidden = ?",
                           (int(hidden), target_id, int(not hidden))) == 1
    if changed and target_type == "comment":
        conn.execute("UPDATE posts SET comment_count = comment_count + ? WHERE id = (SELECT post_id FROM comments WHERE id = ?)"
                     " AND EXISTS (SELECT 1 FROM comments c JOIN users u ON u.id = c.user_id"
                     f" WHERE c.id = ? AND {active_user_sql('u')})",
                     (-1 if hidden else 1, target_id, target_id))
    return changed


# -- reports --------------------------------------------------------------------------------------------
def open_report_for(conn: Conn, target_type: str, target_id: int) -> Any | None:
    return conn.fetch_one(f"SELECT {REPORT_COLUMNS} FROM reports WHERE target_type = ? AND target_id = ? AND status = 'open'",
                          (target_type, target_id))


def insert_report(conn: Conn, *, report_id: int, target_type: str, target_id: int, owner_id: int | None, now: int) -> None:
    conn.execute(
        "INSERT INTO reports (id, target_type, target_id, owner_id, status, hidden, reporter_count, created_at)"
        " VALUES (?, ?, ?, ?, 'open', 0, 0, ?)", (report_id, target_type, target_id, owner_id, now))


def has_reported(conn: Conn, target_type: str, target_id: int, reporter_id: int) -> bool:
    return conn.fetch_val("SELECT 1 FROM report_entries WHERE target_type = ? AND target_id = ? AND reporter_id = ?",
                          (target_type, target_id, reporter_id)) is not None


def add_entry(conn: Conn, *, report_id: int, reporter_id: int, target_type: str, target_id: int, reason: str,
              note: str, now: int) -> int:
    """Record one reporter's report; the case's new reporter count. Raises IntegrityError on a second report."""
    conn.execute(
        "INSERT INTO report_entries (report_id, reporter_id, target_type, target_id, reason, note, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)", (report_id, reporter_id, target_type, target_id, reason, note, now))
    return conn.fetch_val("UPDATE reports SET reporter_count = reporter_count + 1 WHERE id = ? RETURNING reporter_count",
                          (report_id,))


def mark_report_hidden(conn: Conn, report_id: int) -> None:
    conn.execute("UPDATE reports SET hidden = 1 WHERE id = ?", (report_id,))


def report_by_id(conn: Conn, report_id: int) -> Any | None:
    return conn.fetch_one(f"SELECT {REPORT_COLUMNS} FROM reports WHERE id = ?", (report_id,))


def reports_page(conn: Conn, status: str, before_id: int | None, limit: int) -> list[Any]:
    """Cases in this status, newest first (ids are time-ordered); ``limit`` rows (ask one more to see if more)."""
    sql = f"SELECT {REPORT_COLUMNS} FROM reports WHERE status = ?"
    params: list[Any] = [status]
    if before_id is not None:
        sql += " AND id < ?"
        params.append(before_id)
    sql += " ORDER BY id DESC LIMIT ?"
    return conn.fetch_all(sql, [*params, limit])


def reasons_of(conn: Conn, report_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per case, how many reporters gave each reason."""
    if not report_ids:
        return {}
    rows = conn.fetch_all(
        f"SELECT report_id, reason, COUNT(*) AS n FROM report_entries WHERE report_id IN ({placeholders(len(report_ids))})"
        " GROUP BY report_id, reason", report_ids)
    out: dict[int, dict[str, int]] = {}
    for row in rows:
        out.setdefault(row["report_id"], {})[row["reason"]] = row["n"]
    return out


def notes_of(conn: Conn, report_id: int) -> list[Any]:
    return conn.fetch_all(
        "SELECT e.reporter_id, u.username, e.reason, e.note, e.created_at FROM report_entries e"
        " JOIN users u ON u.id = e.reporter_id WHERE e.report_id = ? ORDER BY e.created_at", (report_id,))


def reporter_ids(conn: Conn, report_id: int) -> list[int]:
    return [row[0] for row in conn.fetch_all("SELECT reporter_id FROM report_entries WHERE report_id = ?", (report_id,))]


def resolve(conn: Conn, report_id: int, *, action: str, note: str, resolved_by: int | None, now: int) -> bool:
    """Close an open case; False when it was not open (resolved meanwhile)."""
    return conn.execute(
        "UPDATE reports SET status = 'resolved', action = ?, resolution_note = ?, resolved_by = ?, resolved_at = ?"
        " WHERE id = ? AND status = 'open'", (action, note, resolved_by, now, report_id)) == 1


def open_count(conn: Conn) -> int:
    return conn.fetch_val("SELECT COUNT(*) FROM reports WHERE status = 'open'")


# -- audit log ------------------------------------------------------------------------------------------
def audit(conn: Conn, *, entry_id: int, actor_id: int | None, actor_name: str, action: str, target_type: str | None,
          target_id: int | None, detail: str, now: int) -> None:
    conn.execute(
        "INSERT INTO audit_log (id, actor_id, actor_name, action, target_type, target_id, detail, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (entry_id, actor_id, actor_name, action, target_type, target_id, detail, now))


def audit_page(conn: Conn, before_id: int | None, limit: int) -> list[Any]:
    sql = "SELECT id, actor_id, actor_name, action, target_type, target_id, detail, created_at FROM audit_log"
    params: list[Any] = []
    if before_id is not None:
        sql += " WHERE id < ?"
        params.append(before_id)
    sql += " ORDER BY id DESC LIMIT ?"
    return conn.fetch_all(sql, [*params, limit])
