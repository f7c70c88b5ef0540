"""The admin console: the report queue for moderators and admins; accounts, invites and the server for admins.

One route per section (``/admin/reports``, ``/admin/accounts``, ``/admin/invites``, ``/admin/server``), so
the address says where one is. Laid out in one column that reads on a phone (390 px) and stays at most
``CONSOLE_MAX_WIDTH`` wide on a desktop.
"""

from __future__ import annotations

import flet as ft

from app.admin_types import Report

from ..components.console import badge, heading, muted_text, notice, panel, spinner, when
from ..components.photo import Avatar, Photo
from ..context import act, go, use_controller
from ..models import AppState
from ..safety_models import AdminModel, ReportsModel
from ..theme import SPACING
from .admin_sections import AccountsSection, InvitesSection, ServerSection

CONSOLE_MAX_WIDTH = 760
SECTIONS = {"reports": "Reports", "accounts": "Accounts", "invites": "Invites", "server": "Server"}
MODERATOR_SECTIONS = ("reports",)
REASON_NAMES = {"spam": "Spam", "nudity": "Nudity", "violence": "Violence", "harassment": "Harassment", "other": "Other"}
DECISIONS = {  # action: (button, dialog title, what happens, the dialog's yes)
    "dismiss": ("Dismiss", "Dismiss this report?", "Nothing is removed; the {what} is shown again if it was hidden.",
                "Yes, dismiss"),
    "remove": ("Remove {what}", "Remove this {what}?", "It is deleted for everyone. Its author is not told who reported it.",
               "Yes, remove"),
    "disable_user": ("Disable account", "Disable {name}?",
                     "{name} is signed out everywhere and can't sign in until an admin enables the account again.",
                     "Yes, disable"),
}
OUTCOMES = {"dismiss": "Dismissed", "remove": "Removed", "disable_user": "Account disabled"}


@ft.component
def AdminView(state: AppState, section: str = "reports"):
    controller = use_controller()
    me = state.me
    if me is None or not me.is_staff:
        return notice("The admin console is for this server's moderators and admins.", key="admin-refused")
    allowed = tuple(SECTIONS) if me.role == "admin" else MODERATOR_SECTIONS
    section = section if section in allowed else "reports"
    picker = []
    if len(allowed) > 1:
        picker = [ft.Row(wrap=True, spacing=6, run_spacing=6, key="admin-sections", controls=[
            ft.Chip(label=ft.Text(SECTIONS[name]), key=f"section-{name}", selected=name == section,
                    show_checkmark=False, on_select=go(controller, f"/admin/{name}")) for name in allowed])]
    return ft.Container(alignment=ft.Alignment.TOP_CENTER, padding=SPACING, expand=True, content=ft.Column(
        width=CONSOLE_MAX_WIDTH, expand=True, scroll=ft.ScrollMode.AUTO, spacing=SPACING, controls=[
            ft.Row([ft.Icon(ft.Icons.ADMIN_PANEL_SETTINGS_OUTLINED, color=ft.Colors.PRIMARY),
                    ft.Text("Admin console" if me.role == "admin" else "Moderation", size=22,
                            weight=ft.FontWeight.BOLD, key="admin-title")]),
            muted_text(f"Signed in as {me.username} ({me.role})."),
            *picker,
            AdminSection(state.admin, section),
        ]))


@ft.component
def AdminSection(admin: AdminModel, section: str):
    if section == "accounts":
        return AccountsSection(admin.users, key="accounts")
    if section == "invites":
        return InvitesSection(admin.invites, key="invites")
    if section == "server":
        return ServerSection(admin.server, key="server")
    return ReportsSection(admin.reports, key="reports")


@ft.component
def ReportsSection(reports: ReportsModel):
    controller = use_controller()
    ft.on_mounted(act(controller.admin.load_reports))
    status_chips = ft.Row(wrap=True, spacing=6, controls=[
        *[ft.Chip(label=ft.Text(label), key=f"reports-{status}", selected=reports.status == status,
                  show_checkmark=False, on_select=act(controller.admin.load_reports, status))
          for status, label in (("open", "Open"), ("resolved", "Resolved"))],
        ft.IconButton(ft.Icon(ft.Icons.REFRESH, semantics_label="Refresh reports"), key="refresh-reports",
                      on_click=act(controller.admin.load_reports)),
    ])
    body: list[ft.Control]
    if reports.error and not reports.items:
        body = [notice(reports.error, act(controller.admin.load_reports), key="reports-error")]
    elif not reports.loaded or (reports.loading and not reports.items):
        body = [spinner()]
    elif not reports.items:
        body = [notice("No open reports. Nothing needs review." if reports.status == "open"
                       else "No resolved reports yet.", key="reports-empty")]
    else:
        body = [ReportCard(r, reports.working == r.report_id, key=r.report_id) for r in reports.items]
        if reports.next_cursor:
            body.append(ft.TextButton("Load more", on_click=act(controller.admin.load_reports, None, True)))
    return ft.Column(spacing=SPACING, controls=[
        heading("Reports"),
        muted_text("What people reported, most recent first. A target reported by several people is hidden "
                   "until someone here decides."),
        status_chips, *body])


