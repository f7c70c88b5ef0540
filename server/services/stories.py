"""Stories: a photo or a short video shown to followers for ``story_hours``, then kept in its author's archive.

Posting is the same durability boundary as a post's (``services/posts.py``): the original is stored, then the
row and its processing job commit together; the media pipeline makes the variants, the placeholder and (for a
video) the streams, metadata stripped, as for posts. Expiry is decided by time on every read (``expires_at``
against ``self.clock``), so no job is needed for a story to disappear. Who may see a story is the one
visibility rule every surface asks (through ``services/audience.py``); the tray lives in ``story_tray.py`` and the
view counts in ``story_views.py``. The view count its author sees is the counter less the views of accounts the
viewers list leaves out (blocked either way, disabled, hidden by reports), so the two always agree.
"""

from __future__ import annotations

from typing import Any

from ..clock import now_ms
from ..context import Context
from ..jobs.base import PRIORITY_CLEANUP, PRIORITY_NEW_MEDIA
from ..jobs.database import enqueue_in
from ..repos import posts as posts_repo
from ..repos import stories as stories_repo
from ..repos import users as users_repo
from ..stores.base import Conn
from ..web.errors import Forbidden, InvalidInput, NotFound
from ..web.serialize import iso_time, media_json, user_summary
from . import audience
from .posts import check_caption, original_key
from .story_tray import StoryTray
from .story_views import ViewRecorder

HOUR_MS = 3_600_000


