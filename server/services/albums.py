"""Albums: personal or shared collections of posts, with contributors and viewers.

Who may do what is decided here, once:

- an album is seen only by its members (the owner is one, role ``owner``); to anyone else it does not
  exist (404);
- the owner edits, deletes and manages members; contributors add items (their own posts, or new
  uploads that become their posts) and remove what they added; viewers look, like and comment;
- a member leaves by removing themselves; the owner cannot leave (they delete the album instead);
- deleting an album deletes its items and member rows, never a post.

An item's post is shown to every member, whatever the post's author's privacy: the author put it
there for them (only authors add their own posts). Members can then like and comment on it as on any
post they can see (``shows_post_to``, asked by ``Posts.visible_post_row``).
"""

from __future__ import annotations

from ..clock import now_ms
from ..context import Context
from ..ids import parse_id
from ..repos import access as access_repo
from ..repos import albums as repo
from ..repos import posts as posts_repo
from ..repos import users as users_repo
from ..repos.user_refs import user_by_ref
from ..stores.base import Conn
from ..web.errors import Conflict, Forbidden, InvalidInput, NotFound
from ..web.http import encode_cursor
from ..web.serialize import iso_time, user_summary

MAX_TITLE_CHARS = 100  # fits a phone's screen width in the album grid
MAX_DESCRIPTION_CHARS = 2_200  # as long as a caption
MAX_POSTS_PER_REQUEST = 50  # the picker adds many photos at once; one page of them per request
MEMBER_ROLES = ("contributor", "viewer")
ADDERS = ("owner", "contributor")


def _text(data: dict, name: str, limit: int, *, required: bool) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise InvalidInput(f"'{name}' is required.")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"'{name}' must be a string.")
    value = value.strip()
    if required and not value:
        raise InvalidInput(f"'{name}' must not be empty.")
    if len(value) > limit:
        raise InvalidInput(f"'{name}' may have at most {limit} characters.", code="too_long")
    return value


