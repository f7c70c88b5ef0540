"""The admin's tools over accounts, roles, invites, statistics, settings, jobs and integrity: one service for the
command line (``photoshare admin …``) and the ``/admin`` HTTP API alike.

Every decision (a role, a disable or enable, a password reset, invites, job retries) is written to the audit log
(``services/moderation.py``, ``audit_in``) in the same transaction: ``actor_id`` is the admin who asked over HTTP,
or None for the command line (shown as "command line"). Roles are checked by the HTTP handlers' service calls
(``ctx.moderation.require``); the command line is the machine's own operator and needs none.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Callable, Iterable

from .. import auth
from ..clock import now_ms
from ..config import SETTINGS
from ..context import Context
from ..ids import parse_id
from ..ops.media_files import unreferenced_files
from ..repos import admin as repo
from ..repos import comments as comments_repo
from ..repos import exports as exports_repo
from ..repos import moderation as moderation_repo
from ..repos import setup_codes as setup_repo
from ..repos import users as users_repo
from ..stores.base import Conn
from ..web.errors import Conflict, InvalidInput, NotFound
from ..web.serialize import iso_time, user_json
from .registration import check_password, normalise_username

MAX_JOBS_SCANNED = 100_000  # enough for any real backlog; a check that reads more would take minutes
MAX_INVITES_AT_ONCE = 100
INVITES_LISTED = 200
JOBS_LISTED = 100
TEMPORARY_PASSWORD_BYTES = 9  # 12 characters of URL-safe base64: read out over the phone, used once
ROLES = ("user", "moderator", "admin")
# Settings never shown, not even to admins: they are keys.
SECRET_SETTINGS = frozenset({"secret_key", "s3_access_key", "s3_secret_key"})


def admin_user_json(row) -> dict:
    """A user as the admin console shows them: the private fields, and whether they are disabled or hidden."""
    data = user_json(row, private_fields=True)
    data["disabled"] = bool(row["is_disabled"])
    data["hidden"] = bool(row["hidden"])
    return data


def _redacted(name: str, value):
    if name in SECRET_SETTINGS:
        return "(set)" if value else ""
    if isinstance(value, str) and "://" in value and "@" in value.split("://", 1)[1].split("/", 1)[0]:
        scheme, rest = value.split("://", 1)
        userinfo, _, host = rest.partition("@")
        user = userinfo.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in userinfo else f"{scheme}://{user}@{host}"
    return value


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

        moderation = self.ctx.moderation

        def audited(conn: Conn):
            row = unit(conn)
            moderation.audit_in(conn, actor_id=None, action="user.create", target_type="user", target_id=user_id,
                                role=row["role"])
            return row

        return user_json(await self.ctx.db.write(audited), private_fields=True)

    async def set_disabled(self, username: str, disabled: bool) -> dict:
        """Disable (sign out everywhere, refuse sign-in, everything of theirs withheld from others) or enable an
        account (the command line)."""
        row = await self._user_by_name(username)
        return user_json(await self.set_disabled_by_id(row["id"], disabled), private_fields=True)

    async def set_disabled_by_id(self, user_id: int, disabled: bool, *, actor_id: int | None = None, audit: bool = True):
        """Disable or enable an account; the new row. ``audit=False`` when the caller logs the decision itself
        (a report resolved with ``disable_user``)."""
        moderation = self.ctx.moderation

        def unit(conn: Conn):
            row = users_repo.by_id(conn, user_id)
            if row is None:
                raise NotFound("No such user.")
            if disabled and row["role"] == "admin" and users_repo.admin_count(conn, besides=user_id) == 0:
                raise Conflict("This is the last admin: make someone else admin first.", code="last_admin")
            counted = comments_repo.author_counts(conn, user_id)
            users_repo.update_profile(conn, user_id, {"is_disabled": int(disabled)})
            recounted = comments_repo.recount_author(conn, user_id, counted)  # their comments leave (or rejoin) the counts
            if disabled:
                users_repo.delete_tokens_of(conn, user_id)
            if audit:
                moderation.audit_in(conn, actor_id=actor_id, action="user.disable" if disabled else "user.enable",
                                    target_type="user", target_id=user_id)
            return users_repo.by_id(conn, user_id), recounted

        row, recounted = await self.ctx.db.write(unit)
        self.ctx.sessions.forget_tokens()
        self.ctx.hydrator.forget_user(user_id)  # their posts are withheld from (or shown to) others again
        self.ctx.comments.counts_changed(recounted)
        return row

    async def set_role(self, user_id: int, role: object, *, actor_id: int | None = None):
        """Make an account a user, moderator or admin; the new row. The last admin stays one."""
        if role not in ROLES:
            raise InvalidInput("'role' must be user, moderator or admin.", code="invalid_role")
        moderation = self.ctx.moderation

        def unit(conn: Conn):
            row = users_repo.by_id(conn, user_id)
            if row is None:
                raise NotFound("No such user.")
            if row["role"] == "admin" and role != "admin" and users_repo.admin_count(conn, besides=user_id) == 0:
                raise Conflict("This is the last admin: make someone else admin first.", code="last_admin")
            if row["role"] != role:
                users_repo.update_profile(conn, user_id, {"role": role, "is_admin": int(role == "admin")})
                moderation.audit_in(conn, actor_id=actor_id, action="user.role", target_type="user", target_id=user_id,
                                    role=role, previous=row["role"])
            return users_repo.by_id(conn, user_id)

        return await self.ctx.db.write(unit)

    async def set_role_by_name(self, username: str, role: str) -> dict:
        row = await self._user_by_name(username)
        return user_json(await self.set_role(row["id"], role), private_fields=True)

    async def update_user(self, actor_id: int, user_id: int, data: dict) -> dict:
        """PATCH /admin/users/{id}: ``role`` and/or ``disabled``."""
        unknown = set(data) - {"role", "disabled"}
        if unknown or not data:
            raise InvalidInput("Send 'role' and/or 'disabled'." + (f" Unknown: {', '.join(sorted(unknown))}." if unknown else ""))
        if "disabled" in data and not isinstance(data["disabled"], bool):
            raise InvalidInput("'disabled' must be true or false.")
        if "role" in data:
            await self.set_role(user_id, data["role"], actor_id=actor_id)
        if "disabled" in data:
            await self.set_disabled_by_id(user_id, data["disabled"], actor_id=actor_id)
        return admin_user_json(await self.ctx.db.read(lambda conn: users_repo.by_id(conn, user_id)))

    async def reset_password(self, username: str, password: object) -> None:
        """Set a new password and sign the account out everywhere (the command line)."""
        row = await self._user_by_name(username)
        password_hash = await auth.hash_password(check_password(password))
        await self._set_password(row["id"], password_hash, temporary=False, actor_id=None)

    async def reset_password_temporary(self, user_id: int, *, actor_id: int | None = None) -> str:
        """A one-time password for an account that lost its own: signing in with it works once, and the account
        is then asked to choose a new one (``must_change_password``). Signs the account out everywhere."""
        temporary = auth.new_token()[:16]
        password_hash = await auth.hash_password(temporary)
        await self._set_password(user_id, password_hash, temporary=True, actor_id=actor_id)
        return temporary

    async def _set_password(self, user_id: int, password_hash: str, *, temporary: bool, actor_id: int | None) -> None:
        moderation = self.ctx.moderation

        def unit(conn: Conn):
            if users_repo.by_id(conn, user_id) is None:
                raise NotFound("No such user.")
            users_repo.update_profile(conn, user_id, {"password_hash": password_hash, "must_change_password": int(temporary)})
            users_repo.delete_tokens_of(conn, user_id)
            moderation.audit_in(conn, actor_id=actor_id, action="user.reset_password", target_type="user",
                                target_id=user_id, temporary=temporary)

        await self.ctx.db.write(unit)
        self.ctx.sessions.forget_tokens()

    async def search_users(self, query: str | None, after_id: int | None, limit: int) -> tuple[list[dict], int | None]:
        """Every account (disabled ones too), by id; ``query`` a username prefix."""
        prefix = (query or "").strip().lower().lstrip("@")
        rows = await self.ctx.db.read(lambda conn: users_repo.search_page(conn, prefix, after_id, limit + 1))
        return [admin_user_json(row) for row in rows[:limit]], (rows[limit - 1]["id"] if len(rows) > limit else None)

    async def list_users(self, limit: int = 1000) -> list:
        return await self.ctx.db.read(lambda conn: users_repo.listing(conn, limit))

    async def create_invites(self, count: int, created_by: int | None = None) -> list[str]:
        """Invite codes for ``registration = invite`` (each works once, for a week)."""
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_INVITES_AT_ONCE:
            raise InvalidInput(f"'count' must be a whole number from 1 to {MAX_INVITES_AT_ONCE}.")
        codes = [await self.ctx.registration.create_invite(created_by) for _ in range(count)]
        moderation = self.ctx.moderation
        await self.ctx.db.write(lambda conn: moderation.audit_in(conn, actor_id=created_by, action="invites.create", count=count))
        return codes

    async def invites(self) -> list[dict]:
        """The newest invites: who made them, when they expire, who used them (the codes themselves are not kept)."""
        rows = await self.ctx.db.read(lambda conn: users_repo.recent_invites(conn, INVITES_LISTED))
        now = now_ms()
        return [{
            "invite_id": row["code_hash"][:12],
            "created_by": row["created_by"],
            "created_at": iso_time(row["created_at"]),
            "expires_at": iso_time(row["expires_at"]),
            "used_by": row["used_by"],
            "used_at": iso_time(row["used_at"]) if row["used_at"] is not None else None,
            "status": "used" if row["used_at"] is not None else ("expired" if row["expires_at"] <= now else "open"),
        } for row in rows]

    # -- the console's overviews ------------------------------------------------------------------------
    def settings_in_force(self) -> dict:
        """Every setting's value in force, keys redacted and passwords taken out of URLs."""
        values = self.ctx.settings.values
        return {setting.name: _redacted(setting.name, values.get(setting.name)) for setting in SETTINGS}

    async def console_stats(self) -> dict:
        """GET /admin/stats: users, posts, stored bytes, jobs queued and failed, open reports."""
        def unit(conn: Conn):
            numbers = repo.counts(conn)
            return numbers, moderation_repo.open_count(conn)

        numbers, reports_open = await self.ctx.db.read(unit)
        counts = await self.ctx.jobs.counts()
        return {
            "users": numbers["users"],
            "posts": numbers["posts"],
            "media": numbers["media"],
            "storage_bytes": await self._storage_bytes(numbers["originals bytes"]),
            "jobs": {"queued": counts.get("queued", 0), "running": counts.get("running", 0), "failed": counts.get("failed", 0)},
            "reports_open": reports_open,
        }

    async def _storage_bytes(self, originals: int) -> int:
        """The media folder's size on local storage; on S3, the originals' bytes (variants not counted)."""
        root = getattr(self.ctx.blobs, "root", None)
        if root is not None and os.path.isdir(root):
            return await asyncio.to_thread(lambda: sum(entry.stat().st_size for entry in Path(root).rglob("*") if entry.is_file()))
        return originals

    async def jobs_listing(self, status: str | None) -> dict:
        if status not in (None, "", "queued", "running", "failed", "done"):
            raise InvalidInput("'status' must be queued, running, failed or done.", code="invalid_status")
        counts, jobs = await self.jobs_overview(status or None, JOBS_LISTED)
        return {"counts": counts, "jobs": [{
            "job_id": str(job.id), "kind": job.kind, "status": job.status, "attempts": job.attempts,
            "max_attempts": job.max_attempts, "last_error": job.last_error,
            "created_at": iso_time(job.created_at) if job.created_at else None,
            "updated_at": iso_time(job.updated_at) if job.updated_at else None,
        } for job in jobs]}

    async def retry_jobs_by(self, actor_id: int | None, data: dict) -> int:
        """POST /admin/jobs/retry: ``{all: true}`` or ``{job_ids: [...]}``; how many were queued again."""
        if data.get("all") is True:
            retried = await self.retry_jobs(None, audit=False)
            ids = None
        else:
            raw = data.get("job_ids")
            if not isinstance(raw, list) or not raw or len(raw) > JOBS_LISTED:
                raise InvalidInput(f"Send 'all': true or 'job_ids': a list of 1 to {JOBS_LISTED} job ids.")
            ids = [parse_id(item) if isinstance(item, str) else None for item in raw]
            if None in ids:
                raise InvalidInput("'job_ids' must hold job ids (decimal strings).")
            retried = sum([await self.retry_jobs(job_id, audit=False) for job_id in dict.fromkeys(ids)])
        moderation = self.ctx.moderation
        await self.ctx.db.write(lambda conn: moderation.audit_in(
            conn, actor_id=actor_id, action="jobs.retry", all=ids is None, job_ids=[str(i) for i in ids or []], retried=retried))
        if retried:
            self.ctx.job_committed()
        return retried

    # -- jobs -----------------------------------------------------------------------------------
    async def jobs_overview(self, status: str | None, limit: int) -> tuple[dict[str, int], list]:
        """(how many jobs are in each state, the newest jobs in ``status`` or in any state)."""
        return await self.ctx.jobs.counts(), await self.ctx.jobs.list_jobs(status, limit)

    async def retry_jobs(self, job_id: int | None = None, *, audit: bool = True) -> int:
        """Queue one failed job again, or every failed job (``job_id`` None); how many were queued."""
        retried = await self.ctx.jobs.retry_failed(job_id)
        if audit:
            moderation = self.ctx.moderation
            await self.ctx.db.write(lambda conn: moderation.audit_in(
                conn, actor_id=None, action="jobs.retry", all=job_id is None,
                job_ids=[str(job_id)] if job_id is not None else [], retried=retried))
        return retried

    async def purge_jobs(self, status: str) -> int:
        """Delete every job in a state; how many were deleted."""
        purged = await self.ctx.jobs.purge(status)
        moderation = self.ctx.moderation
        await self.ctx.db.write(lambda conn: moderation.audit_in(conn, actor_id=None, action="jobs.purge", status=status,
                                                                 purged=purged))
        return purged

    async def reprocess(self, media_id: int) -> str:
        """Run one medium through the pipeline again; its outcome (``ready``, ``failed``, …)."""
        outcome = await self.ctx.media.reprocess(media_id)
        moderation = self.ctx.moderation
        await self.ctx.db.write(lambda conn: moderation.audit_in(conn, actor_id=None, action="media.reprocess",
                                                                 target_type="media", target_id=media_id, outcome=outcome))
        return outcome

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
            # Copies of accounts' data (exports) are no backup's business, but not garbage either while they last.
            referenced = await self.ctx.db.read(lambda conn: referenced_keys(conn.fetch_all) | set(exports_repo.all_blob_keys(conn)))
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
