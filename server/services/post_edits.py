"""Editing a post: its caption (hashtags and mentions follow it) and the alt text of each medium.

The change commits in one transaction with the post's hashtags and the mention notifications of
people the new caption names for the first time (someone mentioned before was told already). Then the
hydrated post is forgotten everywhere: ``forget_post`` drops this process's cached body and broadcasts
the forget on the broker, so every other server process drops its copy too.
"""

from __future__ import annotations

from ..clock import now_ms
from ..context import Context
from ..repos import hashtags as hashtags_repo
from ..repos import posts as posts_repo
from ..stores.base import Conn
from ..web.errors import Forbidden, InvalidInput, NotFound
from .hydrate import hashtags_in
from .posts import MAX_ALT_TEXT_CHARS, check_caption


def check_edit(data: dict) -> tuple[str | None, list[str] | None]:
    """(new caption or None, new alt texts or None) from a PATCH body."""
    unknown = set(data) - {"caption", "alt_text"}
    if unknown:
        raise InvalidInput(f"A post's {', '.join(sorted(unknown))} cannot be edited; send 'caption' and/or 'alt_text'.")
    caption = data.get("caption")
    if caption is not None:
        if not isinstance(caption, str):
            raise InvalidInput("'caption' must be a string.")
        caption = check_caption(caption)
    alt = data.get("alt_text")
    if alt is not None:
        if isinstance(alt, str):
            alt = [alt]
        if not isinstance(alt, list) or not all(isinstance(text, str) for text in alt):
            raise InvalidInput("'alt_text' must be a list of strings, one per photo or video.")
        if any(len(text) > MAX_ALT_TEXT_CHARS for text in alt):
            raise InvalidInput(f"An alt text may have at most {MAX_ALT_TEXT_CHARS} characters.")
        alt = [text.strip() for text in alt]
    if caption is None and alt is None:
        raise InvalidInput("Send 'caption' and/or 'alt_text' to edit the post.")
    return caption, alt


class PostEdits:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def edit(self, user_id: int, post_id: int, data: dict) -> dict:
        caption, alt_texts = check_edit(data)
        row = await self.ctx.posts.visible_post_row(user_id, post_id)
        if row["user_id"] != user_id:
            raise Forbidden("Only the author can edit a post.")
        notifications = self.ctx.notifications

        def unit(conn: Conn) -> None:
            post = posts_repo.post_by_id(conn, post_id)
            if post is None:
                raise NotFound("No such post.")
            now = now_ms()
            if alt_texts is not None:
                media = posts_repo.media_of_post(conn, post_id)
                if len(alt_texts) != len(media):
                    raise InvalidInput(f"Send one alt text per photo or video: this post has {len(media)}.")
                for medium, text in zip(media, alt_texts):
                    if medium["alt_text"] != text:
                        posts_repo.edit_alt_text(conn, post_id, medium["id"], text, now)
            if caption is not None and caption != post["caption"]:
                posts_repo.edit_caption(conn, post_id, caption, now)
                hashtags_repo.remove_post_tags(conn, post_id)
                hashtags_repo.add_post_tags(conn, post_id, hashtags_in(caption))
                notifications.notify_mentions_in(conn, caption, actor_id=user_id, post_id=post_id,
                                                 already_mentioned=post["caption"])

        await self.ctx.db.write(unit)
        self.ctx.hydrator.forget_post(post_id)
        post = await self.ctx.hydrator.hydrate_one(post_id, user_id)
        if post is None:
            raise NotFound("No such post.")
        return post
