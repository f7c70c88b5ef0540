"""The admin console: the report queue (moderators and admins), and for admins the accounts, invites,
storage and counts, failed jobs and the settings in force. Everything goes through the /admin API."""

from __future__ import annotations

import asyncio

from app.admin_types import AdminUser, Report
from app.api_client import ApiError

from .base import Feature

REPORTS_PAGE_SIZE = 20
USERS_PAGE_SIZE = 50
FAILED_JOBS_SHOWN = 50
# The most invite codes made at once: a class or a club, not a spam run.
MAX_INVITES_AT_ONCE = 100  # as the server allows

DECIDED = {"dismiss": "Report dismissed: the {what} stays up.",
           "remove": "The {what} was removed.",
           "disable_user": "The account was disabled and signed out."}


class AdminController(Feature):
    async def _fetch(self, action):
        """(answer, None) or (None, the server's reason): the console shows reasons in place."""
        refusals: list[str] = []

        async def attempt():
            try:
                return await action()
            except ApiError as error:
                refusals.append(error.message)
                raise

        result = await self.call(attempt, quiet=True)
        if result is None and not refusals and not self.state.online:
            refusals.append("The server cannot be reached. Try again when you are back online.")
        return result, (refusals[0] if refusals else None)

    # -- reports ------------------------------------------------------------------------------------
    async def load_reports(self, status: str | None = None, more: bool = False) -> None:
        reports = self.state.admin.reports
        if status is not None and status != reports.status:
            reports.status, reports.items, reports.next_cursor, reports.loaded = status, [], None, False
        if reports.loading or (more and not reports.next_cursor):
            return
        reports.loading = True
        try:
            page, error = await self._fetch(lambda: self.api.admin_reports(
                reports.status, reports.next_cursor if more else None, REPORTS_PAGE_SIZE))
        finally:
            reports.loading = False
        reports.error = error
        reports.loaded = True
        if page is not None:
            reports.items = (list(reports.items) if more else []) + list(page.items)
            reports.next_cursor = page.next_cursor

    async def resolve(self, report: Report, action: str, note: str = "") -> bool:
        reports = self.state.admin.reports
        reports.working = report.report_id
        try:
            decided = await self.call(lambda: self.api.resolve_report(report.report_id, action, note))
        finally:
            reports.working = None
        if decided is None:
            return False
        reports.resolved(decided)
        what = {"user": "account"}.get(report.target_type, report.target_type)
        self.toast(DECIDED.get(action, "Report resolved.").format(what=what))
        self.state.admin.server.loaded = False  # counts changed
        return True

    # -- accounts -----------------------------------------------------------------------------------
    async def search_users(self, query: str | None = None) -> None:
        users = self.state.admin.users
        if query is not None:
            users.query = query.strip()
        users.loading = True
        try:
            page, error = await self._fetch(lambda: self.api.admin_users(users.query, None, USERS_PAGE_SIZE))
        finally:
            users.loading = False
        users.error, users.loaded = error, True
        if page is not None:
            users.items = list(page.items)

    async def set_role(self, user: AdminUser, role: str) -> None:
        if role == user.role:
            return
        changed = await self.call(lambda: self.api.update_admin_user(user.user_id, role=role))
        if changed is not None:
            self.state.admin.users.changed(changed)
            self.toast(f"{user.username} is now {'an' if role == 'admin' else 'a'} {role}.")

    async def set_disabled(self, user: AdminUser, disabled: bool) -> None:
        changed = await self.call(lambda: self.api.update_admin_user(user.user_id, disabled=disabled))
        if changed is not None:
            self.state.admin.users.changed(changed)
            self.toast(f"{user.username} was {'disabled and signed out everywhere' if disabled else 'enabled'}.")

    async def reset_password(self, user: AdminUser) -> str | None:
        """The one-time password to hand over (the view shows it once)."""
        return await self.call(lambda: self.api.reset_password(user.user_id))

    # -- invites ------------------------------------------------------------------------------------
    async def load_invites(self) -> None:
        invites = self.state.admin.invites
        found, error = await self._fetch(self.api.admin_invites)
        invites.error, invites.loaded = error, True
        if found is not None:
            invites.items = found

    async def create_invites(self, count: int) -> None:
        if not 1 <= count <= MAX_INVITES_AT_ONCE:
            self.toast(f"Make between 1 and {MAX_INVITES_AT_ONCE} invite codes at a time.")
            return
        codes = await self.call(lambda: self.api.create_invites(count))
        if codes is not None:
            self.state.admin.invites.new_codes = codes
            self.toast(f"{len(codes)} invite code{'s' if len(codes) != 1 else ''} made.")
            await self.load_invites()

    # -- the server: counts, failed jobs, settings ----------------------------------------------------
    async def load_server(self) -> None:
        server = self.state.admin.server
        if server.loading:
            return
        server.loading = True
        try:
            (stats, e1), (jobs, e2), (settings, e3) = await asyncio.gather(
                self._fetch(self.api.admin_stats),
                self._fetch(lambda: self.api.admin_jobs("failed")),
                self._fetch(self.api.admin_settings))
        finally:
            server.loading = False
        server.error = e1 or e2 or e3
        server.loaded = True
        if stats is not None:
            server.stats = stats
        if jobs is not None:
            server.failed_jobs = jobs[:FAILED_JOBS_SHOWN]
        if settings is not None:
            server.settings = settings

    async def retry_jobs(self, job_id: str | None = None) -> None:
        """One failed job, or all of them (``job_id`` None)."""
        retried = await self.call(lambda: self.api.retry_jobs([job_id] if job_id else None))
        if retried is None:
            return
        self.toast(f"{retried} job{'s were' if retried != 1 else ' was'} queued again.")
        await self.load_server()
