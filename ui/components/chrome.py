"""The frame around every signed-in screen: offline banner, queued uploads strip, the tabs (a bar at the bottom,
or a rail at the side of a wide window) and a pushed screen's bar with Back."""

from __future__ import annotations

import flet as ft

from app.upload_queue import ItemState

from .post_card import action_icon
from ..context import act, use_controller
from ..models import AppState, NotificationsModel, QueueModel
from ..navigation import TABS, NavigationModel, tab_root
from ..theme import SPACING

BACK_LABEL = "Go back"  # not "Back": other screens have buttons named "Back …"
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
        bgcolor=ft.Colors.AMBER_200,  # a warning's colour in light and dark themes alike, so its text stays dark
        padding=8,
        content=ft.Row([ft.Icon(ft.Icons.CLOUD_OFF, color=ft.Colors.BLACK),
                        ft.Text("Offline — showing saved posts. Uploads wait in the queue.", color=ft.Colors.BLACK)],
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


def _tab_icons(notifications: NotificationsModel):
    """Each destination's (icon, lit icon, label); Activity's icon carries the unread count."""
    unread = notifications.unread
    for route, (icon, lit, label) in zip(TABS, _TAB_ICONS):
        if route == "/notifications" and unread:
            # The count rides on the icon's label too: screen readers (and the UI tests) hear it.
            # Only the unselected icon carries it: Flet 0.82.2 reads ``selected_icon`` as an icon name and
            # fails on a control there (and on the Activity screen the news is on show anyway).
            icon = ft.Icon(icon, badge=ft.Badge(label=str(unread) if unread < 100 else "99+"),
                           semantics_label=f"{unread} new")
        yield icon, lit, label


def _on_tab_change(state: AppState):
    controller = use_controller()

    async def changed(e):
        await controller.navigate(tab_root(TABS[int(e.control.selected_index)], state.me.username if state.me else None))

    return changed


@ft.component
def BottomTabs(state: AppState, nav: NavigationModel, notifications: NotificationsModel):
    """``nav`` and ``notifications`` are passed on their own so a change of the lit tab or the unread count
    redraws the tabs."""
    return ft.NavigationBar(key="tabs", selected_index=TABS.index(nav.tab) if nav.tab in TABS else 0,
                            on_change=_on_tab_change(state),
                            destinations=[ft.NavigationBarDestination(icon=icon, selected_icon=lit, label=label)
                                          for icon, lit, label in _tab_icons(notifications)])


@ft.component
def SideRail(state: AppState, nav: NavigationModel, notifications: NotificationsModel):
    """The bottom bar's destinations at the side of a wide window."""
    return ft.NavigationRail(key="rail", selected_index=TABS.index(nav.tab) if nav.tab in TABS else 0,
                             on_change=_on_tab_change(state), label_type=ft.NavigationRailLabelType.ALL,
                             destinations=[ft.NavigationRailDestination(icon=icon, selected_icon=lit, label=label)
                                           for icon, lit, label in _tab_icons(notifications)])


@ft.component
def TopBar(state: AppState, nav: NavigationModel, title: str):
    """A pushed screen's bar: Back (to the screen before, else the tab's root) and the screen's title."""
    controller = use_controller()

    async def back(_=None):
        await controller.navigate(nav.back_target(state.me.username if state.me else None))

    return ft.Container(key="top-bar", padding=ft.Padding.only(left=4, right=SPACING), content=ft.Row([
        ft.IconButton(action_icon(ft.Icons.ARROW_BACK, BACK_LABEL), key="go-back", tooltip=BACK_LABEL, on_click=back),
        ft.Text(title, size=18, weight=ft.FontWeight.BOLD, expand=True, max_lines=1,
                overflow=ft.TextOverflow.ELLIPSIS, key="screen-title"),
    ], spacing=4), border=ft.Border.only(bottom=ft.BorderSide(1, ft.Colors.OUTLINE_VARIANT)))
