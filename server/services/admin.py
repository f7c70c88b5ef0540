"""The admin's tools over accounts, invites, statistics, jobs and integrity: one service for the command line
(``photoshare admin …``) and a future ``/admin`` HTTP API alike.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Callable, Iterable

from .. import auth
from ..clock import now_ms
from ..context import Context
from ..ops.media_files import unreferenced_files
from ..repos import admin as repo
from ..repos import setup_codes as setup_repo
from ..repos import users as users_repo
from ..stores.base import Conn
from ..web.errors import Conflict, NotFound
from ..web.serialize import user_json
from .registration import check_password, normalise_username

MAX_JOBS_SCANNED = 100_000  # enough for any real backlog; a check that reads more would take minutes


class Admin:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- accounts -------------------------------------------------------------------------------
    async def _user_by_name(self, username: str):
        name = username.strip().lower().lstrip("@")
        row = await self.ctx.db.read(lambda conn: users_repo.by_username(conn, name))
        if row is None:
            raise NotFound(f"No account named {name!r}.")
        return row

    async def create_user(self, username: object, password: object, *, admin: bool = False) -> dict:
        """Create an account whatever the registration mode (the admin's own tool)."""
        username = normalise_username(username)
        password_hash = await auth.hash_password(check_password(password))
        user_id = self.ctx.ids.next_id()

        def unit(conn: Conn):
            if users_repo.by_username(conn, username) is not None:
                raise Conflict("That username is taken.", code="username_taken")
            first_user = users_repo.count(conn) == 0
            now = now_ms()
            users_repo.insert(conn, user_id=user_id, username=username, password_hash=password_hash,
                              is_admin=admin or first_user, created_at=now)
            if first_user:  # the admin came in through the machine itself: the printed setup code is done with
                setup_repo.mark_used_by(conn, user_id, now)
            return users_repo.by_id(conn, user_id)

        return user_json(await self.ctx.db.write(unit), private_fields=True)

    async def set_disabled(self, username: str, disabled: bool) -> dict:
        """Disable (sign out everywhere, refuse sign-in) or enable an account; its posts stay."""
        row = await self._user_by_name(username)

        def unit(conn: Conn):
            users_repo.update_profile(conn, row["id"], {"is_disabled": int(disabled)})
            if disabled:
                users_repo.delete_tokens_of(conn, row["id"])

        await self.ctx.db.write(unit)
        self.ctx.sessions.forget_tokens()
        return user_json(await self.ctx.db.read(lambda conn: users_repo.by_id(conn, row["id"])), private_fields=True)

    async def reset_password(self, username: str, password: object) -> None:
        """Set a new password and sign the account out everywhere."""
        row = await self._user_by_name(username)
        password_hash = await auth.hash_password(check_password(password))

        def unit(conn: Conn):
            users_repo.update_profile(conn, row["id"], {"password_hash": password_hash})
            users_repo.delete_tokens_of(conn, row["id"])

        await self.ctx.db.write(unit)
        self.ctx.sessions.forget_tokens()

    async def list_users(self, limit: int = 1000) -> list:
        return await self.ctx.db.read(lambda conn: users_repo.listing(conn, limit))

    async def create_invites(self, count: int, created_by: int | None = None) -> list[str]:
        """Invite codes for ``registration = invite`` (each works once, for a week)."""
        return [await self.ctx.registration.create_invite(created_by) for _ in range(count)]

    # -- jobs -----------------------------------------------------------------------------------
    async def jobs_overview(self, status: str | None, limit: int) -> tuple[dict[str, int], list]:
        """(how many jobs are in each state, the newest jobs in ``status`` or in any state)."""
        return await self.ctx.jobs.counts(), await self.ctx.jobs.list_jobs(status, limit)

    async def retry_jobs(self, job_id: int | None = None) -> int:
        """Queue one failed job again, or every failed job (``job_id`` None); how many were queued."""
        return await self.ctx.jobs.retry_failed(job_id)

    async def purge_jobs(self, status: str) -> int:
        """Delete every job in a state; how many were deleted."""
        return await self.ctx.jobs.purge(status)

    async def reprocess(self, media_id: int) -> str:
        """Run one medium through the pipeline again; its outcome (``ready``, ``failed``, …)."""
        return await self.ctx.media.reprocess(media_id)

    # -- statistics and checks ------------------------------------------------------------------
    async def stats(self) -> dict:
        """Counts of users, posts, media, stored files and jobs; sizes in bytes (``… bytes``)."""
        numbers = await self.ctx.db.read(repo.counts)
        root = getattr(self.ctx.blobs, "root", None)
        if root is not None and os.path.isdir(root):
            numbers["storage bytes"] = await asyncio.to_thread(
                lambda: sum(entry.stat().st_size for entry in Path(root).rglob("*") if entry.is_file()))
        counts = await self.ctx.jobs.counts()
        numbers["queued jobs"] = counts.get("queued", 0)
        numbers["failed jobs"] = counts.get("failed", 0)
        return numbers

    async def check(self, delete_unreferenced: bool = False,
                    track: Callable[[list[str]], Iterable[str]] = iter) -> tuple[list[str], list[str]]:
        """(problems, notes): database integrity, missing and unreferenced files, media stuck in processing.

        ``track`` wraps the stored keys as they are checked one by one (the command line shows a progress bar).
        """
        from ..repos.stored_files import referenced_keys

        problems: list[str] = []
        notes: list[str] = []
        if self.ctx.db.url.startswith("sqlite"):
            verdict = await self.ctx.db.read(repo.sqlite_integrity)
            if verdict != ["ok"]:
                problems += [f"database integrity: {line}" for line in verdict]
            broken_keys = await self.ctx.db.read(repo.sqlite_foreign_key_problems)
            problems += [f"database: row {row[1]} in {row[0]} points to a missing {row[2]}" for row in broken_keys]
        keys = await self.ctx.db.read(repo.stored_keys)
        for key in track(keys):
            if not await self.ctx.blobs.exists(key):
                problems.append(f"missing file {key}")
        root = getattr(self.ctx.blobs, "root", None)
        if root is not None and os.path.isdir(root):
            referenced = await self.ctx.db.read(lambda conn: referenced_keys(conn.fetch_all))
            found, notes = await asyncio.to_thread(unreferenced_files, Path(root), referenced, delete_unreferenced)
            problems += found
        processing = await self.ctx.db.read(repo.processing_post_ids)
        if processing:
            queued = {job.payload.get("post_id") for status in ("queued", "running")
                      for job in await self.ctx.jobs.list_jobs(status, MAX_JOBS_SCANNED) if job.kind == "process_media"}
            stuck = processing - queued
            if stuck:
                problems.append(f"{len(stuck)} post(s) have media stuck in processing with no job to finish them: "
                                "run `photoshare admin reprocess` for them")
        return problems, notes

    async def media_to_reprocess(self, *, post_id: int | None = None, username: str | None = None,
                                 failed_only: bool = False) -> list[int]:
        name = username.lstrip("@").lower() if username is not None else None
        return await self.ctx.db.read(lambda conn: repo.media_ids(conn, post_id=post_id, username=name, failed_only=failed_only))
