"""The photos picked for a post, in posting order: tap one to edit it, move it earlier or later, remove it."""

from __future__ import annotations

import flet as ft

from ..create_models import CreateItem
from .post_card import action_icon

THUMB = 60


@ft.component
def PickedStrip(items: list[CreateItem], selected: int, on_select, on_move, on_remove, on_add, can_add: bool):
    count = len(items)

    def tile(index: int, item: CreateItem) -> ft.Control:
        chosen = index == selected
        image = (ft.Image(src=item.thumb, fit=ft.BoxFit.COVER, gapless_playback=True,
                          semantics_label=f"Edit photo {index + 1} of {count}{' (editing)' if chosen else ''}")
                 if item.thumb else ft.ProgressRing(width=20, height=20))
        return ft.Container(
            image, key=f"picked-{item.key}", width=THUMB, height=THUMB, border_radius=6, alignment=ft.Alignment.CENTER,
            clip_behavior=ft.ClipBehavior.ANTI_ALIAS, bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
            border=ft.Border.all(3, ft.Colors.PRIMARY if chosen else ft.Colors.TRANSPARENT),
            on_click=lambda _, index=index: on_select(index),
        )

    tiles = [tile(i, item) for i, item in enumerate(items)]
    if can_add:
        tiles.append(ft.Container(
            ft.IconButton(action_icon(ft.Icons.ADD_PHOTO_ALTERNATE, "Add more photos"), key="add-photos", on_click=on_add),
            width=THUMB, height=THUMB, alignment=ft.Alignment.CENTER, border_radius=6,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT)))
    controls = [ft.Row(tiles, wrap=True, spacing=8, run_spacing=8)]
    if count > 1:
        controls.append(ft.Row([
            ft.IconButton(action_icon(ft.Icons.ARROW_BACK, "Move earlier"), key="move-earlier",
                          on_click=lambda _: on_move(-1), disabled=selected == 0),
            ft.Text(f"Photo {selected + 1} of {count}", key="picked-position"),
            ft.IconButton(action_icon(ft.Icons.ARROW_FORWARD, "Move later"), key="move-later",
                          on_click=lambda _: on_move(1), disabled=selected == count - 1),
            ft.IconButton(action_icon(ft.Icons.DELETE_OUTLINE, "Remove this photo"), key="remove-photo",
                          on_click=lambda _: on_remove()),
        ], spacing=4))
    return ft.Column(controls, spacing=6, key="picked-strip")
