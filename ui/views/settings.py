"""Settings, in sections with headings: Account (sign out; more account actions join it), Appearance (light, dark
or as the system), Privacy and safety, Shared links, Uploads (the queue, watched folders), About (the server,
the app's version, how news arrives)."""

from __future__ import annotations

import flet as ft

from app.live import POLL_SECONDS
from app import __version__ as APP_VERSION
from app.upload_queue import ItemState, QueueItem

from ..components.post_card import action_icon
from ..context import act, typed_into, use_controller
from ..models import AppState, QueueModel
from .. import theme
from ..navigation import THEME_MODES, NavigationModel
from ..theme import CONTENT_MAX_WIDTH, SPACING
from .account_actions import AccountActions
from .blocked import SafetySettings
from .shared_links import SharedLinksSection


LIVE_MODES = {"live": "News arrives live.",
              "polling": f"News is checked every {POLL_SECONDS:.0f} seconds (no live connection).",
              "offline": "Offline: news will arrive when the server can be reached.",
              "connecting": "Connecting for live news…"}


def _status(item: QueueItem) -> str:
    text = {ItemState.UPLOADING: f"uploading {round(item.progress * 100)}%"}.get(item.state, item.state.value)
    if item.error_message:
        text += f" — {item.error_message}"
    if item.state == ItemState.QUEUED and item.attempts:
        text += f" (tried {item.attempts}×)"
    return text


@ft.component
def QueueSection(queue: QueueModel):
    controller = use_controller()
    rows = []
    for item in reversed(queue.items):
        buttons = []
        if item.state in (ItemState.QUEUED, ItemState.UPLOADING):
            buttons.append(ft.IconButton(action_icon(ft.Icons.PAUSE, "Pause"), on_click=act(controller.queue.action, "pause", item.item_id)))
        if item.state in (ItemState.PAUSED, ItemState.FAILED):
            buttons.append(ft.IconButton(action_icon(ft.Icons.REPLAY, "Try again"), on_click=act(controller.queue.action, "resume", item.item_id)))
        if not item.finished:
            buttons.append(ft.IconButton(action_icon(ft.Icons.CLOSE, "Cancel"), on_click=act(controller.queue.action, "cancel", item.item_id)))
        else:
            buttons.append(ft.IconButton(action_icon(ft.Icons.DELETE_OUTLINE, "Remove from list"),
                                         on_click=act(controller.queue.action, "remove", item.item_id)))
        rows.append(ft.ListTile(key=f"queue-{item.item_id}", title=ft.Text(item.caption or "Photo"),
                                subtitle=ft.Text(f"{item.source.split(':')[0]} · {_status(item)}"),
                                trailing=ft.Row(buttons, tight=True)))
    return ft.Column([
        heading("Upload queue"),
        ft.Row(wrap=True, controls=[
            ft.OutlinedButton("Resume uploads" if queue.paused_all else "Pause uploads", key="pause-all",
                              on_click=act(controller.queue.action, "resume_all" if queue.paused_all else "pause_all")),
            ft.OutlinedButton("Retry now", on_click=act(controller.queue.action, "retry_all")),
            ft.TextButton("Clear finished", on_click=act(controller.queue.action, "clear")),
        ]),
        *(rows or [ft.Text("Nothing waiting. Every photo has been delivered.", key="queue-empty")]),
    ])


@ft.component
def FoldersSection(folders: list[str]):
    controller = use_controller()
    path = ft.use_ref("")
    added, set_added = ft.use_state(0)

    def add(_=None):
        if path.current.strip() and controller.queue.add_watched_folder(path.current.strip()):
            path.current = ""
            set_added(added + 1)

    return ft.Column([
        heading("Watched folders"),
        ft.Text("New photos saved into these folders are uploaded automatically, each once."),
        *[ft.ListTile(title=ft.Text(f), trailing=ft.IconButton(action_icon(ft.Icons.DELETE_OUTLINE, "Stop watching"),
                                                               on_click=act(controller.queue.remove_watched_folder, f)))
          for f in folders],
        ft.Row([ft.TextField(key=f"folder-path-{added}", label="Folder path", value=path.current, expand=True,
                             on_change=typed_into(path), on_submit=add),
                ft.OutlinedButton("Watch", key="watch-folder", on_click=add)]),
    ])


def heading(title: str) -> ft.Control:
    return ft.Text(title, size=18, weight=ft.FontWeight.BOLD)


def section(title: str, *controls: ft.Control, key: str | None = None) -> ft.Control:
    return ft.Column([heading(title), *controls], key=key, spacing=8)


def account_entries(state: AppState) -> list[ft.Control]:
    """The Account section's entries: who is signed in, and signing out. Further account actions (a copy of my
    data, deleting the account) belong here too."""
    controller = use_controller()
    return [
        ft.Text(f"Signed in as {state.me.username if state.me else '—'}", key="signed-in-as"),
        ft.ListTile(key="open-edit-profile", leading=ft.Icon(ft.Icons.PERSON_OUTLINE), title=ft.Text("Edit profile"),
                    subtitle=ft.Text("Photo, name, bio, private account"), trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT),
                    on_click=act(controller.navigate, "/edit-profile")),
        ft.FilledTonalButton("Sign out", key="sign-out", icon=ft.Icons.LOGOUT, on_click=act(controller.session.sign_out)),
        AccountActions(state.people.account_data),  # Download my data, Delete account (account_actions.py)
    ]


THEME_LABELS = {"system": ("As the system", ft.Icons.BRIGHTNESS_AUTO), "light": ("Light", ft.Icons.LIGHT_MODE),
                "dark": ("Dark", ft.Icons.DARK_MODE)}


@ft.component
def AppearanceSection(nav: NavigationModel):
    page = ft.context.page

    async def chosen(e):
        mode = (e.control.selected or ["system"])[0]
        nav.theme = mode
        await theme.choose_mode(page, mode)

    return section("Appearance", ft.Text("Theme", color=ft.Colors.ON_SURFACE_VARIANT), ft.SegmentedButton(
        key="theme-mode", selected=[nav.theme], on_change=chosen, show_selected_icon=False,
        segments=[ft.Segment(value=mode, label=ft.Text(THEME_LABELS[mode][0]),
                             icon=ft.Icon(THEME_LABELS[mode][1], semantics_label=f"{THEME_LABELS[mode][0]} theme"))
                  for mode in THEME_MODES]), key="appearance")


@ft.component
def SettingsView(state: AppState):
    controller = use_controller()
    return ft.Container(alignment=ft.Alignment.TOP_CENTER, padding=SPACING, expand=True, content=ft.Column(
        width=CONTENT_MAX_WIDTH, expand=True, scroll=ft.ScrollMode.AUTO, spacing=16, controls=[
            section("Account", *account_entries(state), key="account"),
            ft.Divider(),
            AppearanceSection(state.nav),
            ft.Divider(),
            SafetySettings(state.me),
            SharedLinksSection(state.sharing),
            ft.Divider(),
            QueueSection(state.queue),
            *([] if controller.core.per_browser else [FoldersSection(list(state.watched_folders))]),
            ft.Divider(),
            section("About",
                    ft.Text(f"Server: {state.server_url}", key="about-server"),
                    ft.Text(f"PhotoShare {APP_VERSION}", key="about-version"),
                    ft.Text(LIVE_MODES.get(state.live_mode, state.live_mode), key="live-mode"), key="about"),
        ]))
