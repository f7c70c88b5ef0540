"""Direct uploads: reserve, PUT to a signed URL, then turn finished uploads into a post.

On local storage the signed URL is this server's own endpoint, signed with HMAC-SHA256 over the
upload id and its expiry; the upload row holds the announced size and type, which the PUT must
honour. An upload can be filled once. Uploads never made into a post are removed after a day.

On S3 storage the URL is a real presigned PUT to a private staging key (``u/<upload_id>``), with
the announced Content-Type and Content-Length signed into it, so the store itself refuses other
bytes, expired URLs and tampered signatures. The server sees nothing until ``POST /posts``: then
``check_staged`` reads the object back and runs the same checks as the local PUT (size, sniffed
type, checksum, pixel count in the media pool) before the post can be committed, and stores the
checked copy as the original. A staged object that fails a check is removed: the client sends the
file again to the same URL while it is valid.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from ..clock import now_ms
from ..context import Context
from ..ids import parse_uint63
from ..jobs.base import PRIORITY_CLEANUP
from ..jobs.database import enqueue_in
from ..media.sniff import PHOTO
from ..repos import uploads as uploads_repo
from ..stores.base import Conn
from ..web.errors import ApiError, Conflict, Forbidden, InvalidInput, NotFound
from .intake import stream_to_file
from .posts import original_key

UPLOAD_URL_LIFETIME_MS = 15 * 60 * 1000  # long enough for a 100 MB video on a slow phone link
UNUSED_UPLOAD_LIFETIME_MS = 24 * 3600 * 1000  # an upload not made into a post within a day is dropped
# A staged object can be made into a post as long as an uploaded local file could: a day after its URL ran out.
STAGED_UPLOAD_LIFETIME_MS = UPLOAD_URL_LIFETIME_MS + UNUSED_UPLOAD_LIFETIME_MS
PHOTO_TYPES = {"image/jpeg", "image/png", "image/heic", "image/heif", "image/webp", "image/avif", "image/gif"}
VIDEO_TYPES = {"video/mp4", "video/quicktime", "video/webm"}



def staged_key(upload_id: int) -> str:
    return f"u/{upload_id}"


def _signature(secret: bytes, upload_id: int, expires_at: int) -> str:
    return hmac.new(secret, f"upload:{upload_id}:{expires_at}".encode(), hashlib.sha256).hexdigest()


class DirectUploads:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def job_handlers(self) -> dict:
        return {"expire_upload": self._expire_upload, "discard_staged_upload": self._discard_staged_upload}

    async def reserve(self, user_id: int, data: dict, base_url: str) -> dict:
        content_type = data.get("content_type")
        size = data.get("size")
        sha256 = data.get("sha256")
        if not isinstance(content_type, str) or content_type.lower() not in PHOTO_TYPES | VIDEO_TYPES:
            raise ApiError("'content_type' must be a photo (JPEG, PNG, HEIC, WebP, AVIF, GIF) or video (MP4, MOV, WebM) type.",
                           code="unsupported_media", status=400)
        content_type = content_type.lower()
        limit = self.ctx.settings.max_photo_bytes if content_type in PHOTO_TYPES else self.ctx.settings.max_video_bytes
        if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
            raise InvalidInput("'size' must be the file's size in bytes.")
        if size > limit:
            raise ApiError(f"The file is larger than {limit // (1024 * 1024)} MB.", code="too_large", status=400)
        if sha256 is not None and (not isinstance(sha256, str) or len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256.lower())):
            raise InvalidInput("'sha256' must be 64 hexadecimal digits.")
        upload_id = self.ctx.ids.next_id()
        now = now_ms()
        expires_at = now + UPLOAD_URL_LIFETIME_MS
        store_url = await self.ctx.blobs.presigned_put(staged_key(upload_id), content_type, size, UPLOAD_URL_LIFETIME_MS // 1000)

        def unit(conn: Conn) -> None:
            uploads_repo.reserve(conn, upload_id=upload_id, user_id=user_id, content_type=content_type, declared_size=size,
                                 declared_sha256=sha256.lower() if sha256 else None, expires_at=expires_at, created_at=now)
            if store_url is not None:
                enqueue_in(conn, "discard_staged_upload", {"upload_id": upload_id}, PRIORITY_CLEANUP, delay_ms=STAGED_UPLOAD_LIFETIME_MS)

        await self.ctx.db.write(unit)
        signature = _signature(self.ctx.secret_key, upload_id, expires_at)
        return {
            "upload_id": str(upload_id),
            "upload_url": store_url or f"{base_url}/api/v1/uploads/{upload_id}/data?expires={expires_at}&signature={signature}",
            "method": "PUT",
            "headers": {"Content-Type": content_type},
            "expires_at": _iso(expires_at),
        }

    async def check_signature(self, upload_id: int, expires: str | None, signature: str | None):
        """The pending upload this URL may fill; refuses tampered, expired and reused URLs clearly."""
        expires_at = parse_uint63(expires)
        if expires_at is None or not signature:
            raise Forbidden("This upload URL is not signed.", code="signature_invalid")
        expected = _signature(self.ctx.secret_key, upload_id, expires_at)
        # Compared as bytes: compare_digest refuses str holding non-ASCII characters (a TypeError, not a mismatch).
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "surrogatepass")):
            raise Forbidden("This upload URL's signature does not match; ask for a new URL.", code="signature_invalid")
        if expires_at < now_ms():
            raise Forbidden("This upload URL has expired; ask for a new one.", code="signature_expired")
        row = await self.ctx.db.read(lambda conn: uploads_repo.by_id(conn, upload_id))
        if row is None or row["expires_at"] != expires_at:
            raise NotFound("No such upload.")
        if row["status"] != "pending":
            raise Conflict("This upload URL has already been used; ask for a new one.", code="upload_used")
        return row

    async def receive(self, row, incoming) -> dict:
        """Store a PUT's validated file as the upload's original. ``incoming`` is consumed."""
        try:
            if incoming.size != row["declared_size"]:
                raise InvalidInput(f"The upload has {incoming.size} bytes but {row['declared_size']} were announced.", code="size_mismatch")
            if row["declared_sha256"] and incoming.sha256 != row["declared_sha256"]:
                raise InvalidInput("The upload's SHA-256 does not match the one announced.", code="checksum_mismatch")
            declared_kind = PHOTO if row["content_type"] in PHOTO_TYPES else "video"
            if incoming.sniffed.kind != declared_kind:
                raise ApiError(f"A {declared_kind} was announced but the bytes are a {incoming.sniffed.kind}.", code="unsupported_media", status=400)
            inspection = await self.ctx.media.inspect(incoming.path, incoming.sniffed)
            key = original_key(row["user_id"], incoming.sha256)
            await self.ctx.blobs.put_file(key, incoming.path, incoming.sniffed.content_type)
        finally:
            try:
                os.unlink(incoming.path)
            except OSError:
                pass

        def unit(conn: Conn) -> bool:
            changed = uploads_repo.mark_uploaded(
                conn, row["id"], kind=inspection.kind, sha256=incoming.sha256, size=incoming.size, original_key=key,
                width=inspection.width, height=inspection.height, content_type=incoming.sniffed.content_type)
            if changed:
                enqueue_in(conn, "expire_upload", {"upload_id": row["id"]}, PRIORITY_CLEANUP, delay_ms=UNUSED_UPLOAD_LIFETIME_MS)
            return changed

        if not await self.ctx.db.write(unit):
            raise Conflict("This upload URL has already been used; ask for a new one.", code="upload_used")
        return {"upload_id": str(row["id"]), "status": "uploaded", "size": incoming.size, "sha256": incoming.sha256}

    async def check_staged(self, user_id: int, upload_ids: list[int]) -> None:
        """Before a post is made from uploads: check those a client sent straight to the store.

        Uploads still pending with no staged object are left alone; ``take_in`` then says they were not sent.
        """
        for row in await self.ctx.db.read(lambda conn: uploads_repo.pending_of_user(conn, user_id, upload_ids)):
            await self._check_staged_one(row)

    async def _check_staged_one(self, row) -> None:
        key = staged_key(row["id"])
        if await self.ctx.blobs.stat(key) is None:
            return
        chunks = self.ctx.blobs.read_chunks(key)
        try:
            incoming = await stream_to_file(lambda: anext(chunks, b""), str(self.ctx.media.tmp_dir()), self.ctx.settings,
                                            max_bytes=row["declared_size"])
            # The checked temp file, not the staged object, becomes the original: the presigned URL is still
            # valid, and a client could replace the staged object between our check and a server-side copy.
            await self.receive(row, incoming)
        except ApiError:
            await self.ctx.blobs.delete(key)  # refused: the client sends the file again to the same URL
            raise
        finally:
            await chunks.aclose()
        await self.ctx.blobs.delete(key)

    def take_in(self, conn: Conn, user_id: int, upload_ids: list[int]) -> list:
        """Inside the post's write unit: claim finished uploads (the caller's, unused) in the given order."""
        rows = []
        for upload_id in upload_ids:
            row = uploads_repo.of_user(conn, upload_id, user_id)
            if row is None:
                raise NotFound(f"No such upload: {upload_id}.")
            if row["status"] == "pending":
                raise Conflict(f"Upload {upload_id} has not been sent yet: PUT the file to its upload_url first.", code="upload_incomplete")
            if row["status"] != "uploaded":
                raise Conflict(f"Upload {upload_id} was already used or has expired.", code="upload_used")
            uploads_repo.mark_used(conn, upload_id)
            rows.append(row)
        return rows

    async def _expire_upload(self, payload: dict) -> None:
        upload_id = payload["upload_id"]

        def unit(conn: Conn) -> list[str]:
            row = uploads_repo.expire_uploaded(conn, upload_id)
            if row is None:
                return []
            key = row["original_key"]
            return [] if uploads_repo.original_still_used(conn, key) else [key]

        for key in await self.ctx.db.write(unit):
            await self.ctx.blobs.delete(key)

    async def _discard_staged_upload(self, payload: dict) -> None:
        upload_id = payload["upload_id"]
        await self.ctx.db.write(lambda conn: uploads_repo.expire_pending(conn, upload_id))
        await self.ctx.blobs.delete(staged_key(upload_id))  # already gone once checked; deleting again is fine


def _iso(epoch_ms: int) -> str:
    from ..web.serialize import iso_time

    return iso_time(epoch_ms)
