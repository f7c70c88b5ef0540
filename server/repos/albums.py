"""Albums, their members (the owner among them, role 'owner') and their items (posts shown in an album)."""

from __future__ import annotations

from typing import Any

from ..stores.base import Conn, placeholders
from .access import active_user_sql, visible_user_sql
from .paging import fetch_page

# Which items a reader sees, as a WHERE fragment over ``posts p JOIN users pu ON pu.id = p.user_id`` (and its
# parameters). A member sees every item whose author they may see as an account (the visibility rule without
# its privacy clause: the author put the post in the album for its members), minus posts hidden by reports.
# A guest (a share link) sees only published, unhidden items of active accounts that are public or the sharer.


def member_sees_sql(viewer_id: int) -> tuple[str, list[Any]]:
    account, params = visible_user_sql(viewer_id, user="pu")
    return f"(p.user_id = ? OR (p.hidden = 0 AND {account}))", [viewer_id, *params]


def guest_sees_sql(sharer_id: int) -> tuple[str, list[Any]]:
    return (f"(p.hidden = 0 AND p.published_at IS NOT NULL AND {active_user_sql('pu')}"
            " AND (pu.is_private = 0 OR pu.id = ?))"), [sharer_id]


_ITEM_POSTS = " JOIN posts p ON p.id = i.post_id JOIN users pu ON pu.id = p.user_id"


def insert_album(conn: Conn, *, album_id: int, owner_id: int, title: str, description: str, now: int) -> None:
    conn.execute(
        "INSERT INTO albums (id, owner_id, title, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        (album_id, owner_id, title, description, now, now),
    )
    add_member(conn, album_id, owner_id, "owner", now)


def album_by_id(conn: Conn, album_id: int) -> Any | None:
    return conn.fetch_one("SELECT * FROM albums WHERE id = ?", (album_id,))


def update_album(conn: Conn, album_id: int, changes: dict[str, Any], now: int) -> None:
    columns = ", ".join(f"{name} = ?" for name in changes)  # names come from the service's fixed list
    conn.execute(f"UPDATE albums SET {columns}, updated_at = ? WHERE id = ?", [*changes.values(), now, album_id])


def touch(conn: Conn, album_id: int, now: int) -> None:
    conn.execute("UPDATE albums SET updated_at = ? WHERE id = ?", (now, album_id))


def delete_album(conn: Conn, album_id: int) -> None:
    """The album, its member rows and its items; the posts stay."""
    conn.execute("DELETE FROM album_items WHERE album_id = ?", (album_id,))
    conn.execute("DELETE FROM album_members WHERE album_id = ?", (album_id,))
    conn.execute("DELETE FROM notifications WHERE album_id = ?", (album_id,))
    conn.execute("DELETE FROM albums WHERE id = ?", (album_id,))


# -- members -----------------------------------------------------------------------------------------
def add_member(conn: Conn, album_id: int, user_id: int, role: str, now: int) -> None:
    conn.execute("INSERT INTO album_members (album_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)",
                 (album_id, user_id, role, now))


def set_role(conn: Conn, album_id: int, user_id: int, role: str) -> None:
    conn.execute("UPDATE album_members SET role = ? WHERE album_id = ? AND user_id = ?", (role, album_id, user_id))


def remove_member(conn: Conn, album_id: int, user_id: int) -> int:
    conn.execute("DELETE FROM notifications WHERE album_id = ? AND user_id = ?", (album_id, user_id))
    return conn.execute("DELETE FROM album_members WHERE album_id = ? AND user_id = ?", (album_id, user_id))


