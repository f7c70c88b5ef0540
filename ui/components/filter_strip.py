"""The filter strip: each filter as a small preview of the photo being edited, with its name below."""

from __future__ import annotations

import flet as ft

from app.editing import FILTERS

SAMPLE_SIZE = 64


@ft.component
def FilterStrip(samples: dict[str, bytes], selected: str, on_choose):
    """``samples``: each filter's name → a JPEG of the photo with that filter (rendered off the UI loop and
    kept with the item, so the strip is drawn once per photo, not per edit). A chip per filter, so the
    strip reads as a set of choices, each named by its label."""

    def choose(name):
        async def handler(_):
            await on_choose(name)
        return handler

    def sample(name: str) -> ft.Control:
        if name in samples:
            return ft.Image(src=samples[name], width=SAMPLE_SIZE, height=SAMPLE_SIZE, fit=ft.BoxFit.COVER,
                            border_radius=6, gapless_playback=True)
        return ft.Container(width=SAMPLE_SIZE, height=SAMPLE_SIZE, border_radius=6,
                            bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST)

    chips = [ft.Chip(
        key=f"filter-{name}",
        label=ft.Column([sample(name), ft.Text(recipe.label, size=12)], spacing=4, tight=True,
                        horizontal_alignment=ft.CrossAxisAlignment.CENTER),
        selected=selected == name, show_checkmark=False, on_select=choose(name),
        padding=ft.Padding.all(4), label_padding=ft.Padding.all(0),
        shape=ft.RoundedRectangleBorder(radius=10),
    ) for name, recipe in FILTERS.items()]
    return ft.Row(chips, wrap=True, spacing=6, run_spacing=6, key="filter-strip")
