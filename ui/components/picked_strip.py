"""The photos picked for a post, in posting order: tap one to edit it, drag one onto another's place (or move the
one being edited earlier or later with the buttons, for the keyboard and screen readers), remove it."""

from __future__ import annotations

import flet as ft

from ..create_models import CreateItem
from .post_card import action_icon

THUMB = 60
BADGE = 20
FEEDBACK = 44  # the photo under the pointer while it is dragged
GROUP = "picked-photos"  # a drag from the strip is only taken by the strip


@ft.component
def PickedStrip(items: list[CreateItem], selected: int, on_select, on_move, on_drop, on_remove, on_add, can_add: bool):
    """``on_drop(key, onto_key)``: the photo ``key`` was dropped on the photo ``onto_key`` (it takes its place)."""
    count = len(items)
    over, set_over = ft.use_state(None)  # the key of the photo a dragged one is held over

    def thumb(index: int, item: CreateItem, label: str | None, side: int = THUMB) -> ft.Control:
        if not item.thumb:
            return ft.ProgressRing(width=20, height=20)
        return ft.Image(src=item.thumb, width=side, height=side, fit=ft.BoxFit.COVER, gapless_playback=True,
                        semantics_label=label)

    def badge(index: int, chosen: bool) -> ft.Control:
        """The photo's place in the post, in its corner (the one being edited filled with the accent)."""
        # the tile's label already says its place: the number is for the eye only (an empty label keeps it out of
        # what a screen reader says; Flet 0.82.2's ft.Semantics draws no content, so it cannot wrap it)
        return ft.Container(
            ft.Text(str(index + 1), size=11, weight=ft.FontWeight.BOLD, semantics_label="",
                    color=ft.Colors.ON_PRIMARY if chosen else ft.Colors.WHITE),
            left=2, top=2, width=BADGE, height=BADGE, border_radius=BADGE / 2, alignment=ft.Alignment.CENTER,
            bgcolor=ft.Colors.PRIMARY if chosen else ft.Colors.with_opacity(0.6, ft.Colors.BLACK))

    def dropped(key: str):
        def handler(e):
            set_over(None)
            source = getattr(getattr(e, "src", None), "data", None)
            if source is not None and source != key:
                on_drop(source, key)
        return handler

    def held_over(key: str):
        def handler(e):
            source = getattr(getattr(e, "src", None), "data", None)
            set_over(key if e.accept and source != key else None)
        return handler

    def left(key: str):
        def handler(_=None):
            if over == key:
                set_over(None)
        return handler

    def tile(index: int, item: CreateItem) -> ft.Control:
        chosen = index == selected
        target = over == item.key
        label = f"Edit photo {index + 1} of {count}{' (editing)' if chosen else ''}"
        face = ft.Container(
            ft.Stack([thumb(index, item, label), badge(index, chosen)], width=THUMB, height=THUMB,
                     alignment=ft.Alignment.CENTER),
            width=THUMB, height=THUMB, border_radius=6, alignment=ft.Alignment.CENTER,
            clip_behavior=ft.ClipBehavior.ANTI_ALIAS, bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
            border=ft.Border.all(3, ft.Colors.TERTIARY if target else ft.Colors.PRIMARY if chosen else ft.Colors.TRANSPARENT),
            opacity=0.6 if target else 1.0,
            on_click=lambda _, index=index: on_select(index),
        )
        if count < 2:
            return ft.Container(face, key=f"picked-{item.key}")
        return ft.Draggable(
            key=f"picked-{item.key}", group=GROUP, data=item.key, max_simultaneous_drags=1,
            content=ft.DragTarget(group=GROUP, data=item.key, content=face, on_will_accept=held_over(item.key),
                                  on_accept=dropped(item.key), on_leave=left(item.key)),
            # while dragged: a faded place in the strip, and the photo itself under the pointer
            content_when_dragging=ft.Container(width=THUMB, height=THUMB, border_radius=6, opacity=0.4,
                                               bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
                                               border=ft.Border.all(1, ft.Colors.OUTLINE)),
            # smaller than a tile and centred under the pointer, so the lit place below shows around it
            content_feedback=ft.Container(
                ft.Container(thumb(index, item, None, FEEDBACK), width=FEEDBACK, height=FEEDBACK, border_radius=6,
                             clip_behavior=ft.ClipBehavior.ANTI_ALIAS, border=ft.Border.all(2, ft.Colors.PRIMARY),
                             shadow=ft.BoxShadow(blur_radius=8, color=ft.Colors.with_opacity(0.4, ft.Colors.BLACK))),
                width=THUMB, height=THUMB, alignment=ft.Alignment.CENTER),
        )

    tiles = [tile(i, item) for i, item in enumerate(items)]
    if can_add:
        tiles.append(ft.Container(
            ft.IconButton(action_icon(ft.Icons.ADD_PHOTO_ALTERNATE, "Add more photos"), key="add-photos", on_click=on_add),
            width=THUMB, height=THUMB, alignment=ft.Alignment.CENTER, border_radius=6,
            border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT)))
    controls = [ft.Row(tiles, wrap=True, spacing=8, run_spacing=8)]
    buttons = [ft.IconButton(action_icon(ft.Icons.DELETE_OUTLINE, "Remove this photo"), key="remove-photo",
                             on_click=lambda _: on_remove())]
    if count > 1:
        buttons[:0] = [
            ft.IconButton(action_icon(ft.Icons.ARROW_BACK, "Move earlier"), key="move-earlier",
                          on_click=lambda _: on_move(-1), disabled=selected == 0),
            ft.Text(f"Photo {selected + 1} of {count}", key="picked-position", weight=ft.FontWeight.BOLD),
            ft.IconButton(action_icon(ft.Icons.ARROW_FORWARD, "Move later"), key="move-later",
                          on_click=lambda _: on_move(1), disabled=selected == count - 1),
        ]
    controls.append(ft.Row(buttons, spacing=4))
    if count > 1:
        controls.append(ft.Text("Drag a photo onto another's place to change the order.", size=12,
                                color=ft.Colors.ON_SURFACE_VARIANT))
    return ft.Column(controls, spacing=6, key="picked-strip")
