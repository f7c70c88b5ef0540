"""Search people and hashtags as you type (prefix match; '@' for people only, '#' for tags only)."""

from __future__ import annotations

import flet as ft

from ..components.photo import Avatar
from ..components.post_card import action_icon
from ..components.suggestions import SuggestedPeople
from ..context import go, use_controller
from ..models import AppState, SearchModel
from ..theme import CONTENT_MAX_WIDTH, SPACING


@ft.component
def SearchView(state: AppState):
    return SearchScreen(state.search, state)


@ft.component
def SearchScreen(search: SearchModel, state: AppState | None = None):
    controller = use_controller()
    text = ft.use_ref(search.query)
    # The field's value is stated once: re-renders as answers arrive must not echo an older text over faster typing.
    shown_at_start = ft.use_ref(search.query)

    async def typed(e):  # async: runs on the page's loop, where the debounce task lives
        text.current = e.control.value
        controller.search.typed(text.current)  # asks once the typing pauses

    async def run(_=None):
        await controller.search.find(text.current)

    results = [ft.ListTile(key=f"user-{u.username}", leading=Avatar(u.username, u.avatar_url), title=ft.Text(u.username),
                           on_click=go(controller, f"/profile/{u.username}")) for u in search.users]
    results += [ft.ListTile(key=f"tag-{h.tag}", leading=ft.Icon(ft.Icons.TAG), title=ft.Text(f"#{h.tag}"),
                            subtitle=ft.Text(f"{h.post_count} posts"), on_click=go(controller, f"/tags/{h.tag}"))
                for h in search.hashtags]
    if search.searched and not results:
        results = [ft.Text("Nothing found.", key="no-results")]
    if not search.query and state is not None:  # before anything is typed: people to follow
        results = [SuggestedPeople(state.suggestions, key="search-suggestions")]
    return ft.Container(alignment=ft.Alignment.TOP_CENTER, padding=SPACING, expand=True, content=ft.Column(
        width=CONTENT_MAX_WIDTH, expand=True, scroll=ft.ScrollMode.AUTO, controls=[
            ft.Row([
                ft.TextField(key="search-input", label="Search people and #tags", value=shown_at_start.current, expand=True,
                             on_change=typed, on_submit=run),
                ft.IconButton(action_icon(ft.Icons.SEARCH, "Search"), key="search-button", on_click=run),
            ]),
            *results,
        ]))
