"""The admin-only parts of the console: accounts, invites, and the server (counts, failed jobs, settings)."""

from __future__ import annotations

import asyncio
import logging

import flet as ft

from app.admin_types import ROLES, AdminUser

from ..components.console import badge, heading, human_bytes, muted_text, notice, panel, spinner, when
from ..components.photo import Avatar
from ..context import act, typed_into, use_controller
from ..safety_models import AdminUsersModel, InvitesModel, ServerModel
from ..theme import SPACING

log = logging.getLogger(__name__)

ROLE_NAMES = {"user": "User", "moderator": "Moderator", "admin": "Admin"}
DEFAULT_INVITES = "5"
CLIPBOARD_SECONDS = 5  # a clipboard that has not answered by then is not going to
EXTRA_COUNTS = {"media": "photos and videos"}  # counts the server adds beyond the contract's
INVITE_STATES = {"open": "Not used yet", "used": "Used", "expired": "Expired, never used"}
INVITE_ICONS = {"open": ft.Icons.MAIL_OUTLINE, "used": ft.Icons.CHECK_CIRCLE, "expired": ft.Icons.TIMER_OFF_OUTLINED}


async def copy_text(page: ft.Page, controller, text: str, what: str, button: ft.Control | None = None) -> None:
    """Copy to the clipboard; the button itself says it worked (a snack bar would hide behind a dialog)."""
    try:
        await asyncio.wait_for(ft.Clipboard().set(text), CLIPBOARD_SECONDS)
    except Exception:  # a browser may refuse the clipboard (no secure context): the text stays selectable
        log.info("clipboard refused", exc_info=True)
        message = f"Could not copy: select the {what} and copy it by hand."
        if button is None:
            controller.toast(message)
        else:
            button.content, button.icon = "Copy by hand", ft.Icons.ERROR_OUTLINE
            button.tooltip = message
            button.update()
        return
    if button is None:
        controller.toast(f"{what[:1].upper()}{what[1:]} copied.")
    else:
        button.content, button.icon = "Copied", ft.Icons.CHECK
        button.update()


# -- accounts ---------------------------------------------------------------------------------------------
@ft.component
def AccountsSection(users: AdminUsersModel):
    controller = use_controller()
    query = ft.use_ref(users.query)

    async def search(_=None):
        await controller.admin.search_users(query.current)

    ft.on_mounted(act(controller.admin.search_users, None))
    me = controller.state.me
    rows: list[ft.Control]
    if users.error and not users.items:
        rows = [notice(users.error, search, key="accounts-error")]
    elif not users.loaded:
        rows = [spinner()]
    elif not users.items:
        rows = [notice(f"No account matches “{users.query}”." if users.query else "No accounts yet.",
                        key="accounts-empty")]
    else:
        rows = [AccountRow(u, me is not None and u.user_id == me.user_id, key=u.user_id) for u in users.items]
    return ft.Column(spacing=SPACING, controls=[
        heading("Accounts"),
        muted_text("Find an account to change its role, disable it, or give its owner a temporary password."),
        ft.Row([
            ft.TextField(key="account-search", label="Search accounts", value=query.current, expand=True,
                         prefix_icon=ft.Icons.SEARCH, on_change=typed_into(query), on_submit=search),
            ft.FilledTonalButton("Search", key="search-accounts", on_click=search),
        ]),
        *rows,
    ])


@ft.component
def AccountRow(user: AdminUser, is_me: bool):
    controller = use_controller()
    page = ft.context.page
    badges = [badge(ROLE_NAMES.get(user.role, user.role), key=f"role-{user.username}")]
    if user.disabled:
        badges.append(badge("Disabled", ft.Colors.ERROR_CONTAINER, key=f"disabled-{user.username}"))
    header = ft.Row(spacing=SPACING, controls=[
        Avatar(user.username, user.avatar_url, 40),
        ft.Column(expand=True, spacing=2, controls=[
            ft.Text(user.username + (" (you)" if is_me else ""), weight=ft.FontWeight.BOLD),
            ft.Row(badges, spacing=6, wrap=True),
        ]),
    ])
    if is_me:  # nobody locks themselves out from here
        return panel(header, muted_text("Your own account: another admin can change it.", size=12),
                      key=f"account-{user.username}")

    async def set_role(e):
        await controller.admin.set_role(user, e.control.data)

    role_menu = ft.PopupMenuButton(
        key=f"role-menu-{user.username}", tooltip="Change role",
        content=ft.Row(tight=True, spacing=4, controls=[ft.Icon(ft.Icons.BADGE_OUTLINED, size=18),
                                                        ft.Text("Change role")]),
        # No ``checked`` items: Flutter's checked menu entries leave the accessibility tree empty on the web.
        items=[ft.PopupMenuItem(content=ROLE_NAMES[role] + (" (now)" if role == user.role else ""), data=role,
                                icon=ft.Icons.CHECK if role == user.role else ft.Icons.PERSON_OUTLINE,
                                on_click=set_role) for role in ROLES])

    async def enable(_):
        await controller.admin.set_disabled(user, False)

    toggle = ft.OutlinedButton("Enable", key=f"enable-{user.username}", icon=ft.Icons.LOCK_OPEN, on_click=enable) \
        if user.disabled else \
        ft.OutlinedButton("Disable", key=f"disable-{user.username}", icon=ft.Icons.BLOCK,
                          on_click=lambda _: _confirm_disable(page, controller, user))
    reset = ft.OutlinedButton("Reset password", key=f"reset-{user.username}", icon=ft.Icons.KEY,
                              on_click=lambda _: _confirm_reset(page, controller, user))
    return panel(header, ft.Row([role_menu, toggle, reset], wrap=True, spacing=8, run_spacing=8),
                  key=f"account-{user.username}")


