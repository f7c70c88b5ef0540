"""Publishing, reading and deleting posts.

Publishing is the durability boundary: by the time the client gets its 201, the originals are on
disk (fsynced) and the post row, its media rows and its processing job are committed in one
transaction. A crash after that loses nothing; a crash before it leaves at most an orphan file.
"""

from __future__ import annotations

import asyncio

from ..clock import now_ms
from ..context import Context
from ..ids import parse_id
from ..jobs.base import PRIORITY_CLEANUP, PRIORITY_NEW_MEDIA
from ..jobs.database import enqueue_in
from ..media.limits import MAX_CAROUSEL
from ..repos import hashtags as hashtags_repo
from ..repos import posts as posts_repo
from ..repos import users as users_repo
from ..stores.base import Conn, IntegrityError
from ..web.errors import Forbidden, InvalidInput, NotFound, RateLimited
from .hydrate import hashtags_in

MAX_CAPTION_CHARS = 2_200  # Instagram's caption limit, which the API contract adopts
MAX_ALT_TEXT_CHARS = 1_000  # long enough for a careful description, short enough for a screen reader
MAX_IDEMPOTENCY_KEY_CHARS = 128
MAX_HASHTAGS = 30  # Instagram's limit; more is spam


def original_key(user_id: int, sha256: str) -> str:
    # Keyed by account and content: the same photo uploaded twice by one account is stored once.
    return f"o/{user_id}/{sha256[:2]}/{sha256}"


def check_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY_CHARS or not key.isprintable():
        raise InvalidInput(f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} printable characters.")
    return key


def check_caption(caption: str) -> str:
    caption = caption.strip()
    if len(caption) > MAX_CAPTION_CHARS:
        raise InvalidInput(f"A caption may have at most {MAX_CAPTION_CHARS} characters.", code="caption_too_long")
    if len(hashtags_in(caption)) > MAX_HASHTAGS:
        raise InvalidInput(f"A caption may have at most {MAX_HASHTAGS} hashtags.")
    return caption


def check_alt_texts(alt_texts: list[str], media_count: int) -> list[str]:
    if len(alt_texts) > media_count:
        raise InvalidInput("There are more alt texts than photos.")
    for text in alt_texts:
        if len(text) > MAX_ALT_TEXT_CHARS:
            raise InvalidInput(f"An alt text may have at most {MAX_ALT_TEXT_CHARS} characters.")
    return [text.strip() for text in alt_texts] + [""] * (media_count - len(alt_texts))


