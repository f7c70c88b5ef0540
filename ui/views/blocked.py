"""What a profile I blocked shows instead of itself, and the Settings lists of blocked and muted accounts."""

from __future__ import annotations

import flet as ft

from app.api_types import UserSummary

from ..components.photo import Avatar
from ..context import act, go, use_controller
from ..models import AppState
from ..safety_models import SafetyModel
from ..theme import CONTENT_MAX_WIDTH, SPACING

LISTS = {
    "blocked": ("Blocked accounts", "Blocked accounts can't find your profile, see your posts or follow you, and you "
                "don't see theirs. They are not told.", "You haven't blocked anyone.", "Unblock"),
    "muted": ("Muted accounts", "Posts and stories from muted accounts stay out of your feed. They can still see and "
              "follow you, and they are not told.", "You haven't muted anyone.", "Unmute"),
}


@ft.component
def BlockedProfile(user: UserSummary):
    controller = use_controller()
    return ft.Container(alignment=ft.Alignment.TOP_CENTER, padding=24, expand=True, content=ft.Column(
        width=CONTENT_MAX_WIDTH, spacing=SPACING, horizontal_alignment=ft.CrossAxisAlignment.CENTER, controls=[
            Avatar(user.username, user.avatar_url, 72),
            ft.Text(user.username, size=20, weight=ft.FontWeight.BOLD),
            ft.Text(f"You blocked {user.username}", key="blocked-note", size=16),
            ft.Text("You don't see each other's posts or profiles, and neither of you can follow the other.",
                    text_align=ft.TextAlign.CENTER, color=ft.Colors.ON_SURFACE_VARIANT),
            ft.FilledTonalButton(f"Unblock {user.username}", key="unblock", icon=ft.Icons.LOCK_OPEN,
                                 on_click=act(controller.safety.unblock, user)),
        ]))


@ft.component
def AccountsListView(state: AppState, which: str):
    return AccountsList(state.safety, which if which in LISTS else "blocked")


@ft.component
def AccountsList(safety: SafetyModel, which: str):
    controller = use_controller()
    title, explanation, empty, undo = LISTS[which]
    ft.on_mounted(act(controller.safety.ensure_loaded, force=True))
    users = safety.blocked if which == "blocked" else safety.muted
    action = controller.safety.unblock if which == "blocked" else controller.safety.unmute
    rows: list[ft.Control] = [ft.ListTile(
        key=f"{which}-{u.username}", leading=Avatar(u.username, u.avatar_url, 40), title=ft.Text(u.username),
        trailing=ft.OutlinedButton(f"{undo}", key=f"undo-{u.username}", on_click=act(action, u)),
    ) for u in users]
    if not safety.loaded:
        rows = [ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER, padding=24)]
    elif safety.error and not users:
        rows = [ft.Text(safety.error, color=ft.Colors.ERROR),
                ft.TextButton("Try again", on_click=act(controller.safety.ensure_loaded, True))]
    elif not users:
        rows = [ft.Container(ft.Text(empty, key=f"{which}-empty", color=ft.Colors.ON_SURFACE_VARIANT), padding=24,
                             alignment=ft.Alignment.CENTER)]
    return ft.Container(alignment=ft.Alignment.TOP_CENTER, padding=SPACING, expand=True, content=ft.Column(
        width=CONTENT_MAX_WIDTH, expand=True, scroll=ft.ScrollMode.AUTO, spacing=SPACING, controls=[
            ft.Text(title, size=22, weight=ft.FontWeight.BOLD),  # the bar above has Back (to Settings)
            ft.Text(explanation, color=ft.Colors.ON_SURFACE_VARIANT),
            *rows,
        ]))


def SafetySettings(me) -> ft.Control:
    """Settings' "Privacy and safety" part: my blocked and muted accounts, and the console for staff."""
    controller = use_controller()
    tiles = [
        ft.ListTile(key="open-blocked", leading=ft.Icon(ft.Icons.BLOCK), title=ft.Text("Blocked accounts"),
                    subtitle=ft.Text("People who can't see you, and whom you don't see"),
                    trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT), on_click=go(controller, "/settings/blocked")),
        ft.ListTile(key="open-muted", leading=ft.Icon(ft.Icons.VOLUME_OFF_OUTLINED), title=ft.Text("Muted accounts"),
                    subtitle=ft.Text("People whose posts stay out of your feed"),
                    trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT), on_click=go(controller, "/settings/muted")),
    ]
    if me is not None and me.is_staff:
        tiles.append(ft.ListTile(
            key="open-admin", leading=ft.Icon(ft.Icons.ADMIN_PANEL_SETTINGS_OUTLINED),
            title=ft.Text("Admin console" if me.role == "admin" else "Moderation"),
            subtitle=ft.Text("Reports, accounts, invites and the server" if me.role == "admin" else "The report queue"),
            trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT), on_click=go(controller, "/admin")))
    return ft.Column([ft.Text("Privacy and safety", size=18, weight=ft.FontWeight.BOLD), *tiles], spacing=4)