def _preview(report: Report, controller) -> ft.Control:
    target = report.target
    name = target.username if target and target.username else "someone"
    if target is None:
        gone = "Removed" if report.action == "remove" else "Deleted"  # by a moderator here, or by its author
        title, text, picture = f"{gone} {report.target_type}", "", None
    elif report.target_type == "user":
        title, text, picture = f"Account {name}", target.text, Avatar(name, target.image_url, 56)
    elif report.target_type == "comment":
        title, text, picture = f"Comment by {name}", target.text, ft.Icon(ft.Icons.CHAT_BUBBLE_OUTLINE, size=40)
    else:
        title, text = f"Post by {name}", target.text
        picture = ft.Container(Photo(target.image_url, None, 1.0, f"Reported photo by {name}"), width=72, height=72,
                               border_radius=8, clip_behavior=ft.ClipBehavior.HARD_EDGE)
    opens = f"/post/{target.post_id}" if target and target.post_id else f"/profile/{name}" if target else None
    return ft.Container(on_click=go(controller, opens) if opens else None, content=ft.Row(
        vertical_alignment=ft.CrossAxisAlignment.START, spacing=SPACING, controls=[
            *([picture] if picture is not None else []),
            ft.Column(expand=True, spacing=2, controls=[
                ft.Text(title, weight=ft.FontWeight.BOLD, key=f"report-title-{report.report_id}"),
                *([ft.Text(text, max_lines=3, overflow=ft.TextOverflow.ELLIPSIS)] if text else []),
            ]),
        ]))


@ft.component
def ReportCard(report: Report, working: bool):
    controller = use_controller()
    page = ft.context.page
    what = {"user": "account"}.get(report.target_type, report.target_type)
    author = report.target.username if report.target and report.target.username else "this account"
    people = f"Reported by {report.reporter_count} {'person' if report.reporter_count == 1 else 'people'}"
    badges = [badge(f"{REASON_NAMES.get(reason, reason)} × {count}", key=f"reason-{reason}")
              for reason, count in sorted(report.reasons.items(), key=lambda kv: -kv[1])]
    if report.hidden:
        badges.append(badge("Hidden until reviewed", ft.Colors.ERROR_CONTAINER, key="hidden-badge"))
    controls: list[ft.Control] = [
        _preview(report, controller),
        ft.Row(badges, wrap=True, spacing=6, run_spacing=6),
        muted_text(f"{people} · first {when(report.created_at)}", size=12),
    ]
    if report.status == "open":
        actions = ["dismiss", "disable_user"] if report.target_type == "user" else ["dismiss", "remove", "disable_user"]
        buttons = []
        for action in actions:
            label = DECISIONS[action][0].format(what=what)
            style = ft.FilledButton if action == "disable_user" else ft.OutlinedButton
            buttons.append(style(label, key=f"resolve-{action}-{report.report_id}", disabled=working,
                                 on_click=lambda _, a=action: decide_dialog(page, controller, report, a, what, author)))
        controls.append(ft.Row(buttons, wrap=True, spacing=8, run_spacing=8))
    else:
        outcome = OUTCOMES.get(report.action or "", "Resolved")
        by = f" by {report.resolved_by}" if report.resolved_by else ""
        at = f" {when(report.resolved_at)}" if report.resolved_at else ""
        controls.append(ft.Text(f"{outcome}{by}{at}" + (f" — “{report.note}”" if report.note else ""),
                                key=f"outcome-{report.report_id}", weight=ft.FontWeight.W_500))
    return panel(*controls, key=f"report-{report.report_id}")


def decide_dialog(page: ft.Page, controller, report: Report, action: str, what: str, author: str) -> None:
    _, title, explanation, yes = DECISIONS[action]
    note = ft.TextField(key="decision-note", label="Note for the audit log (optional)", multiline=True, min_lines=1,
                        max_lines=4, max_length=500)
    confirm = ft.FilledButton(yes, key="confirm-decision")

    async def decide(_):
        confirm.disabled = True
        confirm.update()
        page.pop_dialog()
        await controller.admin.resolve(report, action, note.value or "")

    confirm.on_click = decide
    page.show_dialog(ft.AlertDialog(
        modal=True, key="decision-dialog", title=ft.Text(title.format(what=what, name=author)),
        content=ft.Column(tight=True, width=380, spacing=8, controls=[
            ft.Text(explanation.format(what=what, name=author)), note]),
        actions=[ft.TextButton("Cancel", key="cancel-decision", on_click=lambda _: page.pop_dialog()), confirm],
    ))

