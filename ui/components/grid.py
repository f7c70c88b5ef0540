"""A three-column grid of square thumbnails, as on every photo profile."""

from __future__ import annotations

import flet as ft

from ..context import go, use_controller
from ..models import PostList
from ..theme import GRID_COLUMNS
from .photo import Photo


def badge(model, index: int) -> list[ft.Control]:
    """The corner mark people look for: several photos (a carousel), or a video."""
    media = model.post.media
    if len(media) > 1:
        return [ft.Icon(ft.Icons.COLLECTIONS, color=ft.Colors.WHITE, size=18, top=6, right=6,
                        semantics_label=f"{len(media)} photos")]
    if media and media[0].type == "video":
        return [ft.Icon(ft.Icons.PLAY_ARROW_ROUNDED, color=ft.Colors.WHITE, size=24, top=3, right=3,
                        semantics_label=f"Video, post {index + 1}")]
    return []


@ft.component
def PhotoGrid(posts: PostList, empty_text: str):
    controller = use_controller()
    if posts.loaded and not posts.posts:
        return ft.Container(ft.Text(empty_text, key="grid-empty"), padding=24, alignment=ft.Alignment.CENTER)
    tiles = []
    for index, model in enumerate(posts.posts):
        media = model.post.first_media
        url = (media.variants.get("640") or media.variants.get("thumb")) if media else None
        tiles.append(ft.Container(
            key=f"grid-{index}",
            aspect_ratio=1.0,
            on_click=go(controller, f"/post/{model.post_id}"),
            content=ft.Stack([
                Photo(url, media.placeholder if media else None, 1.0, f"Post {index + 1}"),
                *badge(model, index),
            ]),
        ))
    rows = [ft.Row(tiles[i:i + GRID_COLUMNS] + [ft.Container(expand=1)] * (GRID_COLUMNS - len(tiles[i:i + GRID_COLUMNS])),
                   spacing=2) for i in range(0, len(tiles), GRID_COLUMNS)]
    for row in rows:
        for tile in row.controls:
            tile.expand = 1
    return ft.Column(rows, spacing=2, key="grid")
