"""Users, tokens and invites."""

from __future__ import annotations

from typing import Any

from ..stores.base import Conn, placeholders
from .search import prefix_upper_bound

USER_COLUMNS = (
    "id, username, password_hash, display_name, bio, avatar_key, is_private, is_admin, is_disabled,"
    " follower_count, following_count, post_count, created_at, role, hidden, must_change_password"
)


def by_id(conn: Conn, user_id: int) -> Any | None:
    return conn.fetch_one(f"SELECT {USER_COLUMNS} FROM users WHERE id = ?", (user_id,))


def by_username(conn: Conn, username: str) -> Any | None:
    return conn.fetch_one(f"SELECT {USER_COLUMNS} FROM users WHERE username = ?", (username,))


def by_ids(conn: Conn, user_ids: list[int]) -> dict[int, Any]:
    if not user_ids:
        return {}
    rows = conn.fetch_all(f"SELECT {USER_COLUMNS} FROM users WHERE id IN ({placeholders(len(user_ids))})", user_ids)
    return {row["id"]: row for row in rows}


def ids_by_usernames(conn: Conn, usernames: list[str]) -> dict[str, int]:
    if not usernames:
        return {}
    rows = conn.fetch_all(f"SELECT id, username FROM users WHERE username IN ({placeholders(len(usernames))})", usernames)
    return {row["username"]: row["id"] for row in rows}


def follower_count(conn: Conn, user_id: int) -> int | None:
    """None when the account does not exist."""
    return conn.fetch_val("SELECT follower_count FROM users WHERE id = ?", (user_id,))


def count(conn: Conn) -> int:
    return conn.fetch_val("SELECT COUNT(*) FROM users")


def insert(conn: Conn, *, user_id: int, username: str, password_hash: str, is_admin: bool, created_at: int) -> None:
    conn.execute(
        "INSERT INTO users (id, username, password_hash, is_admin, role, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (user_id, username, password_hash, int(is_admin), "admin" if is_admin else "user", created_at),
    )


def update_profile(conn: Conn, user_id: int, changes: dict[str, Any]) -> None:
    allowed = {"display_name", "bio", "is_private", "avatar_key", "password_hash", "is_disabled", "is_admin", "role",
               "hidden", "must_change_password"}
    fields = [name for name in changes if name in allowed]
    if not fields:
        return
    assignments = ", ".join(f"{name} = ?" for name in fields)
    conn.execute(f"UPDATE users SET {assignments} WHERE id = ?", [changes[name] for name in fields] + [user_id])


def add_token(conn: Conn, token_hash: str, user_id: int, created_at: int) -> None:
    conn.execute("INSERT INTO tokens (token_hash, user_id, created_at) VALUES (?, ?, ?)", (token_hash, user_id, created_at))


def user_for_token(conn: Conn, token_hash: str) -> int | None:
    return conn.fetch_val(
        "SELECT t.user_id FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ? AND u.is_disabled = 0",
        (token_hash,),
    )


def users_for_tokens(conn: Conn, token_hashes: list[str]) -> dict[str, int]:
    """``user_for_token`` for many tokens in one query: the hashes still valid, with their accounts."""
    if not token_hashes:
        return {}
    rows = conn.fetch_all(
        f"SELECT t.token_hash, t.user_id FROM tokens t JOIN users u ON u.id = t.user_id"
        f" WHERE t.token_hash IN ({placeholders(len(token_hashes))}) AND u.is_disabled = 0", list(token_hashes))
    return {row["token_hash"]: row["user_id"] for row in rows}


def delete_token(conn: Conn, token_hash: str) -> int:
    return conn.execute("DELETE FROM tokens WHERE token_hash = ?", (token_hash,))


def delete_tokens_of(conn: Conn, user_id: int) -> int:
    return conn.execute("DELETE FROM tokens WHERE user_id = ?", (user_id,))


def add_invite(conn: Conn, code_hash: str, created_by: int | None, created_at: int, expires_at: int) -> None:
    conn.execute(
        "INSERT INTO invites (code_hash, created_by, created_at, expires_at) VALUES (?, ?, ?, ?)",
        (code_hash, created_by, created_at, expires_at),
    )


def use_invite(conn: Conn, code_hash: str, user_id: int, now: int) -> bool:
    changed = conn.execute(
        "UPDATE invites SET used_by = ?, used_at = ? WHERE code_hash = ? AND used_by IS NULL AND expires_at > ?",
        (user_id, now, code_hash, now),
    )
    return changed == 1


def summaries_by_ids(conn: Conn, user_ids: list[int]) -> list[Any]:
    """id, username and avatar_key: what a post's author line needs (and whether others may see their posts)."""
    return conn.fetch_all(f"SELECT id, username, avatar_key, is_disabled, hidden FROM users WHERE id IN ({placeholders(len(user_ids))})", user_ids)


def listing(conn: Conn, limit: int) -> list[Any]:
    return conn.fetch_all(f"SELECT {USER_COLUMNS} FROM users ORDER BY id LIMIT ?", (limit,))


def add_to_post_count(conn: Conn, user_id: int, delta: int) -> None:
    conn.execute("UPDATE users SET post_count = post_count + ? WHERE id = ?", (delta, user_id))


def search_page(conn: Conn, query: str, after_id: int | None, limit: int) -> list[Any]:
    """Accounts for the admin console: all of them (disabled and hidden too), by id; ``query`` a username prefix."""
    sql = f"SELECT {USER_COLUMNS} FROM users WHERE 1 = 1"
    params: list[Any] = []
    if query:
        upper = prefix_upper_bound(query)
        sql += " AND username >= ?" + (" AND username < ?" if upper is not None else "")
        params += [query] + ([upper] if upper is not None else [])
    if after_id is not None:
        sql += " AND id > ?"
        params.append(after_id)
    sql += " ORDER BY id LIMIT ?"
    return conn.fetch_all(sql, [*params, limit])


def admin_count(conn: Conn, *, besides: int) -> int:
    """Active admins other than ``besides``: the last admin may not be demoted or disabled."""
    return conn.fetch_val("SELECT COUNT(*) FROM users WHERE role = 'admin' AND is_disabled = 0 AND id <> ?", (besides,))


def recent_invites(conn: Conn, limit: int) -> list[Any]:
    """The newest invites, with the names of who made and who used each (codes are kept only as hashes)."""
    return conn.fetch_all(
        "SELECT i.code_hash, i.created_at, i.expires_at, i.used_at, c.username AS created_by, r.username AS used_by"
        " FROM invites i LEFT JOIN users c ON c.id = i.created_by LEFT JOIN users r ON r.id = i.used_by"
        " ORDER BY i.created_at DESC, i.code_hash LIMIT ?", (limit,))


def consume_password(conn: Conn, user_id: int, password_hash: str) -> None:
    """Make a one-time password unusable (a hash no password matches), unless it was changed meanwhile."""
    conn.execute("UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?",
                 ("used:" + password_hash, user_id, password_hash))