class Posts:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def job_handlers(self) -> dict:
        return {}

    async def existing_for_key(self, user_id: int, idempotency_key: str | None) -> dict | None:
        if idempotency_key is None:
            return None
        post_id = await self.ctx.db.read(lambda conn: posts_repo.post_id_for_key(conn, user_id, idempotency_key))
        return None if post_id is None else await self.ctx.hydrator.hydrate_one(post_id, user_id)

    async def check_rate(self, user_id: int) -> None:
        wait = await self.ctx.limiter.hit(f"posts:{user_id}", self.ctx.settings.rate_limit_user_posts, window_seconds=3600)
        if wait:
            raise RateLimited(wait)

    async def publish(self, user_id: int, form, idempotency_key: str | None) -> tuple[dict, bool]:
        """Create a post from a received form; returns (post, created). ``form`` files are consumed."""
        try:
            caption = check_caption(form.caption)
            alt_texts = check_alt_texts(form.alt_texts, len(form.files))
            inspections = await asyncio.gather(*(self.ctx.media.inspect(f.path, f.sniffed) for f in form.files))
            keys = []
            for incoming in form.files:
                key = original_key(user_id, incoming.sha256)
                await self.ctx.blobs.put_file(key, incoming.path, incoming.sniffed.content_type)
                keys.append(key)
        finally:
            form.discard()

        media = [
            {"kind": inspection.kind, "original_key": key, "content_type": incoming.sniffed.content_type,
             "sha256": incoming.sha256, "size": incoming.size, "width": inspection.width, "height": inspection.height}
            for incoming, inspection, key in zip(form.files, inspections, keys)
        ]
        return await self._publish(user_id, caption, alt_texts, idempotency_key, lambda conn: media)

    async def publish_from_uploads(self, user_id: int, data: dict, idempotency_key: str | None) -> tuple[dict, bool]:
        """Create a post from finished direct uploads: ``{upload_ids, caption, alt_text?}``."""
        raw_ids = data.get("upload_ids")
        if not isinstance(raw_ids, list) or not raw_ids:
            raise InvalidInput("'upload_ids' must be a list of one or more upload ids.", code="no_media")
        if len(raw_ids) > MAX_CAROUSEL:
            raise InvalidInput(f"A post holds at most {MAX_CAROUSEL} photos or videos.", code="too_many_media")
        upload_ids = [parse_id(str(value)) if isinstance(value, (str, int)) and not isinstance(value, bool) else None for value in raw_ids]
        if None in upload_ids:
            raise InvalidInput("Every upload id must be a decimal id string.")
        if len(set(upload_ids)) != len(upload_ids):
            raise InvalidInput("An upload can appear only once in a post.")
        caption = data.get("caption", "")
        if not isinstance(caption, str):
            raise InvalidInput("'caption' must be a string.")
        caption = check_caption(caption)
        alt = data.get("alt_text", [])
        alt = [alt] if isinstance(alt, str) else alt
        if not isinstance(alt, list) or not all(isinstance(text, str) for text in alt):
            raise InvalidInput("'alt_text' must be a string or a list of strings, one per upload.")
        alt_texts = check_alt_texts(alt, len(upload_ids))
        await self.ctx.tus.check_for_post(user_id, upload_ids)
        await self.ctx.uploads.check_staged(user_id, upload_ids)
        upload_fields = ("kind", "original_key", "content_type", "sha256", "size", "width", "height")

        def take_uploads(conn: Conn) -> list[dict]:
            return [{name: row[name] for name in upload_fields} for row in self.ctx.uploads.take_in(conn, user_id, upload_ids)]

        return await self._publish(user_id, caption, alt_texts, idempotency_key, take_uploads)

    async def _publish(self, user_id: int, caption: str, alt_texts: list[str], idempotency_key: str | None, media_in) -> tuple[dict, bool]:
        """Commit the post, its media rows, tags, mentions and processing job in one transaction."""
        post_id = self.ctx.ids.next_id()
        now = now_ms()

        def unit(conn: Conn) -> tuple[int, bool]:
            if idempotency_key is not None:
                existing = posts_repo.post_id_for_key(conn, user_id, idempotency_key)
                if existing is not None:
                    return existing, False
            media = media_in(conn)
            posts_repo.insert_post(conn, post_id=post_id, user_id=user_id, caption=caption, idempotency_key=idempotency_key, created_at=now)
            for position, (item, alt_text) in enumerate(zip(media, alt_texts)):
                posts_repo.insert_media(conn, media_id=self.ctx.ids.next_id(), post_id=post_id, user_id=user_id,
                                        position=position, alt_text=alt_text, now=now, **item)
            hashtags_repo.add_post_tags(conn, post_id, hashtags_in(caption))
            self.ctx.notifications.notify_mentions_in(conn, caption, actor_id=user_id, post_id=post_id)
            enqueue_in(conn, "process_media", {"post_id": post_id}, PRIORITY_NEW_MEDIA)
            return post_id, True

        return await self._commit_publish(user_id, unit, idempotency_key)

    async def _commit_publish(self, user_id: int, unit, idempotency_key: str | None) -> tuple[dict, bool]:
        try:
            saved_id, created = await self.ctx.db.write(unit)
        except IntegrityError:  # the same Idempotency-Key raced in from a parallel retry
            saved_id = await self.ctx.db.read(lambda conn: posts_repo.post_id_for_key(conn, user_id, idempotency_key))
            if saved_id is None:
                raise
            created = False
        if created:
            self.ctx.job_committed()
            await self.ctx.timeline_manager.post_created(user_id, saved_id)
        post = await self.ctx.hydrator.hydrate_one(saved_id, user_id)
        return post, created

    async def visible_post_row(self, viewer_id: int | None, post_id: int):
        """The post's row (``id``, ``user_id``, ``hidden``) if the viewer may see it; 404 otherwise (never reveal
        what is hidden). The rule is ``services/visibility.py``'s; album members also see the album's items."""
        try:
            return await self.ctx.visibility.post_row(viewer_id, post_id)
        except NotFound:
            row = await self.ctx.albums.post_row_through_album(viewer_id, post_id)
            if row is None:
                raise
            return row

    async def get(self, viewer_id: int | None, post_id: int) -> dict:
        row = await self.visible_post_row(viewer_id, post_id)
        # Reaching here with a hidden post (or a withheld author), the viewer is its author or a moderator.
        post = await self.ctx.hydrator.hydrate_one(post_id, viewer_id, show_hidden=True)
        if post is None:
            raise NotFound("No such post.")
        return post

    async def delete(self, user_id: int, post_id: int) -> None:
        row = await self.visible_post_row(user_id, post_id)
        if row["user_id"] != user_id:
            raise Forbidden("Only the author can delete a post.")
        await self.remove(post_id)

    async def remove(self, post_id: int) -> None:
        """Delete a post whoever may do so asked (its author, or a moderator resolving a report); 404 when gone."""
        def unit(conn: Conn) -> bool:
            post = posts_repo.post_by_id(conn, post_id)
            if post is None:
                return False
            user_id = post["user_id"]
            media_ids = [m["id"] for m in posts_repo.media_of_post(conn, post_id)]
            orphans = self.ctx.media.release_media_in(conn, media_ids)
            hashtags_repo.remove_post_tags(conn, post_id)
            posts_repo.delete_post(conn, post_id)
            users_repo.add_to_post_count(conn, user_id, -1)
            self.ctx.fanout.enqueue_retract(conn, post_id, user_id)
            if orphans:
                enqueue_in(conn, "delete_blobs", {"keys": orphans}, PRIORITY_CLEANUP)
            return True

        if not await self.ctx.db.write(unit):
            raise NotFound("No such post.")
        self.ctx.hydrator.forget_post(post_id)
        self.ctx.job_committed()
