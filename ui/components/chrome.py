"""The frame around every signed-in screen: offline banner, queued uploads strip, bottom tabs."""

from __future__ import annotations

import flet as ft

from app.upload_queue import ItemState

from .post_card import action_icon
from ..context import act, use_controller
from ..models import AppState, NotificationsModel, QueueModel
from ..routes import TABS

_TAB_ICONS = (
    (ft.Icons.HOME_OUTLINED, ft.Icons.HOME, "Home"),
    (ft.Icons.SEARCH, ft.Icons.SEARCH, "Search"),
    (ft.Icons.EXPLORE_OUTLINED, ft.Icons.EXPLORE, "Explore"),
    (ft.Icons.ADD_BOX_OUTLINED, ft.Icons.ADD_BOX, "New post"),
    (ft.Icons.FAVORITE_BORDER, ft.Icons.FAVORITE, "Activity"),
    (ft.Icons.PERSON_OUTLINE, ft.Icons.PERSON, "Profile"),
)


@ft.component
def OfflineBanner(state: AppState):
    if state.online:
        return ft.Container(height=0)
    return ft.Container(
        key="offline-banner",
        bgcolor=ft.Colors.AMBER_200,
        padding=8,
        content=ft.Row([ft.Icon(ft.Icons.CLOUD_OFF), ft.Text("Offline — showing saved posts. Uploads wait in the queue.")],
                       wrap=True),
    )


@ft.component
def QueueStrip(queue: QueueModel):
    """Uploads not yet delivered, always visible, so nobody wonders where a photo went."""
    controller = use_controller()
    pending = queue.pending
    if not pending:
        return ft.Container(height=0)
    rows = []
    for item in pending[:3]:
        label = {ItemState.UPLOADING: f"Uploading {round(item.progress * 100)}%",
                 ItemState.PAUSED: "Paused", ItemState.QUEUED: "Waiting to upload"}.get(item.state, item.state.value)
        if item.error_message and item.state != ItemState.UPLOADING:
            label += f" — {item.error_message}"
        rows.append(ft.Row(
            key=f"queue-strip-{item.item_id}",
            controls=[
                ft.ProgressRing(value=item.progress if item.state == ItemState.UPLOADING else None, width=18, height=18),
                ft.Text(f"{item.caption or 'Photo'}: {label}", expand=True, max_lines=2),
                ft.IconButton(action_icon(ft.Icons.CLOSE, "Cancel upload"), on_click=act(controller.queue.cancel_upload, item.item_id)),
            ],
        ))
    if queue.paused_all:
        rows.append(ft.Text("Uploads are paused (Settings)."))
    return ft.Container(key="queue-strip", bgcolor=ft.Colors.SURFACE_CONTAINER, padding=8, content=ft.Column(rows, spacing=4))


@ft.component
def BottomTabs(state: AppState, tab: str | None, notifications: NotificationsModel):
    """``notifications`` is passed on its own so a change of the unread count redraws the tabs."""
    controller = use_controller()

    async def changed(e):
        target = TABS[int(e.control.selected_index)]
        if target == "/me":
            target = f"/profile/{state.me.username}" if state.me else "/welcome"
        await controller.navigate(target)

    selected = TABS.index(tab) if tab in TABS else 0
    unread = notifications.unread
    destinations = []
    for route, (icon, lit, label) in zip(TABS, _TAB_ICONS):
        if route == "/notifications" and unread:
            # The count rides on the icon's label too: screen readers (and the UI tests) hear it.
            # Only the unselected icon carries it: Flet 0.82.2 reads ``selected_icon`` as an icon name and
            # fails on a control there (and on the Activity screen the news is on show anyway).
            icon = ft.Icon(icon, badge=ft.Badge(label=str(unread) if unread < 100 else "99+"),
                           semantics_label=f"{unread} new")
        destinations.append(ft.NavigationBarDestination(icon=icon, selected_icon=lit, label=label))
    return ft.NavigationBar(key="tabs", selected_index=selected, on_change=changed, destinations=destinations)
