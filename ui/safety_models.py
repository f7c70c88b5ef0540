"""Observable state of the safety screens: my blocks and mutes, and the admin console's sections.

Kept beside ``ui.models`` (which ``AppState`` ties together) so the moderation screens grow here.
Lists are replaced, never changed in place, so every change redraws the screens that show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import flet as ft

from app.admin_types import AdminStats, AdminUser, Invite, Job, Report
from app.api_types import UserSummary


@ft.observable
@dataclass
class SafetyModel:
    """The accounts I block and mute (Settings lists them; menus and profiles ask them)."""

    blocked: list[UserSummary] = field(default_factory=list)
    muted: list[UserSummary] = field(default_factory=list)
    loaded: bool = False
    error: str | None = None

    def is_blocked(self, user_id: str | None = None, username: str | None = None) -> bool:
        return any(u.user_id == user_id or u.username == username for u in self.blocked)

    def is_muted(self, user_id: str | None = None, username: str | None = None) -> bool:
        return any(u.user_id == user_id or u.username == username for u in self.muted)

    def blocked_account(self, username: str) -> UserSummary | None:
        return next((u for u in self.blocked if u.username == username), None)

    def now_blocked(self, user: UserSummary, blocking: bool) -> None:
        others = [u for u in self.blocked if u.user_id != user.user_id]
        self.blocked = [user, *others] if blocking else others

    def now_muted(self, user: UserSummary, muting: bool) -> None:
        others = [u for u in self.muted if u.user_id != user.user_id]
        self.muted = [user, *others] if muting else others


@ft.observable
@dataclass
class ReportsModel:
    status: str = "open"  # which queue is on screen: open | resolved
    items: list[Report] = field(default_factory=list)
    next_cursor: str | None = None
    loaded: bool = False
    loading: bool = False
    error: str | None = None
    working: str | None = None  # the report an action is being sent for

    def resolved(self, report: Report) -> None:
        """A decision was recorded: it leaves the open queue (and shows as decided in the other)."""
        if self.status == "open":
            self.items = [r for r in self.items if r.report_id != report.report_id]
        else:
            self.items = [report if r.report_id == report.report_id else r for r in self.items]


@ft.observable
@dataclass
class AdminUsersModel:
    query: str = ""
    items: list[AdminUser] = field(default_factory=list)
    loaded: bool = False
    loading: bool = False
    error: str | None = None

    def changed(self, user: AdminUser) -> None:
        self.items = [user if u.user_id == user.user_id else u for u in self.items]


@ft.observable
@dataclass
class InvitesModel:
    items: list[Invite] = field(default_factory=list)
    new_codes: list[str] = field(default_factory=list)  # made just now: shown apart, to hand out
    loaded: bool = False
    error: str | None = None


@ft.observable
@dataclass
class ServerModel:
    """Storage and counts, failed jobs, and the settings in force."""

    stats: AdminStats | None = None
    failed_jobs: list[Job] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    loaded: bool = False
    loading: bool = False
    error: str | None = None


@ft.observable
@dataclass
class AdminModel:
    reports: ReportsModel = field(default_factory=ReportsModel)
    users: AdminUsersModel = field(default_factory=AdminUsersModel)
    invites: InvitesModel = field(default_factory=InvitesModel)
    server: ServerModel = field(default_factory=ServerModel)
