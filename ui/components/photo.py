"""Pictures by URL from this process's media endpoint, over their blurhash while they load.

The front end fetches each picture itself (in parallel, decoded off its main thread, kept in its image
cache), so no photo ever travels inside the page's own connection; offline, the endpoint answers from
the disk cache, and a picture that is neither cached nor reachable leaves its placeholder in place.
"""

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
    blur = placeholder_png(placeholder) or BLANK_PNG
    label = alt or None
    # The blurhash is the frame's background, so the photo needs no placeholder of its own: Flet's
    # placeholder cross-fade lays the photo out loosely and breaks "cover" for off-ratio photos.
    content = ft.Image(src=blur, fit=fit, semantics_label=label)
    if url:
        content = ft.Image(src=controller.core.media.url_for(url), fit=fit, semantics_label=label, gapless_playback=True,
                           error_content=ft.Image(src=BLANK_PNG, semantics_label=label))
    return ft.Container(aspect_ratio=aspect_ratio, clip_behavior=ft.ClipBehavior.HARD_EDGE, content=content,
                        image=ft.DecorationImage(src=blur, fit=ft.BoxFit.COVER) if url else None)


@ft.component
def Avatar(username: str, url: str | None = None, size: int = 32):
    """The account's profile photo in a circle, or its initial while there is none."""
    controller = use_controller()
    initial = ft.Text(username[:1].upper(), size=max(12, size * 0.45), weight=ft.FontWeight.BOLD,
                      color=ft.Colors.ON_PRIMARY_CONTAINER)
    content = initial
    if url:
        content = ft.Image(src=controller.core.media.url_for(url), width=size, height=size, fit=ft.BoxFit.COVER,
                           semantics_label=f"Profile photo of {username}", error_content=initial)
    return ft.Container(width=size, height=size, shape=ft.BoxShape.CIRCLE, clip_behavior=ft.ClipBehavior.ANTI_ALIAS,
                        bgcolor=ft.Colors.PRIMARY_CONTAINER, alignment=ft.Alignment.CENTER, content=content)