class Stories:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.clock = now_ms  # milliseconds; tests drive expiry by replacing it
        self.tray_cache = StoryTray(ctx, lambda: self.clock())
        self.views = ViewRecorder(ctx.db, self._seen_by)

    def job_handlers(self) -> dict:
        return {"process_story": self._process}

    @property
    def lifetime_ms(self) -> int:
        return self.ctx.settings.story_hours * HOUR_MS

    # -- posting -------------------------------------------------------------------------------------
    async def publish(self, user_id: int, form) -> dict:
        """A story from a received form (one 'media' file, 'caption'); the form's files are consumed."""
        try:
            if len(form.files) != 1:
                raise InvalidInput("A story holds exactly one photo or video.", code="too_many_media")
            caption = check_caption(form.caption)
            incoming = form.files[0]
            inspection = await self.ctx.media.inspect(incoming.path, incoming.sniffed)  # video length and size checked here
            key = original_key(user_id, incoming.sha256)
            await self.ctx.blobs.put_file(key, incoming.path, incoming.sniffed.content_type)
        finally:
            form.discard()
        story_id = self.ctx.ids.next_id()
        now = self.clock()

        def unit(conn: Conn) -> None:
            stories_repo.insert(conn, story_id=story_id, user_id=user_id, caption=caption, kind=inspection.kind,
                                original_key=key, content_type=incoming.sniffed.content_type, sha256=incoming.sha256,
                                size=incoming.size, width=inspection.width, height=inspection.height, created_at=now,
                                expires_at=now + self.lifetime_ms)
            enqueue_in(conn, "process_story", {"story_id": story_id}, PRIORITY_NEW_MEDIA)

        await self.ctx.db.write(unit)
        self.ctx.job_committed()
        self.tray_cache.author_changed(user_id)  # the author's own ring shows it at once
        row = await self.ctx.db.read(lambda conn: stories_repo.active_of(conn, user_id, user_id, now, include_unready=True))
        author = await self._summary(user_id)
        return next(self._json(r, author, user_id) for r in row if r["id"] == story_id)

    async def _process(self, payload: dict) -> None:
        """The processing job: render the variants, then show the story (or mark it failed)."""
        story_id = payload["story_id"]
        row = await self.ctx.db.read(lambda conn: stories_repo.by_id(conn, story_id))
        if row is None or row["status"] != "processing":
            return  # deleted meanwhile, or done by an earlier attempt
        rendition = await self.ctx.media.render_stored(story_id, row["kind"], row["original_key"])
        if rendition is None:
            await self.ctx.db.write(lambda conn: stories_repo.mark_failed(conn, story_id, "the file could not be processed"))
        else:
            await self.ctx.db.write(lambda conn: stories_repo.mark_ready(
                conn, story_id, width=rendition.width, height=rendition.height, placeholder=rendition.placeholder,
                variants=rendition.variants, duration_ms=rendition.duration_ms))
        self.tray_cache.author_changed(row["user_id"])

    # -- reading -------------------------------------------------------------------------------------
    async def tray_body(self, viewer_id: int) -> bytes:
        """The viewer's story tray, serialized as the answer ``{"tray": [...]}`` (kept so by the tray cache)."""
        return await self.tray_cache.tray_body(viewer_id, audience.left_out_of_tray_in)

    async def of_user(self, viewer_id: int, ref: str) -> tuple[dict, list[dict]]:
        """The user and their active stories, oldest first (403 for a private account the viewer may not see)."""
        view = await audience.profile_view(self.ctx, viewer_id, ref)
        own = view.user_id == viewer_id
        now = self.clock()

        def unit(conn: Conn):
            rows = stories_repo.active_of(conn, view.user_id, viewer_id, now, include_unready=own)
            return rows, (stories_repo.unlisted_views(conn, viewer_id, [r["id"] for r in rows]) if own else {})

        rows, unlisted = await self.ctx.db.read(unit)
        author = await self._summary(view.user_id)
        return view.user, [self._json(row, author, viewer_id, unlisted) for row in rows]

    async def archive(self, user_id: int, before: int | None, limit: int) -> tuple[list[dict], int | None]:
        def unit(conn: Conn):
            rows = stories_repo.archive_page(conn, user_id, before, limit + 1)
            return rows, stories_repo.unlisted_views(conn, user_id, [r["id"] for r in rows[:limit]])

        rows, unlisted = await self.ctx.db.read(unit)
        author = await self._summary(user_id)
        stories = [self._json(row, author, user_id, unlisted) for row in rows[:limit]]
        return stories, (rows[limit - 1]["id"] if len(rows) > limit else None)

    # -- seen marks and viewers -----------------------------------------------------------------------
    async def seen(self, viewer_id: int, story_id: int) -> None:
        row = await self._visible_active(viewer_id, story_id)
        await self.views.record(story_id, viewer_id, self.clock(), counted=row["user_id"] != viewer_id)

    def _seen_by(self, viewer_ids: set[int]) -> None:
        for viewer_id in viewer_ids:
            self.tray_cache.viewer_changed(viewer_id)

    async def viewers(self, user_id: int, story_id: int, after: tuple[int, int] | None, limit: int):
        """Who saw the author's story, newest first, and its view count (author only; expired ones too)."""
        row = await self.ctx.db.read(lambda conn: stories_repo.by_id(conn, story_id))
        if row is None:
            raise NotFound("No such story.")
        if row["user_id"] != user_id:
            if await self._may_see(user_id, row):
                raise Forbidden("Only the story's author sees who viewed it.")
            raise NotFound("No such story.")

        def unit(conn: Conn):  # the page and the count from one snapshot
            current = stories_repo.by_id(conn, story_id) or row
            unlisted = stories_repo.unlisted_views(conn, user_id, [story_id]).get(story_id, 0)
            page = stories_repo.viewers_page(conn, story_id, user_id, after, limit + 1)
            return page, current["view_count"] - unlisted

        rows, count = await self.ctx.db.read(unit)
        viewers = [{"user": user_summary(r), "seen_at": iso_time(r["seen_at"])} for r in rows[:limit]]
        last = rows[limit - 1] if len(rows) > limit else None
        return viewers, count, ((last["seen_at"], last["viewer_id"]) if last else None)

    # -- deleting ------------------------------------------------------------------------------------
    async def delete(self, user_id: int, story_id: int) -> None:
        row = await self.ctx.db.read(lambda conn: stories_repo.by_id(conn, story_id))
        if row is None or (row["user_id"] != user_id and not await self._may_see(user_id, row)):
            raise NotFound("No such story.")
        if row["user_id"] != user_id:
            raise Forbidden("Only the author can delete a story.")

        def unit(conn: Conn) -> bool:
            orphans = posts_repo.release_refs(conn, [story_id])
            if not stories_repo.delete(conn, story_id):
                return False
            if orphans:
                enqueue_in(conn, "delete_blobs", {"keys": orphans}, PRIORITY_CLEANUP)
            return True

        if not await self.ctx.db.write(unit):
            raise NotFound("No such story.")
        self.ctx.job_committed()
        self.tray_cache.author_changed(user_id)

    # -- helpers -------------------------------------------------------------------------------------
    async def _visible_active(self, viewer_id: int, story_id: int) -> Any:
        """The story's row if it is active and the viewer may see it; 404 otherwise (never reveal what is hidden)."""
        row = await self.ctx.db.read(lambda conn: stories_repo.by_id(conn, story_id))
        if row is None or row["expires_at"] <= self.clock() or not await self._may_see(viewer_id, row):
            raise NotFound("No such story.")
        return row

    async def _may_see(self, viewer_id: int, row) -> bool:
        if row["user_id"] == viewer_id:
            return True
        return row["status"] == "ready" and await audience.can_see_author(self.ctx, viewer_id, row["user_id"])

    async def _summary(self, user_id: int) -> dict:
        rows = await self.ctx.db.read(lambda conn: users_repo.summaries_by_ids(conn, [user_id]))
        if not rows:
            raise NotFound("No such user.")
        return user_summary(rows[0])

    def _json(self, row, author: dict, viewer_id: int, unlisted: dict[int, int] | None = None) -> dict:
        medium = {key: row[key] for key in row.keys()}
        medium["alt_text"] = ""
        story = {
            "story_id": str(row["id"]),
            "user": author,
            "media": media_json(medium),
            "caption": row["caption"],
            "created_at": iso_time(row["created_at"]),
            "expires_at": iso_time(row["expires_at"]),
            "seen_by_me": bool(row["seen"]),
        }
        if row["user_id"] == viewer_id:
            story["view_count"] = row["view_count"] - (unlisted or {}).get(row["id"], 0)
        return story
