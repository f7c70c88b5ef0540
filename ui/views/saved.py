"""Posts the user saved."""

from __future__ import annotations

import flet as ft

from ..context import act, use_controller
from ..models import AppState
from ..theme import CONTENT_MAX_WIDTH
from .feed import PostColumn


@ft.component
def SavedView(state: AppState):
    controller = use_controller()
    ft.on_mounted(act(controller.feed.load_saved))
    return ft.Container(alignment=ft.Alignment.TOP_CENTER, expand=True, content=ft.Column(
        width=CONTENT_MAX_WIDTH, expand=True, controls=[
            PostColumn(state.saved, lambda: controller.feed.load_saved(more=True), "Nothing saved yet. Tap the bookmark on a post.")]))
