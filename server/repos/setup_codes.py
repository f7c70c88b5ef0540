"""First-run setup codes: issued while no account exists, used once to create the admin."""

from __future__ import annotations

from ..stores.base import Conn


def issued(conn: Conn) -> bool:
    """Whether a setup code was ever issued on this database (used or not, expired or not)."""
    return conn.fetch_val("SELECT COUNT(*) FROM setup_codes") > 0


def replace_unused(conn: Conn, code_hash: str, created_at: int, expires_at: int) -> None:
    """Issue a new code; any code not yet used stops working."""
    conn.execute("DELETE FROM setup_codes WHERE used_by IS NULL")
    conn.execute("INSERT INTO setup_codes (code_hash, created_at, expires_at) VALUES (?, ?, ?)", (code_hash, created_at, expires_at))


def use(conn: Conn, code_hash: str, user_id: int, now: int) -> bool:
    changed = conn.execute(
        "UPDATE setup_codes SET used_by = ?, used_at = ? WHERE code_hash = ? AND used_by IS NULL AND expires_at > ?",
        (user_id, now, code_hash, now),
    )
    if changed != 1:
        return False
    conn.execute("DELETE FROM setup_codes WHERE used_by IS NULL")
    return True


def discard_unused(conn: Conn) -> int:
    return conn.execute("DELETE FROM setup_codes WHERE used_by IS NULL")


def forget_all(conn: Conn) -> int:
    return conn.execute("DELETE FROM setup_codes")


def pending_expiry(conn: Conn, now: int) -> int | None:
    """When the usable code expires (Unix ms), or None if there is none."""
    return conn.fetch_val("SELECT MAX(expires_at) FROM setup_codes WHERE used_by IS NULL AND expires_at > ?", (now,))


def mark_used_by(conn: Conn, user_id: int, now: int) -> None:
    """The admin was created another way (``photoshare admin users create``): every unused code is done with."""
    conn.execute("UPDATE setup_codes SET used_by = ?, used_at = ? WHERE used_by IS NULL", (user_id, now))
