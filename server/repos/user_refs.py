"""Users named in a URL: a decimal id or ``@username``."""

from __future__ import annotations

from typing import Any

from ..ids import parse_id
from ..stores.base import Conn
from . import users as users_repo


def user_by_ref(conn: Conn, ref: str | None) -> Any | None:
    """The user row, or None when the reference is malformed or names nobody (both answer 404)."""
    if not ref:
        return None
    if ref.startswith("@"):
        return users_repo.by_username(conn, ref[1:].lower())
    user_id = parse_id(ref)
    return None if user_id is None else users_repo.by_id(conn, user_id)
