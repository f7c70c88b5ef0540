"""Posts with one hashtag, as a grid."""

from __future__ import annotations

import flet as ft

from ..components.grid import PhotoGrid
from ..context import act, use_controller
from ..models import AppState
from ..theme import CONTENT_MAX_WIDTH, SPACING


@ft.component
def TagView(state: AppState, tag: str):
    controller = use_controller()
    ft.use_effect(act(controller.feed.load_tag, tag), [tag])
    posts = state.tag(tag)
    more = [ft.TextButton("Load more", on_click=act(controller.feed.load_tag, tag, more=True))] if posts.next_cursor else []
    return ft.Container(alignment=ft.Alignment.TOP_CENTER, expand=True, content=ft.Column(
        width=CONTENT_MAX_WIDTH, expand=True, scroll=ft.ScrollMode.AUTO, controls=[
            ft.Container(ft.Text(f"#{tag}", size=22, weight=ft.FontWeight.BOLD), padding=SPACING),
            PhotoGrid(posts, "No posts with this tag yet."), *more]))
