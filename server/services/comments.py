"""Commenting on a post, listing a post's comments, and deleting one (its author or the post's author)."""

from __future__ import annotations


from ..clock import now_ms
from ..context import Context
from ..repos import access as access_repo
from ..repos import comments as repo
from ..stores.base import Conn
from ..web.errors import Forbidden, InvalidInput, NotFound
from ..web.http import encode_cursor
from ..web.serialize import comment_json, user_summary

MAX_COMMENT_CHARS = 2_200  # the caption limit too (Instagram's): a few paragraphs, never a wall that breaks a thread



def check_text(raw: object) -> str:
    if not isinstance(raw, str):
        raise InvalidInput("'text' is required and must be a string.")
    text = raw.strip()
    if not text:
        raise InvalidInput("A comment cannot be empty.", code="empty_comment")
    if len(text) > MAX_COMMENT_CHARS:
        raise InvalidInput(f"A comment may have at most {MAX_COMMENT_CHARS} characters.", code="comment_too_long")
    return text


def to_json(row) -> dict:
    author = user_summary({"id": row["user_id"], "username": row["username"], "avatar_key": row["avatar_key"]})
    return comment_json(row, author)


class Comments:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def add(self, user_id: int, post_id: int, raw_text: object) -> dict:
        text = check_text(raw_text)
        await self.ctx.posts.visible_post_row(user_id, post_id)
        comment_id = self.ctx.ids.next_id()
        notifications = self.ctx.notifications

        def unit(conn: Conn):
            author_id = access_repo.post_author(conn, post_id)
            if author_id is None:  # deleted since the visibility check
                raise NotFound("No such post.")
            repo.insert(conn, comment_id=comment_id, post_id=post_id, user_id=user_id, text=text, created_at=now_ms())
            if repo.author_counts(conn, user_id):  # a comment of an account hidden by reports is not counted
                repo.add_to_count(conn, post_id, +1)
            notifications.add_in(conn, user_id=author_id, type="comment", actor_id=user_id, post_id=post_id, comment_id=comment_id)
            notifications.notify_mentions_in(conn, text, actor_id=user_id, post_id=post_id, comment_id=comment_id)
            return repo.by_id(conn, comment_id)

        row = await self.ctx.db.write(unit)
        self.ctx.hydrator.forget_post(post_id)
        return {"comment": to_json(row)}

    async def page(self, viewer_id: int, post_id: int, cursor: tuple[int, ...] | None, limit: int) -> dict:
        await self.ctx.posts.visible_post_row(viewer_id, post_id)
        after_id = cursor[0] if cursor else None
        rows, more = await self.ctx.db.read(lambda conn: repo.page(conn, post_id, viewer_id, after_id, limit))
        return {
            "comments": [to_json(row) for row in rows],
            "next_cursor": encode_cursor(rows[-1]["id"]) if more else None,
        }

    async def delete(self, user_id: int, comment_id: int) -> None:
        row = await self.ctx.db.read(lambda conn: repo.by_id(conn, comment_id))
        if row is None:
            raise NotFound("No such comment.")
        if user_id not in (row["user_id"], row["post_author_id"]):
            # Someone who cannot see the post learns nothing about its comments, not even that they exist.
            if await self.ctx.follows.can_view(user_id, row["post_author_id"]):
                raise Forbidden("Only the comment's author or the post's author can delete it.")
            raise NotFound("No such comment.")

        await self.remove(comment_id)

    async def remove(self, comment_id: int) -> None:
        """Delete a comment whoever may do so asked (its author, the post's, or a moderator); 404 when gone."""
        def unit(conn: Conn) -> int:
            row = repo.by_id(conn, comment_id)
            if row is None or not repo.delete(conn, comment_id):  # deleted meanwhile, with its post or by another request
                raise NotFound("No such comment.")
            # A comment hidden by reports, or of an account disabled or hidden, was already out of the count.
            if not row["hidden"] and repo.author_counts(conn, row["user_id"]):
                repo.add_to_count(conn, row["post_id"], -1)
            self.ctx.notifications.withdraw_comment_in(conn, actor_id=row["user_id"], comment_id=comment_id)
            return row["post_id"]

        post_id = await self.ctx.db.write(unit)
        self.ctx.hydrator.forget_post(post_id)

    def counts_changed(self, post_ids) -> None:
        """These posts' comment counts changed without a comment added or deleted (an account disabled, hidden,
        or back): their cached copies are out of date."""
        for post_id in post_ids:
            self.ctx.hydrator.forget_post(post_id)