def _post_ids(data: dict) -> list[int]:
    raw = data.get("post_ids") if "post_ids" in data else [data.get("post_id")]
    if not isinstance(raw, list) or not raw:
        raise InvalidInput("Send 'post_id', or 'post_ids' as a list of post ids.")
    if len(raw) > MAX_POSTS_PER_REQUEST:
        raise InvalidInput(f"Add at most {MAX_POSTS_PER_REQUEST} posts at a time.")
    ids = [parse_id(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else None for value in raw]
    if None in ids:
        raise InvalidInput("Post ids are decimal id strings.")
    return list(dict.fromkeys(ids))  # type: ignore[arg-type]


class Albums:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- albums ----------------------------------------------------------------------------------
    async def create(self, user_id: int, data: dict) -> dict:
        title = _text(data, "title", MAX_TITLE_CHARS, required=True)
        description = _text(data, "description", MAX_DESCRIPTION_CHARS, required=False) or ""
        album_id = self.ctx.ids.next_id()
        await self.ctx.db.write(lambda conn: repo.insert_album(conn, album_id=album_id, owner_id=user_id, title=title,
                                                               description=description, now=now_ms()))
        return await self.album(user_id, album_id)

    async def listing(self, user_id: int, cursor: tuple[int, ...] | None, limit: int) -> dict:
        rows, more = await self.ctx.db.read(lambda conn: repo.albums_page(conn, user_id, cursor[0] if cursor else None, limit))
        albums = await self._albums_json(user_id, rows, with_members=False)
        return {"albums": albums, "next_cursor": encode_cursor(rows[-1]["id"]) if more else None}

    async def album(self, user_id: int, album_id: int) -> dict:
        def unit(conn: Conn):
            row = repo.album_by_id(conn, album_id)
            role = repo.role_of(conn, album_id, user_id)
            if row is None or role is None or not access_repo.can_see_user_in(conn, user_id, row["owner_id"]):
                raise NotFound("No such album.")  # not a member, or its owner is hidden from them (the rule)
            return {**dict(row), "my_role": role}

        row = await self.ctx.db.read(unit)
        return (await self._albums_json(user_id, [row], with_members=True))[0]

    async def page(self, user_id: int, album_id: int, cursor: tuple[int, ...] | None, limit: int) -> dict:
        album = await self.album(user_id, album_id)
        sees = repo.member_sees_sql(user_id)
        rows, more = await self.ctx.db.read(lambda conn: repo.items_page(conn, album_id, sees, cursor[0] if cursor else None, limit))
        return {"album": album, "items": await self._items_json(user_id, rows),
                "next_cursor": encode_cursor(rows[-1]["id"]) if more else None}

    async def edit(self, user_id: int, album_id: int, data: dict) -> dict:
        changes = {}
        title = _text(data, "title", MAX_TITLE_CHARS, required=False)
        if title is not None:
            if not title:
                raise InvalidInput("'title' must not be empty.")
            changes["title"] = title
        description = _text(data, "description", MAX_DESCRIPTION_CHARS, required=False)
        if description is not None:
            changes["description"] = description
        if not changes:
            raise InvalidInput("Send 'title' and/or 'description'.")

        def unit(conn: Conn) -> None:
            self._require_role(conn, album_id, user_id, ("owner",), "Only the album's owner can rename it.")
            repo.update_album(conn, album_id, changes, now_ms())

        await self.ctx.db.write(unit)
        return await self.album(user_id, album_id)

    async def delete(self, user_id: int, album_id: int) -> None:
        def unit(conn: Conn) -> None:
            self._require_role(conn, album_id, user_id, ("owner",), "Only the album's owner can delete it.")
            repo.delete_album(conn, album_id)

        await self.ctx.db.write(unit)

    # -- members ---------------------------------------------------------------------------------
    async def add_member(self, user_id: int, album_id: int, data: dict) -> dict:
        ref = data.get("user_id")
        if not isinstance(ref, str) or not ref:
            raise InvalidInput("'user_id' must be a user id (or @username) string.")
        role = data.get("role", "contributor")
        if role not in MEMBER_ROLES:
            raise InvalidInput("'role' must be 'contributor' or 'viewer'.")
        notifications = self.ctx.notifications

        def unit(conn: Conn) -> None:
            self._require_role(conn, album_id, user_id, ("owner",), "Only the album's owner can add members.")
            target = user_by_ref(conn, ref)
            if target is None or not access_repo.can_see_user_in(conn, user_id, target["id"]):
                raise NotFound("No such user.")  # disabled, hidden, or a block between the two
            current = repo.role_of(conn, album_id, target["id"])
            if current == role or current == "owner":
                raise Conflict("They are already in this album.", code="already_member")
            if current is not None:  # a new role for someone already in
                repo.set_role(conn, album_id, target["id"], role)
                return
            repo.add_member(conn, album_id, target["id"], role, now_ms())
            repo.touch(conn, album_id, now_ms())
            notifications.album_activity_in(conn, user_id=target["id"], type="album_invite", actor_id=user_id, album_id=album_id)

        await self.ctx.db.write(unit)
        return await self.album(user_id, album_id)

    async def remove_member(self, user_id: int, album_id: int, member_id: int) -> dict | None:
        """The owner removes a member, or a member leaves; answers the album as the caller now sees it (None: gone)."""

        def unit(conn: Conn) -> None:
            mine = repo.role_of(conn, album_id, user_id)
            if mine is None:
                raise NotFound("No such album.")
            theirs = repo.role_of(conn, album_id, member_id)
            if member_id != user_id and mine != "owner":
                raise Forbidden("Only the album's owner can remove members.")
            if theirs is None:
                raise NotFound("They are not in this album.")
            if theirs == "owner":
                raise InvalidInput("The owner cannot leave their album; delete it instead.", code="owner_cannot_leave")
            repo.remove_member(conn, album_id, member_id)

        await self.ctx.db.write(unit)
        return None if member_id == user_id else await self.album(user_id, album_id)

    # -- items -----------------------------------------------------------------------------------
    async def require_adder(self, user_id: int, album_id: int) -> None:
        """Before receiving an upload: the caller may add items (404 not a member, 403 a viewer)."""
        await self.ctx.db.read(lambda conn: self._require_role(conn, album_id, user_id, ADDERS, "Viewers cannot add to this album."))

    async def add_posts(self, user_id: int, album_id: int, data: dict) -> list[dict]:
        """Add the caller's own existing posts (``post_id`` or ``post_ids``); returns the new items."""
        return await self._add(user_id, album_id, _post_ids(data))

    async def add_new_post(self, user_id: int, album_id: int, post: dict) -> dict:
        """A post just published from an upload into the album becomes its item (a retried upload with the
        same Idempotency-Key finds the item it made the first time)."""
        post_id = int(post["post_id"])
        try:
            return (await self._add(user_id, album_id, [post_id]))[0]
        except Conflict:
            row = await self.ctx.db.read(lambda conn: repo.item_row_for_post(conn, album_id, post_id))
            return (await self._items_json(user_id, [row]))[0]

    async def _add(self, user_id: int, album_id: int, post_ids: list[int]) -> list[dict]:
        notifications = self.ctx.notifications

        def unit(conn: Conn) -> list:
            self._require_role(conn, album_id, user_id, ADDERS, "Viewers cannot add to this album.")
            now = now_ms()
            item_ids = []
            for post_id in post_ids:
                post = posts_repo.post_by_id(conn, post_id)
                if post is None:
                    raise NotFound("No such post.")
                if post["user_id"] != user_id:
                    raise Forbidden("You can add only your own posts to an album.", code="not_your_post")
                item_id = self.ctx.ids.next_id()
                if not repo.insert_item(conn, item_id=item_id, album_id=album_id, post_id=post_id, added_by=user_id, now=now):
                    if len(post_ids) == 1:
                        raise Conflict("This post is already in the album.", code="already_in_album")
                    continue
                item_ids.append(item_id)
            if item_ids:
                repo.touch(conn, album_id, now)
                for member in repo.member_ids(conn, album_id):
                    notifications.album_activity_in(conn, user_id=member, type="album_item", actor_id=user_id,
                                                    album_id=album_id, count=len(item_ids))
            return [repo.item_by_id(conn, item_id) for item_id in item_ids]

        rows = await self.ctx.db.write(unit)
        summary = await self.ctx.db.read(lambda conn: users_repo.summaries_by_ids(conn, [user_id]))
        adder = summary[0] if summary else None
        rows = [{**dict(row), "username": adder["username"] if adder else "", "avatar_key": adder["avatar_key"] if adder else None}
                for row in rows]
        return await self._items_json(user_id, rows)

    async def remove_item(self, user_id: int, album_id: int, item_id: int) -> None:
        def unit(conn: Conn) -> None:
            role = repo.role_of(conn, album_id, user_id)
            item = repo.item_by_id(conn, item_id)
            if role is None:
                raise NotFound("No such album.")
            if item is None or item["album_id"] != album_id:
                raise NotFound("No such item in this album.")
            if role != "owner" and item["added_by"] != user_id:
                raise Forbidden("Only the album's owner or whoever added it can remove an item.")
            repo.delete_item(conn, item_id)
            repo.touch(conn, album_id, now_ms())

        await self.ctx.db.write(unit)

    # -- asked by other services -----------------------------------------------------------------
    async def post_row_through_album(self, viewer_id: int | None, post_id: int):
        """The post's row when the viewer sees it as an item of an album they are in (None otherwise)."""
        return await self.ctx.db.read(lambda conn: repo.post_row_through_album(conn, viewer_id, post_id))

    # -- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _require_role(conn: Conn, album_id: int, user_id: int, allowed: tuple[str, ...], refusal: str) -> str:
        role = repo.role_of(conn, album_id, user_id)
        if role is None or repo.album_by_id(conn, album_id) is None:
            raise NotFound("No such album.")
        if role not in allowed:
            raise Forbidden(refusal)
        return role

    async def _albums_json(self, viewer_id: int, rows: list, *, with_members: bool) -> list[dict]:
        if not rows:
            return []
        album_ids = [row["id"] for row in rows]

        def unit(conn: Conn):
            owners = {row["id"]: row for row in users_repo.summaries_by_ids(conn, list({row["owner_id"] for row in rows}))}
            members = {album_id: repo.members(conn, album_id, viewer_id) for album_id in album_ids} if with_members else {}
            return repo.counts(conn, album_ids, viewer_id), repo.cover_posts(conn, album_ids, viewer_id), owners, members

        counts, covers, owners, members = await self.ctx.db.read(unit)
        cover_posts = {int(post["post_id"]): post for post in await self.ctx.hydrator.hydrate(list(set(covers.values())), viewer_id)}
        out = []
        for row in rows:
            items, people = counts.get(row["id"], (0, 0))
            cover = cover_posts.get(covers.get(row["id"], 0))
            owner = owners.get(row["owner_id"])
            album = {
                "album_id": str(row["id"]),
                "title": row["title"],
                "description": row["description"],
                "owner": user_summary(owner) if owner is not None else None,
                "cover": _cover_url(cover),
                "item_count": items,
                "member_count": people,
                "my_role": row["my_role"],
                "created_at": iso_time(row["created_at"]),
                "updated_at": iso_time(row["updated_at"]),
            }
            if with_members:
                album["members"] = [
                    {"user": user_summary({"id": m["user_id"], "username": m["username"], "avatar_key": m["avatar_key"]}),
                     "role": m["role"]}
                    for m in members.get(row["id"], [])
                ]
            out.append(album)
        return out

    async def _items_json(self, viewer_id: int, rows: list) -> list[dict]:
        posts = {int(post["post_id"]): post for post in await self.ctx.hydrator.hydrate([row["post_id"] for row in rows], viewer_id)}
        return [
            {
                "item_id": str(row["id"]),
                "album_id": str(row["album_id"]),
                "added_by": user_summary({"id": row["added_by"], "username": row["username"], "avatar_key": row["avatar_key"]}),
                "added_at": iso_time(row["created_at"]),
                "post": posts[row["post_id"]],
            }
            for row in rows
            if row["post_id"] in posts
        ]


def _cover_url(post: dict | None) -> str | None:
    if not post or not post["media"]:
        return None
    variants = post["media"][0]["variants"]
    return variants.get("640") or variants.get("thumb") or post["media_url"]
