"""A post's photos one at a time: swipe, or the arrows (a mouse cannot swipe), with dots below."""

from __future__ import annotations

import flet as ft

from app.api_types import Media

from ..theme import ACCENT
from .photo import Photo
from .video import media_player

DOT_SIZE = 7
ARROW_BACKDROP = ft.Colors.with_opacity(0.55, ft.Colors.WHITE)


def variant_url(media: Media, preferred: str) -> str | None:
    return media.variants.get(preferred) or media.variants.get("1080") or media.variants.get("640")


def processing_tile(ratio: float) -> ft.Control:
    return ft.Container(aspect_ratio=ratio, bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
                        content=ft.Text("Processing…"), alignment=ft.Alignment.CENTER)


@ft.component
def Carousel(media: tuple[Media, ...], author: str, ratio: float, variant: str, in_view: bool = True):
    """``in_view``: the post is the one on screen; then a video plays while it is the item shown."""
    index, set_index = ft.use_state(0)
    count = len(media)
    index = min(index, count - 1)

    def page(i: int, item: Media) -> ft.Control:
        if item.status != "ready":
            return processing_tile(ratio)
        alt = f"{item.alt_text}. " if item.alt_text else ""
        if item.type == "video":
            return media_player(item, ratio, f"{alt}Video {i + 1} of {count} by {author}. Double tap to like.",
                                paused=not (in_view and i == index), key=f"video-{item.media_id}")
        return Photo(variant_url(item, variant), item.placeholder, ratio,
                     f"{alt}Photo {i + 1} of {count} by {author}. Double tap to like.")

    def changed(e):
        set_index(int(e.data))

    def step(delta: int):
        def handler(_):
            set_index(max(0, min(count - 1, index + delta)))
        return handler

    def arrow(icon: str, label: str, delta: int, side: str) -> ft.Control:
        # Dark on the pale disc in either theme: the theme's icon colour is pale in the dark one, lost on the disc.
        button = ft.IconButton(ft.Icon(icon, semantics_label=label, size=20, color=ft.Colors.BLACK), key=f"carousel-{side}",
                               bgcolor=ARROW_BACKDROP, on_click=step(delta))
        return ft.Container(button, alignment=ft.Alignment.CENTER, top=0, bottom=0,
                            **({"left": 4} if side == "previous" else {"right": 4}))

    overlay = []
    if index > 0:
        overlay.append(arrow(ft.Icons.CHEVRON_LEFT, "Previous photo", -1, "previous"))
    if index < count - 1:
        overlay.append(arrow(ft.Icons.CHEVRON_RIGHT, "Next photo", 1, "next"))
    overlay.append(ft.Container(ft.Text(f"{index + 1}/{count}", color=ft.Colors.WHITE, size=12), top=8, right=8,
                                padding=ft.Padding.symmetric(horizontal=8, vertical=2), border_radius=10,
                                bgcolor=ft.Colors.with_opacity(0.6, ft.Colors.BLACK)))
    dots = [ft.Icon(ft.Icons.CIRCLE, size=DOT_SIZE, color=ACCENT if i == index else ft.Colors.OUTLINE_VARIANT,
                    semantics_label=f"Showing photo {i + 1} of {count}" if i == index else None)
            for i in range(count)]
    return ft.Column(spacing=6, controls=[
        ft.Stack([
            ft.Container(aspect_ratio=ratio, content=ft.PageView(controls=[page(i, m) for i, m in enumerate(media)],
                                                                 selected_index=index, on_change=changed)),
            *overlay,
        ]),
        ft.Row(dots, alignment=ft.MainAxisAlignment.CENTER, spacing=4, key="carousel-dots"),
    ])