def role_of(conn: Conn, album_id: int, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return conn.fetch_val("SELECT role FROM album_members WHERE album_id = ? AND user_id = ?", (album_id, user_id))


def member_ids(conn: Conn, album_id: int) -> list[int]:
    return [row[0] for row in conn.fetch_all("SELECT user_id FROM album_members WHERE album_id = ?", (album_id,))]


def members(conn: Conn, album_id: int, viewer_id: int) -> list[Any]:
    """Members the viewer may see listed, with their summary columns: the owner first, then by when they joined."""
    visible, params = visible_user_sql(viewer_id, user="u")
    return conn.fetch_all(
        "SELECT m.user_id, m.role, m.joined_at, u.username, u.avatar_key FROM album_members m JOIN users u ON u.id = m.user_id"
        f" WHERE m.album_id = ? AND {visible} ORDER BY CASE WHEN m.role = 'owner' THEN 0 ELSE 1 END, m.joined_at, m.user_id",
        [album_id, *params],
    )


def albums_page(conn: Conn, user_id: int, before_id: int | None, limit: int) -> tuple[list[Any], bool]:
    """Albums the user owns or has joined, newest first, each with the user's role; an album whose owner the user
    may not see (a block either way, a disabled or hidden account) is left out, as the owner is everywhere."""
    owner, owner_params = visible_user_sql(user_id, user="o")
    sql = ("SELECT a.*, m.role AS my_role FROM album_members m JOIN albums a ON a.id = m.album_id"
           f" JOIN users o ON o.id = a.owner_id WHERE m.user_id = ? AND {owner}")
    params: list[Any] = [user_id, *owner_params]
    if before_id is not None:
        sql += " AND a.id < ?"
        params.append(before_id)
    sql += " ORDER BY a.id DESC"
    return fetch_page(conn, sql, params, limit)


def counts(conn: Conn, album_ids: list[int], viewer_id: int) -> dict[int, tuple[int, int]]:
    """(items the viewer sees, member count) per album."""
    if not album_ids:
        return {}
    marks = placeholders(len(album_ids))
    sees, params = member_sees_sql(viewer_id)
    items = {row[0]: row[1] for row in conn.fetch_all(
        f"SELECT i.album_id, COUNT(*) FROM album_items i{_ITEM_POSTS} WHERE i.album_id IN ({marks}) AND {sees}"
        " GROUP BY i.album_id", [*album_ids, *params])}
    people = {row[0]: row[1] for row in conn.fetch_all(
        f"SELECT album_id, COUNT(*) FROM album_members WHERE album_id IN ({marks}) GROUP BY album_id", album_ids)}
    return {album_id: (items.get(album_id, 0), people.get(album_id, 0)) for album_id in album_ids}


def cover_posts(conn: Conn, album_ids: list[int], viewer_id: int) -> dict[int, int]:
    """The newest item's post (of those the viewer sees) of each album: its cover."""
    sees, params = member_sees_sql(viewer_id)
    covers = {}
    for album_id in album_ids:
        post_id = conn.fetch_val(f"SELECT i.post_id FROM album_items i{_ITEM_POSTS} WHERE i.album_id = ? AND {sees}"
                                 " ORDER BY i.id DESC LIMIT 1", [album_id, *params])
        if post_id is not None:
            covers[album_id] = post_id
    return covers


# -- items -------------------------------------------------------------------------------------------
def insert_item(conn: Conn, *, item_id: int, album_id: int, post_id: int, added_by: int, now: int) -> bool:
    """False when the post is already in the album."""
    if conn.fetch_val("SELECT 1 FROM album_items WHERE album_id = ? AND post_id = ?", (album_id, post_id)) is not None:
        return False
    conn.execute("INSERT INTO album_items (id, album_id, post_id, added_by, created_at) VALUES (?, ?, ?, ?, ?)",
                 (item_id, album_id, post_id, added_by, now))
    return True


def item_by_id(conn: Conn, item_id: int) -> Any | None:
    return conn.fetch_one("SELECT * FROM album_items WHERE id = ?", (item_id,))


def item_row_for_post(conn: Conn, album_id: int, post_id: int) -> Any | None:
    """The item showing this post in this album, with its adder's summary columns (as ``items_page`` has them)."""
    return conn.fetch_one(
        "SELECT i.id, i.album_id, i.post_id, i.added_by, i.created_at, u.username, u.avatar_key"
        " FROM album_items i JOIN users u ON u.id = i.added_by WHERE i.album_id = ? AND i.post_id = ?",
        (album_id, post_id),
    )


def delete_item(conn: Conn, item_id: int) -> int:
    return conn.execute("DELETE FROM album_items WHERE id = ?", (item_id,))


def items_page(conn: Conn, album_id: int, sees: tuple[str, list[Any]], before_id: int | None, limit: int) -> tuple[list[Any], bool]:
    """The items a reader sees (``sees``: ``member_sees_sql`` or ``guest_sees_sql``), newest first, each with its
    adder's summary columns."""
    sql = ("SELECT i.id, i.album_id, i.post_id, i.added_by, i.created_at, u.username, u.avatar_key"
           f" FROM album_items i JOIN users u ON u.id = i.added_by{_ITEM_POSTS} WHERE i.album_id = ? AND {sees[0]}")
    params: list[Any] = [album_id, *sees[1]]
    if before_id is not None:
        sql += " AND i.id < ?"
        params.append(before_id)
    sql += " ORDER BY i.id DESC"
    return fetch_page(conn, sql, params, limit)


def post_row_through_album(conn: Conn, viewer_id: int | None, post_id: int) -> Any | None:
    """The post's row (id, user_id, hidden) when the viewer is in an album showing it and sees it there."""
    if viewer_id is None:
        return None
    sees, params = member_sees_sql(viewer_id)
    return conn.fetch_one(
        "SELECT p.id, p.user_id, p.hidden FROM posts p JOIN users pu ON pu.id = p.user_id"
        f" WHERE p.id = ? AND {sees} AND EXISTS (SELECT 1 FROM album_items i JOIN album_members m ON m.album_id = i.album_id"
        " WHERE i.post_id = p.id AND m.user_id = ?)",
        [post_id, *params, viewer_id],
    )


def album_holds_stem(conn: Conn, album_id: int, sharer_id: int, stem: str) -> bool:
    """Whether a medium of an item a guest of this album sees has this variant (or video stream) stem."""
    sees, params = guest_sees_sql(sharer_id)
    return conn.fetch_val(
        f"SELECT 1 FROM album_items i{_ITEM_POSTS} JOIN media m ON m.post_id = i.post_id"
        f" WHERE i.album_id = ? AND {sees} AND m.variants LIKE ? LIMIT 1",
        [album_id, *params, f'%"{stem}%'],
    ) is not None
