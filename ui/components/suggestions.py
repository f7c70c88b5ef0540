"""People to follow, each with the reason it is suggested and a Follow button (the empty feed, search)."""

from __future__ import annotations

import flet as ft

from ..context import act, go, use_controller
from ..story_models import SuggestionsModel
from .photo import Avatar


@ft.component
def SuggestedPeople(suggestions: SuggestionsModel, title: str = "Suggested for you"):
    controller = use_controller()

    async def mounted():
        if not suggestions.loaded:
            await controller.explore.load_suggestions()

    ft.on_mounted(mounted)
    if not suggestions.users:
        return ft.Container(height=0)
    rows = [ft.Text(title, key="suggestions-title", weight=ft.FontWeight.BOLD)]
    for suggestion in suggestions.users:
        user = suggestion.user
        followed = user.username in suggestions.following
        button = (ft.OutlinedButton("Following", key=f"following-{user.username}", disabled=True) if followed
                  # The button says "Follow"; screen readers (and the UI tests) hear whom.
                  else ft.FilledButton(ft.Text("Follow", semantics_label=f"Follow {user.username}"), key=f"follow-{user.username}",
                                       on_click=act(controller.explore.follow, user.username)))
        rows.append(ft.ListTile(
            key=f"suggestion-{user.username}",
            leading=Avatar(user.username, user.avatar_url, 40),
            title=ft.Text(user.username),
            subtitle=ft.Text(suggestion.reason),
            trailing=button,
            on_click=go(controller, f"/profile/{user.username}"),
        ))
    return ft.Column(rows, key="suggestions", spacing=0)
