"""Media processing: intake checks, the durable processing jobs, stored variants, and file cleanup.

CPU work (decoding, resizing, encoding, ffmpeg) runs in a process pool, never on the event loop.
Variants are stored under content-addressed keys ``v/<xx>/<stem>.<ext>`` where the stem is the
SHA-256 of the JPEG rendition; WebP and AVIF renditions of the same pixels share the stem, so a
variant URL (``/media/<stem>``) never changes its meaning and can be cached forever.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import shutil
import tempfile
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from ..clock import now_ms
from ..context import Context
from ..jobs.base import PRIORITY_BACKFILL
from ..jobs.database import enqueue_in
from ..media.encode import EXTENSIONS
from ..repos import posts as posts_repo
from ..stores.base import Conn
from ..web.errors import ApiError
from ..web.serialize import VARIANT_NAMES

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Rendition:
    """What the pipeline made of one file: its display size, placeholder and stored variants (stems)."""

    width: int
    height: int
    placeholder: str | None
    variants: dict
    duration_ms: int | None


def variant_key(stem: str, fmt: str) -> str:
    return f"v/{stem[:2]}/{stem}.{EXTENSIONS[fmt]}"


def stem_of(path: str) -> str:
    return Path(path).name.split(".", 1)[0]


def complete_variant_map(produced: dict[str, str]) -> dict[str, str]:
    """Every API variant name gets a stem: a width larger than the photo maps to the largest one made."""
    out = {}
    best = None
    for name in VARIANT_NAMES:
        if name in produced:
            out[name] = produced[name]
            if name != "thumb":
                best = produced[name]
        elif name != "thumb" and best is not None:
            out[name] = best
    return out


class MediaProcessing:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def job_handlers(self) -> dict:
        return {
            "process_media": self._process_post,
            "process_media_avif": self._process_post_avif,
            "delete_blobs": self._delete_blobs,
        }

    async def _in_pool(self, fn, *args):
        """CPU work in the process's media pool (``media/pool.py``), never on the event loop."""
        return await self.ctx.media_pool.run(fn, *args)

    # -- intake ---------------------------------------------------------------------------------
    async def inspect(self, path: str, sniffed):
        from ..media.errors import MediaError
        from ..media.inspect import inspect_file

        try:
            return await self._in_pool(inspect_file, path, sniffed)
        except MediaError as exc:
            raise ApiError(exc.message[:1].upper() + exc.message[1:] + ".", code=exc.code, status=400) from None
        except BrokenProcessPool:
            # The decoder crashed its worker on this file (the pool is restarted for the next request).
            raise ApiError("The file could not be decoded (the decoder failed on it).", code="invalid_media", status=400) from None

    def tmp_dir(self) -> Path:
        """This process's folder for uploads being received and media being rendered (server/scratch.py)."""
        return self.ctx.scratch.path()

    # -- avatars --------------------------------------------------------------------------------
    async def store_avatar(self, user_id: int, upload_path: str) -> str:
        from ..media.errors import ProcessingFailed
        from ..media.photo import render_photo

        out_dir = tempfile.mkdtemp(dir=self.tmp_dir(), prefix="avatar-")
        try:
            try:
                result = await self._in_pool(render_photo, upload_path, out_dir)
            except ProcessingFailed as exc:
                raise ApiError(f"That picture could not be used: {exc.reason}.", code="invalid_media") from None
            thumb = result.files["thumb"]
            stem = stem_of(thumb["jpeg"])
            for fmt, path in thumb.items():
                await self.ctx.blobs.put_file(variant_key(stem, fmt), path, "image/" + fmt)
            return stem
        finally:
            shutil.rmtree(out_dir, ignore_errors=True)

    def avatar_keys(self, stem: str) -> list[str]:
        return [variant_key(stem, fmt) for fmt in ("jpeg", "webp", "avif")]

    # -- deletion -------------------------------------------------------------------------------
    def release_media_in(self, conn: Conn, media_ids: list[int]) -> list[str]:
        """Inside a write unit: forget these media's files; return keys to delete once committed."""
        return posts_repo.release_refs(conn, media_ids)

    async def _delete_blobs(self, payload: dict) -> None:
        keys = payload["keys"]
        # Re-check: an identical upload may have claimed a file again since the deletion was queued.
        orphans = await self.ctx.db.read(lambda conn: posts_repo.unreferenced_keys(conn, keys))
        for key in orphans:
            await self.ctx.blobs.delete(key)

    # -- processing ----------------------------------------------------------------------------
    async def _process_post(self, payload: dict) -> None:
        post_id = payload["post_id"]
        last_try = payload.get("_attempt", 1) >= payload.get("_max_attempts", 1)
        rows = await self.ctx.db.read(lambda conn: posts_repo.media_of_post(conn, post_id))
        pending = [row for row in rows if row["status"] == "processing"]
        results = await asyncio.gather(*(self._process_one(row, last_try) for row in pending), return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]  # retried with backoff; media already done are not redone
        if rows:
            await self._publish_if_done(post_id)

    async def _publish_if_done(self, post_id: int) -> None:
        def unit(conn: Conn) -> bool:
            post = posts_repo.post_by_id(conn, post_id)
            media = posts_repo.media_of_post(conn, post_id)
            if post is None or any(row["status"] == "processing" for row in media):
                return False
            self.ctx.fanout.enqueue_publish(conn, post_id, post["user_id"])
            if any(row["status"] == "ready" and row["kind"] == "photo" for row in media):
                enqueue_in(conn, "process_media_avif", {"post_id": post_id}, PRIORITY_BACKFILL)
            return True

        if await self.ctx.db.write(unit):
            self.ctx.hydrator.forget_post(post_id)
            self.ctx.job_committed()

    async def _process_one(self, row, last_try: bool) -> None:
        from ..media.errors import ProcessingFailed

        media_id = row["id"]
        out_dir = tempfile.mkdtemp(dir=self.tmp_dir(), prefix=f"render-{media_id}-")
        try:
            source = await self._local_original(row["original_key"], out_dir)
            started = time.perf_counter()
            try:
                if row["kind"] == "video":
                    from ..media.video import render_video

                    result = await self._in_pool(render_video, source, out_dir)
                else:
                    from ..media.photo import render_photo

                    result = await self._in_pool(render_photo, source, out_dir)
            except ProcessingFailed as exc:
                await self._mark_failed(row, exc.reason)
                return
            except Exception as exc:
                if last_try:
                    await self._mark_failed(row, "the file could not be processed")
                    return
                raise
            self.ctx.metrics.set_gauge("last_media_processing_seconds", round(time.perf_counter() - started, 4))
            await self._store_result(row, result)
        finally:
            shutil.rmtree(out_dir, ignore_errors=True)

    async def _local_original(self, key: str, scratch: str) -> str:
        path = self.ctx.blobs.local_path(key)
        if path and os.path.exists(path):
            return path
        target = os.path.join(scratch, "original")
        await self.ctx.blobs.fetch_to_file(key, target)
        return target

    async def _store_result(self, row, result) -> None:
        media_id = row["id"]
        variants, uploads = await self._store_files(media_id, result)
        duration = getattr(result, "duration_s", None)
        keep = {key for key, _, _ in uploads} | {row["original_key"]}

        def unit(conn: Conn) -> list[str]:
            posts_repo.mark_ready(
                conn, media_id, width=result.width, height=result.height, placeholder=result.placeholder,
                variants=variants, duration_ms=int(duration * 1000) if duration else None, now=now_ms())
            # After a reprocess, the previous variants are no longer this media's.
            return posts_repo.release_refs_except(conn, media_id, keep)

        stale = await self.ctx.db.write(unit)
        for key in stale:
            await self.ctx.blobs.delete(key)
        self.ctx.hydrator.forget_post(row["post_id"])

    async def render_stored(self, owner_id: int, kind: str, original_key: str) -> "Rendition | None":
        """The whole pipeline for one file outside a post (a story): variants, streams, placeholder, stored and
        referenced under ``owner_id`` in blob_refs. None when the file cannot be processed (a media failure)."""
        from ..media.errors import ProcessingFailed

        out_dir = tempfile.mkdtemp(dir=self.tmp_dir(), prefix=f"render-{owner_id}-")
        try:
            source = await self._local_original(original_key, out_dir)
            try:
                if kind == "video":
                    from ..media.video import render_video

                    result = await self._in_pool(render_video, source, out_dir)
                else:
                    from ..media.photo import render_photo

                    result = await self._in_pool(render_photo, source, out_dir)
            except ProcessingFailed as exc:
                log.warning("media of %s failed: %s", owner_id, exc.reason)
                return None
            variants, _ = await self._store_files(owner_id, result)
            duration = getattr(result, "duration_s", None)
            return Rendition(result.width, result.height, result.placeholder, variants,
                             int(duration * 1000) if duration else None)
        finally:
            shutil.rmtree(out_dir, ignore_errors=True)

    async def _store_files(self, media_id: int, result) -> tuple[dict, list[tuple[str, str, str]]]:
        """Store a rendition's files (references first) and return its variant map and what was uploaded."""
        uploads: list[tuple[str, str, str]] = []  # (key, path, content type)
        produced: dict[str, str] = {}
        pictures = result.poster if hasattr(result, "poster") else result.files  # a video's poster frame is its picture
        for name, formats in pictures.items():
            stem = stem_of(formats["jpeg"])
            produced[name] = stem
            for fmt, path in formats.items():
                uploads.append((variant_key(stem, fmt), path, "image/" + fmt))
        variants = complete_variant_map(produced)
        streams = {}
        for name, path in (getattr(result, "streams", None) or {}).items():
            stem = stem_of(path)
            streams[name] = stem + ".mp4"
            uploads.append((variant_key(stem, "mp4"), path, "video/mp4"))
        if streams:
            # A clip smaller than 720p has only its own size: the larger name points to it.
            streams.setdefault("720", streams.get("360"))
            streams.setdefault("360", streams.get("720"))
            variants["streams"] = streams
        # References first, files second: a concurrent cleanup then never deletes a file we are about to use.
        await self.ctx.db.write(lambda conn: [posts_repo.add_blob_ref(conn, key, media_id) for key, _, _ in uploads])
        for key, path, content_type in uploads:
            await self.ctx.blobs.put_file(key, path, content_type)
        return variants, uploads

    async def _mark_failed(self, row, reason: str) -> None:
        log.warning("media %s failed: %s", row["id"], reason)
        await self.ctx.db.write(lambda conn: posts_repo.mark_failed(conn, row["id"], reason, now_ms()))
        self.ctx.hydrator.forget_post(row["post_id"])

    async def reprocess(self, media_id: int) -> str:
        """Run the whole pipeline again for one media (after a settings or pipeline change). Returns its status."""
        row = await self.ctx.db.read(lambda conn: posts_repo.media_by_id(conn, media_id))
        if row is None:
            return "gone"
        await self._process_one(row, last_try=True)
        await self._process_post_avif({"post_id": row["post_id"], "media_id": media_id})
        row = await self.ctx.db.read(lambda conn: posts_repo.media_by_id(conn, media_id))
        return "gone" if row is None else row["status"]

    async def _process_post_avif(self, payload: dict) -> None:
        import json

        from ..media.errors import ProcessingFailed

        post_id = payload["post_id"]
        rows = await self.ctx.db.read(lambda conn: posts_repo.media_of_post(conn, post_id))
        for row in rows:
            if row["status"] != "ready" or row["kind"] != "photo":
                continue
            if payload.get("media_id") not in (None, row["id"]):
                continue
            stems = json.loads(row["variants"])
            out_dir = tempfile.mkdtemp(dir=self.tmp_dir(), prefix=f"avif-{row['id']}-")
            try:
                source = await self._local_original(row["original_key"], out_dir)
                try:
                    result = await self._in_pool(_render_avif, source, out_dir)
                except ProcessingFailed as exc:
                    log.warning("AVIF stage for media %s failed: %s (JPEG and WebP still served)", row["id"], exc.reason)
                    continue
                uploads = []
                for name, formats in result.files.items():
                    stem = stems.get(name)
                    if stem and "avif" in formats:
                        uploads.append((variant_key(stem, "avif"), formats["avif"]))
                await self.ctx.db.write(lambda conn: [posts_repo.add_blob_ref(conn, key, row["id"]) for key, _ in uploads])
                for key, path in uploads:
                    await self.ctx.blobs.put_file(key, path, "image/avif")
            finally:
                shutil.rmtree(out_dir, ignore_errors=True)


def _render_avif(source: str, out_dir: str):
    from ..media.photo import AVIF_STAGE, render_photo

    return render_photo(source, out_dir, stage=AVIF_STAGE)
