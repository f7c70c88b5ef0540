"""The crop frame: the photo as it will be posted, dragged to choose what the frame keeps, and zoomed."""

from __future__ import annotations

import flet as ft

from app.editing import ZOOM_MAX, ZOOM_MIN

from .post_card import action_icon

FRAME_MAX_HEIGHT = 360
ZOOM_STEP = 0.25
# A drag redraws the preview (a resize and a filter in a worker thread): ~15 a second keep up with a finger.
DRAG_INTERVAL_MS = 66


def frame_size(ratio: float, max_width: float, max_height: float = FRAME_MAX_HEIGHT) -> tuple[float, float]:
    """The largest box of ``ratio`` (width / height) inside the space the screen gives the frame."""
    width = min(max_width, max_height * ratio)
    return width, width / ratio


@ft.component
def CropFrame(preview: bytes | None, ratio: float, focus: tuple[float, float], label: str, on_pan):
    """``preview``: the edited photo, already cropped to the frame; ``on_pan(start_focus, (dx, dy))`` gets the
    drag since it began, as fractions of the frame's width and height."""
    available, set_available = ft.use_state(0.0)
    drag = ft.use_ref(None)
    page_width = getattr(ft.context.page, "width", None) or 0
    width, height = frame_size(ratio, available or max(120.0, min(page_width - 48, 536)) if page_width else 360)

    def measured(e):
        if abs(e.width - available) >= 1:
            set_available(e.width)

    def started(e):
        drag.current = (focus, e.local_position.x, e.local_position.y)

    async def moved(e):
        if drag.current is None:
            return
        start_focus, x, y = drag.current
        await on_pan(start_focus, ((e.local_position.x - x) / width, (e.local_position.y - y) / height))

    def ended(_):
        drag.current = None

    photo = (ft.Image(src=preview, width=width, height=height, fit=ft.BoxFit.FILL, gapless_playback=True,
                      semantics_label=label, key="preview")
             if preview else ft.Container(ft.ProgressRing(), width=width, height=height, alignment=ft.Alignment.CENTER))
    return ft.Container(
        on_size_change=measured, alignment=ft.Alignment.CENTER, key="crop-frame",
        content=ft.GestureDetector(photo, on_pan_start=started, on_pan_update=moved, on_pan_end=ended,
                                   drag_interval=DRAG_INTERVAL_MS, mouse_cursor=ft.MouseCursor.MOVE),
    )


@ft.component
def ZoomBar(zoom: float, on_zoom, on_zoom_by):
    """Zoom out, a slider and zoom in: the buttons step for those who cannot drag a slider.
    ``on_zoom(value)`` sets the zoom; ``on_zoom_by(delta)`` steps from the current one (quick clicks add up
    even before the screen shows the first)."""

    async def slid(e):
        await on_zoom(float(e.control.value))

    def step(delta: float):
        async def handler(_):
            await on_zoom_by(delta)
        return handler

    return ft.Row([
        ft.IconButton(action_icon(ft.Icons.ZOOM_OUT, "Zoom out"), key="zoom-out", on_click=step(-ZOOM_STEP),
                      disabled=zoom <= ZOOM_MIN),
        ft.Slider(key="zoom", min=ZOOM_MIN, max=ZOOM_MAX, divisions=int((ZOOM_MAX - ZOOM_MIN) / ZOOM_STEP * 2),
                  value=zoom, label="{value}×", expand=True, on_change_end=slid),
        ft.IconButton(action_icon(ft.Icons.ZOOM_IN, "Zoom in"), key="zoom-in", on_click=step(ZOOM_STEP),
                      disabled=zoom >= ZOOM_MAX),
        ft.Text(f"{zoom:g}×", key="zoom-value", width=56, no_wrap=True),
    ], spacing=0)
