"""My profile's two tabs: Posts (the grid) and Albums (views/albums.py)."""

from __future__ import annotations

from typing import Callable

import flet as ft

from ..context import act, use_controller
from ..sharing_models import SharingState
from ..theme import SPACING
from .albums import AlbumsSection


@ft.component
def ProfileTabs(sharing: SharingState, posts_grid: Callable[[], ft.Control]):
    """``posts_grid()`` makes the grid here: a component handed over ready-made would lose its taps once these
    tabs redraw (Flet 0.82.2, flet-dev/flet#6857; see ``PostColumn``)."""
    controller = use_controller()
    showing = sharing.profile_tab

    def show(tab: str):
        def handler(_=None):
            sharing.profile_tab = tab
        return handler

    tabs = ft.Row(alignment=ft.MainAxisAlignment.CENTER, controls=[
        ft.TextButton("Posts", key="tab-posts", icon=ft.Icons.GRID_ON,
                      style=ft.ButtonStyle(color=ft.Colors.PRIMARY if showing == "posts" else ft.Colors.ON_SURFACE_VARIANT),
                      on_click=show("posts")),
        ft.TextButton("Albums", key="tab-albums", icon=ft.Icons.PHOTO_ALBUM_OUTLINED,
                      style=ft.ButtonStyle(color=ft.Colors.PRIMARY if showing == "albums" else ft.Colors.ON_SURFACE_VARIANT),
                      on_click=show("albums")),
        ft.TextButton("Share profile", key="share-my-profile", icon=ft.Icons.LINK,
                      on_click=act(controller.sharing.share, "profile")),
    ])
    body = ft.Container(AlbumsSection(sharing), padding=SPACING) if showing == "albums" else posts_grid()
    return ft.Column([tabs, body], spacing=0)
