"""A copy of my data (``POST /me/export``): started by a request, built by a durable job, fetched by a signed URL.

The ``build_export`` job reads everything in one snapshot (``export_archive.snapshot``), copies each original
from the blob store into a zip in this process's scratch folder one file at a time (never a whole file in
memory), records its progress as it goes, then stores the zip in the blob store under ``e/<user>/<id>.zip``.
It runs wherever jobs run: in the server process on the embedded stack, in ``photoshare worker`` on the
scaled one. The zip is downloaded through the server's own signed URL (no token needed, so a browser can
open it), valid for ``DOWNLOAD_URL_LIFETIME_MS``; the copy itself is removed after ``EXPORT_LIFETIME_MS`` or
with the account. One export at a time per account, and a new one no sooner than ``EXPORT_INTERVAL_MS``
after the last (a failed one may be retried at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import os
import time

from ..blobs.base import BlobNotFound
from ..clock import now_ms
from ..context import Context
from ..ids import parse_uint63
from ..jobs.base import PRIORITY_CLEANUP
from ..jobs.database import enqueue_in
from ..repos import exports as repo
from ..stores.base import Conn
from ..web.errors import ApiError, Forbidden, NotFound
from ..web.serialize import iso_time
from .export_archive import ExportZip, snapshot

EXPORT_INTERVAL_MS = 15 * 60 * 1000  # between two copies of one account: each reads every original it has
EXPORT_LIFETIME_MS = 7 * 24 * 3600 * 1000  # a copy is kept this long after it was asked for
DOWNLOAD_URL_LIFETIME_MS = 3600 * 1000
RUNNING_RETRY_AFTER_SECONDS = 10  # while one is being built: ask about it, not for another
PROGRESS_EVERY_SECONDS = 0.5  # progress is written at most this often


def export_key(user_id: int, export_id: int) -> str:
    return f"e/{user_id}/{export_id}.zip"


def _signature(secret: bytes, export_id: int, expires_at: int) -> str:
    return hmac.new(secret, f"export:{export_id}:{expires_at}".encode(), hashlib.sha256).hexdigest()


class Exports:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def job_handlers(self) -> dict:
        return {"build_export": self._build, "expire_export": self._expire}

    async def start(self, user_id: int) -> int:
        export_id = self.ctx.ids.next_id()

        def unit(conn: Conn) -> None:
            repo.lock_account(conn, user_id)
            last = repo.latest_of(conn, user_id)
            now = now_ms()
            if last is not None and last["status"] == "pending":
                raise ApiError("A copy of your data is being made already; ask about that one.", code="export_running", status=429,
                               headers={"Retry-After": str(RUNNING_RETRY_AFTER_SECONDS)})
            if last is not None and last["status"] == "ready" and now - last["created_at"] < EXPORT_INTERVAL_MS:
                wait = -(-(EXPORT_INTERVAL_MS - (now - last["created_at"])) // 1000)
                raise ApiError(f"You made a copy of your data a moment ago; try again in {wait // 60 + 1} min.",
                               code="export_too_soon", status=429, headers={"Retry-After": str(wait)})
            repo.insert(conn, export_id=export_id, user_id=user_id, now=now)
            enqueue_in(conn, "build_export", {"export_id": export_id}, PRIORITY_CLEANUP, max_attempts=3)
            enqueue_in(conn, "expire_export", {"export_id": export_id}, PRIORITY_CLEANUP, delay_ms=EXPORT_LIFETIME_MS)

        await self.ctx.db.write(unit)
        self.ctx.job_committed()
        return export_id

    async def status(self, user_id: int, export_id: int, base_url: str) -> dict:
        row = await self.ctx.db.read(lambda conn: repo.by_id(conn, export_id))
        if row is None or row["user_id"] != user_id:
            raise NotFound("No such export.")
        total = row["total_items"]
        answer = {"export_id": str(export_id), "status": row["status"], "created_at": iso_time(row["created_at"]),
                  "progress": 1.0 if row["status"] == "ready" else (round(row["done_items"] / total, 3) if total else 0.0)}
        if row["status"] == "ready":
            expires_at = now_ms() + DOWNLOAD_URL_LIFETIME_MS
            signature = _signature(self.ctx.secret_key, export_id, expires_at)
            answer.update(url=f"{base_url}/api/v1/me/export/{export_id}/download?expires={expires_at}&signature={signature}",
                          size=row["size"], expires_at=iso_time(row["expires_at"]))
        return answer

    async def download(self, export_id: int, expires: str | None, signature: str | None):
        """The ready export a signed download URL names (its row), refusing tampered and expired URLs."""
        expires_at = parse_uint63(expires)
        if expires_at is None or not signature:
            raise Forbidden("This download link is not signed.", code="signature_invalid")
        expected = _signature(self.ctx.secret_key, export_id, expires_at)
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "surrogatepass")):
            raise Forbidden("This download link's signature does not match; ask for a new one.", code="signature_invalid")
        if expires_at < now_ms():
            raise Forbidden("This download link has expired; ask for a new one.", code="signature_expired")
        row = await self.ctx.db.read(lambda conn: repo.by_id(conn, export_id))
        if row is None or row["status"] != "ready":
            raise NotFound("No such export (it may have expired).")
        return row

    # -- jobs -------------------------------------------------------------------------------------
    async def _build(self, payload: dict) -> None:
        export_id = payload["export_id"]
        row = await self.ctx.db.read(lambda conn: repo.by_id(conn, export_id))
        if row is None or row["status"] != "pending":
            return  # the account went, or an earlier attempt finished
        try:
            await self._write_zip(export_id, row["user_id"])
        except Exception as exc:
            if payload.get("_attempt", 1) >= payload.get("_max_attempts", 1):
                await self.ctx.db.write(lambda conn: repo.mark_failed(conn, export_id, f"{type(exc).__name__}: {exc}", now_ms()))
            raise

    async def _write_zip(self, export_id: int, user_id: int) -> None:
        found = await self.ctx.db.read(lambda conn: snapshot(conn, user_id))
        if found is None:
            return
        folder = self.ctx.scratch.path()
        zip_path, part_path = str(folder / f"export-{export_id}.zip"), str(folder / f"export-{export_id}.part")
        total = len(found.files) + 1
        missing: list[str] = []
        try:
            archive = await asyncio.to_thread(ExportZip, zip_path)
            try:
                await self._progress(export_id, 0, total)
                reported = time.monotonic()
                for done, (key, name) in enumerate(found.files, start=1):
                    try:
                        await self.ctx.blobs.fetch_to_file(key, part_path)
                    except BlobNotFound:
                        missing.append(name)
                    else:
                        await asyncio.to_thread(archive.add_file, part_path, name)
                    if time.monotonic() - reported >= PROGRESS_EVERY_SECONDS:
                        await self._progress(export_id, done, total)
                        reported = time.monotonic()
                await asyncio.to_thread(archive.add_documents, found.documents, missing)
            finally:
                await asyncio.to_thread(archive.close)
            size = os.path.getsize(zip_path)
            key = export_key(user_id, export_id)
            await self.ctx.blobs.put_file(key, zip_path, "application/zip")
        finally:
            for path in (zip_path, part_path):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
        now = now_ms()
        changed = await self.ctx.db.write(lambda conn: repo.mark_ready(conn, export_id, key, size, now, now + EXPORT_LIFETIME_MS))
        if not changed:  # the account was deleted while the zip was written: nothing may keep it
            await self.ctx.blobs.delete(key)

    async def _progress(self, export_id: int, done: int, total: int) -> None:
        await self.ctx.db.write(lambda conn: repo.set_progress(conn, export_id, done, total))

    async def _expire(self, payload: dict) -> None:
        export_id = payload["export_id"]

        def unit(conn: Conn):
            row = repo.by_id(conn, export_id)
            if row is not None:
                repo.delete(conn, export_id)
                if row["blob_key"]:
                    enqueue_in(conn, "delete_blobs", {"keys": [row["blob_key"]]}, PRIORITY_CLEANUP)
            return row

        if await self.ctx.db.write(unit) is not None:
            self.ctx.job_committed()
