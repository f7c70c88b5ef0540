"""Prefix search over usernames and hashtags, and a hashtag's posts.

Prefix matches are range scans on the indexed column (``col >= prefix AND col < upper``), which any
B-tree answers without reading the whole table, unlike ``LIKE`` with a leading wildcard.
"""

from __future__ import annotations

from typing import Any

from ..stores.base import Conn
from .access import visible_post_sql, visible_user_sql
from .paging import fetch_page

# A one-letter prefix can match thousands of tags; rank only this many (in tag order) by popularity,
# so one keystroke never reads the whole hashtags table.
HASHTAG_CANDIDATES = 1_000

_MAX_CODE_POINT = 0x10FFFF
_SURROGATES = range(0xD800, 0xE000)  # not valid in UTF-8 text, so never a useful bound


def prefix_upper_bound(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with ``prefix`` (None: no bound needed).

    Text compares by code point here (SQLite's BINARY collation on UTF-8; PostgreSQL with the C
    collation), so bumping the last character that can be bumped gives the bound.
    """
    chars = list(prefix)
    while chars:
        code = ord(chars.pop()) + 1
        if code in _SURROGATES:
            code = _SURROGATES.stop
        if code <= _MAX_CODE_POINT:
            return "".join(chars) + chr(code)
    return None


def _range(column: str, prefix: str) -> tuple[str, list[str]]:
    upper = prefix_upper_bound(prefix)
    if upper is None:
        return f"{column} >= ?", [prefix]
    return f"{column} >= ? AND {column} < ?", [prefix, upper]


def users_with_prefix(conn: Conn, prefix: str, limit: int, viewer_id: int | None = None) -> list[Any]:
    """Accounts the viewer may see whose username starts with ``prefix``, in username order (an exact match first)."""
    where, params = _range("u.username", prefix)
    visible, visible_params = visible_user_sql(viewer_id)
    return conn.fetch_all(
        f"SELECT u.id, u.username, u.avatar_key FROM users u WHERE {where} AND u.is_disabled = 0 AND {visible}"
        " ORDER BY u.username LIMIT ?",
        [*params, *visible_params, limit],
    )


def hashtags_with_prefix(conn: Conn, prefix: str, limit: int) -> list[Any]:
    """Tags in use that start with ``prefix``, most used first."""
    where, params = _range("tag", prefix)
    return conn.fetch_all(
        "SELECT tag, post_count FROM ("
        f"SELECT tag, post_count FROM hashtags WHERE {where} AND post_count > 0 ORDER BY tag LIMIT ?"
        ") candidates ORDER BY post_count DESC, tag LIMIT ?",
        [*params, HASHTAG_CANDIDATES, limit],
    )


def visible_tag_counts(conn: Conn, tags: list[str], viewer_id: int | None) -> dict[str, int]:
    """How many of each tag's posts the viewer may see (``hashtags.post_count`` counts everyone's)."""
    visible, visible_params = visible_post_sql(viewer_id)
    counts = {}
    for tag in tags:
        counts[tag] = conn.fetch_val(
            "SELECT COUNT(*) FROM post_hashtags ph JOIN posts p ON p.id = ph.post_id JOIN users u ON u.id = p.user_id"
            f" WHERE ph.tag = ? AND {visible}", [tag, *visible_params])
    return counts


def tagged_posts_page(conn: Conn, tag: str, viewer_id: int, before_post_id: int | None, limit: int) -> tuple[list[Any], bool]:
    """Ids of the tag's posts the viewer may see, newest first (post ids are time-ordered)."""
    visible, visible_params = visible_post_sql(viewer_id)
    sql = (
        "SELECT ph.post_id FROM post_hashtags ph JOIN posts p ON p.id = ph.post_id JOIN users u ON u.id = p.user_id"
        f" WHERE ph.tag = ? AND {visible}"
    )
    params: list[Any] = [tag, *visible_params]
    if before_post_id is not None:
        sql += " AND ph.post_id < ?"
        params.append(before_post_id)
    sql += " ORDER BY ph.post_id DESC"
    return fetch_page(conn, sql, params, limit)