def _confirm_disable(page: ft.Page, controller, user: AdminUser) -> None:
    async def disable(_):
        page.pop_dialog()
        await controller.admin.set_disabled(user, True)

    page.show_dialog(ft.AlertDialog(
        modal=True, title=ft.Text(f"Disable {user.username}?"),
        content=ft.Text(f"{user.username} is signed out everywhere and can't sign in until the account is enabled "
                        "again. Their posts stay.", width=380),
        actions=[ft.TextButton("Cancel", on_click=lambda _: page.pop_dialog()),
                 ft.FilledButton("Yes, disable", key="confirm-disable", on_click=disable)]))


def _confirm_reset(page: ft.Page, controller, user: AdminUser) -> None:
    async def reset(_):
        page.pop_dialog()
        password = await controller.admin.reset_password(user)
        if password:
            _show_temporary_password(page, controller, user, password)

    page.show_dialog(ft.AlertDialog(
        modal=True, title=ft.Text(f"Reset {user.username}'s password?"),
        content=ft.Text("Their current password stops working and they are signed out. You get a temporary "
                        "password to give them; they choose a new one when they sign in with it.", width=380),
        actions=[ft.TextButton("Cancel", on_click=lambda _: page.pop_dialog()),
                 ft.FilledButton("Yes, reset", key="confirm-reset", on_click=reset)]))


def _show_temporary_password(page: ft.Page, controller, user: AdminUser, password: str) -> None:
    """Shown once: the server keeps only its hash."""
    copy = ft.FilledTonalButton("Copy", key="copy-password", icon=ft.Icons.COPY)
    copy.on_click = act(copy_text, page, controller, password, "password", copy)
    page.show_dialog(ft.AlertDialog(
        modal=True, key="temporary-password-dialog", title=ft.Text(f"Temporary password for {user.username}"),
        content=ft.Column(tight=True, width=380, spacing=SPACING, controls=[
            ft.Text(f"Give it to {user.username} in person or over a channel you trust. It works for one sign-in, "
                    "then they must choose their own. It will not be shown again."),
            ft.Container(padding=SPACING, border_radius=8, bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
                         content=ft.Text(password, key="temporary-password", selectable=True, size=20,
                                         weight=ft.FontWeight.BOLD)),
        ]),
        actions=[copy, ft.FilledButton("Done", key="close-password", on_click=lambda _: page.pop_dialog())]))


# -- invites ----------------------------------------------------------------------------------------------
@ft.component
def InvitesSection(invites: InvitesModel):
    controller = use_controller()
    page = ft.context.page
    count = ft.use_ref(DEFAULT_INVITES)
    ft.on_mounted(act(controller.admin.load_invites))

    async def create(_=None):
        try:
            wanted = int(str(count.current).strip())
        except ValueError:
            controller.toast("Say how many invite codes to make, as a number.")
            return
        await controller.admin.create_invites(wanted)

    fresh = []
    if invites.new_codes:
        codes = "\n".join(invites.new_codes)
        fresh = [ft.Container(padding=SPACING, border_radius=12, bgcolor=ft.Colors.PRIMARY_CONTAINER, key="new-codes",
                              content=ft.Column(spacing=6, controls=[
                                  ft.Text("New invite codes — each lets one person create an account:",
                                          weight=ft.FontWeight.BOLD),
                                  *[ft.Text(code, selectable=True, key=f"code-{code}")
                                    for code in invites.new_codes],
                                  ft.TextButton("Copy all", icon=ft.Icons.COPY,
                                                on_click=act(copy_text, page, controller, codes, "invite codes")),
                              ]))]
    if invites.error and not invites.items:
        listing = [notice(invites.error, act(controller.admin.load_invites), key="invites-error")]
    elif not invites.loaded:
        listing = [spinner()]
    elif not invites.items:
        listing = [notice("No invite codes yet.", key="invites-empty")]
    else:
        listing = [ft.ListTile(
            key=f"invite-{i.invite_id}", dense=True,
            leading=ft.Icon(INVITE_ICONS.get(i.status, ft.Icons.MAIL_OUTLINE)),
            title=ft.Text(f"Used by {i.used_by}" if i.used and i.used_by else INVITE_STATES.get(i.status, i.status)),
            subtitle=ft.Text(" · ".join(part for part in (
                f"made {when(i.created_at)}" + (f" by {i.created_by}" if i.created_by else "") if i.created_at else "",
                f"used {when(i.used_at)}" if i.used_at else
                (f"expires {when(i.expires_at)}" if i.expires_at and i.status == "open" else "")) if part)))
            for i in invites.items]
    return ft.Column(spacing=SPACING, controls=[
        heading("Invites"),
        muted_text("Where the server registers by invitation, an invite code lets one person create an account. "
                   "Codes are shown only when made (the server keeps no copy): hand them out then."),
        ft.Row(wrap=True, spacing=8, controls=[
            ft.TextField(key="invite-count", label="How many", value=count.current, width=120,
                         keyboard_type=ft.KeyboardType.NUMBER, on_change=typed_into(count), on_submit=create),
            ft.FilledButton("Create invite codes", key="create-invites", icon=ft.Icons.ADD, on_click=create),
        ], vertical_alignment=ft.CrossAxisAlignment.CENTER),
        *fresh,
        *listing,
    ])


