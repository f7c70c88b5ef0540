"""Saving posts to a private list, and reading that list back."""

from __future__ import annotations

from ..context import Context
from ..repos import saves as repo
from ..stores.base import Conn, IntegrityError
from ..web.errors import NotFound
from ..web.http import encode_cursor


class Saves:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def save(self, user_id: int, post_id: int) -> dict:
        await self.ctx.posts.visible_post_row(user_id, post_id)
        save_id = self.ctx.ids.next_id()  # time-ordered, so the list reads most recently saved first

        def unit(conn: Conn) -> None:
            repo.insert(conn, user_id, post_id, save_id)

        try:
            await self.ctx.db.write(unit)
        except IntegrityError:  # the post's foreign key: it was deleted since the visibility check
            raise NotFound("No such post.") from None
        self.ctx.hydrator.forget_viewer(user_id)
        return {"saved": True}

    async def unsave(self, user_id: int, post_id: int) -> dict:
        await self.ctx.posts.visible_post_row(user_id, post_id)
        await self.ctx.db.write(lambda conn: repo.delete(conn, user_id, post_id))
        self.ctx.hydrator.forget_viewer(user_id)
        return {"saved": False}

    async def saved_posts(self, user_id: int, cursor: tuple[int, ...] | None, limit: int) -> dict:
        before = cursor[0] if cursor else None
        rows, more = await self.ctx.db.read(lambda conn: repo.page(conn, user_id, before, limit))
        posts = await self.ctx.hydrator.hydrate([row["post_id"] for row in rows], user_id)
        return {"posts": posts, "next_cursor": encode_cursor(rows[-1]["save_id"]) if more else None}
