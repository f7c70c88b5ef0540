"""Explore: a grid of ranked posts from accounts you do not follow, with infinite scroll; a tap opens the post."""

from __future__ import annotations

import flet as ft

from ..components.grid import PhotoGrid
from ..context import act, use_controller
from ..models import AppState, PostList
from ..theme import CONTENT_MAX_WIDTH, SPACING

# Start fetching the next page this far (in pixels) before the end, so scrolling rarely waits.
PREFETCH_PIXELS = 900


@ft.component
def ExploreView(state: AppState):
    return ExploreGrid(state.explore)


@ft.component
def ExploreGrid(posts: PostList):
    controller = use_controller()

    async def mounted():
        await controller.explore.load()  # each visit starts a new session: fresh ranking, nothing held back

    ft.on_mounted(mounted)

    async def scrolled(e: ft.OnScrollEvent):
        if posts.can_load_more and e.max_scroll_extent - e.pixels < PREFETCH_PIXELS:
            await controller.explore.load(more=True)

    tail = []
    if posts.loading:
        tail.append(ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER, padding=16))
    elif posts.next_cursor:
        tail.append(ft.TextButton("Load more", key="explore-more", on_click=act(controller.explore.load, more=True)))
    return ft.Container(alignment=ft.Alignment.TOP_CENTER, expand=True, content=ft.ListView(
        width=CONTENT_MAX_WIDTH, expand=True, on_scroll=scrolled, scroll_interval=200, key="explore-list", controls=[
            ft.Container(ft.Text("Explore", size=22, weight=ft.FontWeight.BOLD), padding=SPACING),
            PhotoGrid(posts, "Nothing to explore yet: when people here share photos, the best of them show up here."),
            *tail,
        ]))