# -- the server -------------------------------------------------------------------------------------------
def _stat(value: str, label: str, key: str, alert: bool = False) -> ft.Control:
    return ft.Container(
        key=key, width=150, padding=SPACING, border_radius=12,
        bgcolor=ft.Colors.ERROR_CONTAINER if alert else ft.Colors.SURFACE_CONTAINER_HIGH,
        content=ft.Column(spacing=2, controls=[ft.Text(value, size=22, weight=ft.FontWeight.BOLD), ft.Text(label, size=12)]))


@ft.component
def ServerSection(server: ServerModel):
    controller = use_controller()
    ft.on_mounted(act(controller.admin.load_server))
    if server.error and server.stats is None:
        return notice(server.error, act(controller.admin.load_server), key="server-error")
    if not server.loaded:
        return spinner()
    stats = server.stats
    tiles = []
    if stats is not None:
        tiles = [_stat(str(stats.users), "accounts", "stat-users"), _stat(str(stats.posts), "posts", "stat-posts"),
                 _stat(human_bytes(stats.storage_bytes), "of media stored", "stat-storage"),
                 _stat(str(stats.jobs_queued), "jobs waiting", "stat-queued"),
                 _stat(str(stats.jobs_failed), "jobs failed", "stat-failed", alert=stats.jobs_failed > 0),
                 _stat(str(stats.reports_open), "open reports", "stat-reports", alert=stats.reports_open > 0)]
        tiles += [_stat(str(v), EXTRA_COUNTS.get(k, k.replace("_", " ")), f"stat-{k}") for k, v in stats.extra.items()]
    jobs: list[ft.Control] = [ft.ListTile(
        key=f"job-{job.job_id}", leading=ft.Icon(ft.Icons.ERROR_OUTLINE, color=ft.Colors.ERROR),
        title=ft.Text(f"{job.kind} · {job.attempts} attempt{'s' if job.attempts != 1 else ''}"),
        subtitle=ft.Text((job.error or "No reason recorded.") + (f"\n{when(job.updated_at)}" if job.updated_at else ""),
                         max_lines=3, overflow=ft.TextOverflow.ELLIPSIS),
        trailing=ft.IconButton(ft.Icon(ft.Icons.REPLAY, semantics_label=f"Retry job {job.job_id}"),
                               on_click=act(controller.admin.retry_jobs, job.job_id)))
        for job in server.failed_jobs]
    if not jobs:
        jobs = [notice("No failed jobs. Everything the server was asked to do got done.", key="jobs-empty")]
    settings = [ft.Column([ft.Text(name, weight=ft.FontWeight.W_500, size=13),
                           ft.Text("—" if value in (None, "") else str(value), selectable=True, size=13,
                                   color=ft.Colors.ON_SURFACE_VARIANT)],
                          key=f"setting-{name}", spacing=0)
                for name, value in sorted(server.settings.items())]
    return ft.Column(spacing=SPACING, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=[
        ft.Row([heading("Storage and counts"),
                ft.IconButton(ft.Icon(ft.Icons.REFRESH, semantics_label="Refresh"), key="refresh-server",
                              on_click=act(controller.admin.load_server))], alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
        *([ft.Text(server.error, color=ft.Colors.ERROR)] if server.error else []),
        ft.Row(tiles, wrap=True, spacing=8, run_spacing=8),
        ft.Row([heading("Failed jobs"),
                ft.OutlinedButton("Retry all", key="retry-all", icon=ft.Icons.REPLAY, disabled=not server.failed_jobs,
                                  on_click=act(controller.admin.retry_jobs, None))],
               alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
        *jobs,
        heading("Settings in force"),
        muted_text("Read-only: settings come from the server's environment or settings file (secrets are hidden)."),
        panel(*(settings or [muted_text("The server did not list its settings.")]), key="settings-list"),
    ])
