"""Create's video step: the picked clip playing (muted, looping, no trimming), a caption, alt text, and share."""

from __future__ import annotations

import flet as ft

from ..context import typed_into, use_controller
from ..theme import SPACING
from .video import VideoPlayer

PREVIEW_HEIGHT = 360


@ft.component
def VideoStep(draft):
    controller = use_controller()
    caption, alt_text = ft.use_ref(""), ft.use_ref("")

    async def share(_=None):
        await controller.video_create.share(caption.current, alt_text.current)

    preview = ft.ProgressRing()
    if draft.preview_key:
        url = controller.core.media.url_for(draft.preview_key)
        preview = ft.Container(
            VideoPlayer(url, None, None, 16 / 9, f"Preview of {draft.name}", fit=ft.BoxFit.CONTAIN, local=True,
                        key=f"preview-{draft.preview_key}"),
            bgcolor=ft.Colors.BLACK, key="video-preview")
    return ft.Column(spacing=SPACING, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=[
        ft.Text("New video post", size=22, weight=ft.FontWeight.BOLD),
        ft.Container(preview, alignment=ft.Alignment.CENTER, height=PREVIEW_HEIGHT),
        ft.TextField(key="video-caption", label="Write a caption…", value=caption.current, multiline=True, min_lines=2,
                     max_length=2200, on_change=typed_into(caption)),
        ft.TextField(key="video-alt-text", label="Alt text (describe the video for people who cannot see it)",
                     value=alt_text.current, max_length=1000, on_change=typed_into(alt_text)),
        *([ft.Text(draft.error, color=ft.Colors.ERROR)] if draft.error else []),
        ft.Row([
            ft.TextButton("Back", on_click=lambda _: controller.video_create.back()),
            ft.FilledButton("Publish video", key="publish-video", icon=ft.Icons.SEND, disabled=draft.busy,
                            on_click=share),
        ], alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
    ])
