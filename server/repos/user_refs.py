"""Users named in a URL: a decimal id, ``@username`` or a plain username.

A reference made only of ASCII digits is always an id (``/users/7215629384753152``). Anything else is
a username, with or without ``@``. Registration allows usernames made only of digits (``2024``); such
an account is reached as ``@2024``, since ``/users/2024`` means the id 2024. An id could never be
mistaken for another account's name this way, whatever names people pick.
"""

from __future__ import annotations

import re
from typing import Any

from ..ids import parse_id
from ..stores.base import Conn
from . import users as users_repo

# The registration rule (services/registration.py USERNAME_RE): 3 to 30 of a-z, 0-9, '.' and '_', in ASCII.
USERNAME = re.compile(r"[a-z0-9._]{3,30}")


def user_by_ref(conn: Conn, ref: str | None) -> Any | None:
    """The user row, or None when the reference is malformed or names nobody (both answer 404)."""
    if not ref or not ref.isascii():
        return None
    if ref.startswith("@"):
        name = ref[1:]
    elif ref.isdigit():
        user_id = parse_id(ref)
        return None if user_id is None else users_repo.by_id(conn, user_id)
    else:
        name = ref
    name = name.lower()
    return users_repo.by_username(conn, name) if USERNAME.fullmatch(name) else None
