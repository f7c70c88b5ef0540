"""A photo that paints its blurhash at once, then the real bytes (from the cache when offline)."""

from __future__ import annotations

import base64

import flet as ft

from app.placeholder import placeholder_png

from ..context import use_controller


# One transparent pixel: an image is always there to carry the label while nothing else is.
BLANK_PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=")


@ft.component
def Photo(url: str | None, placeholder: str | None = None, aspect_ratio: float = 1.0, alt: str = "",
          fit: ft.BoxFit = ft.BoxFit.COVER):
    controller = use_controller()
    cached = controller.core.cache.media_bytes(url) if url else None
    data, set_data = ft.use_state(cached)

    async def load():
        if url and data is None:
            fetched = await controller.call(lambda: controller.core.cache.fetch_media(controller.api, url), quiet=True)
            if fetched:
                set_data(fetched)

    ft.use_effect(load, [url])
    src = data or cached or placeholder_png(placeholder) or BLANK_PNG
    return ft.Container(
        aspect_ratio=aspect_ratio,
        clip_behavior=ft.ClipBehavior.HARD_EDGE,
        content=ft.Image(src=src, fit=fit, semantics_label=alt or None, gapless_playback=True),
    )
