"""Small building blocks the admin console's sections share: headings, cards, badges, notices, times, sizes."""

from __future__ import annotations

import flet as ft

from ..theme import SPACING


def when(stamp: str | None) -> str:
    """An RFC 3339 time as people read it ("2026-12-03 09:30 UTC")."""
    return f"{stamp[:16].replace('T', ' ')} UTC" if stamp else ""


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


def heading(text: str, key: str | None = None) -> ft.Text:
    return ft.Text(text, size=18, weight=ft.FontWeight.BOLD, key=key)


def muted_text(text: str, **kwargs) -> ft.Text:
    return ft.Text(text, color=ft.Colors.ON_SURFACE_VARIANT, **kwargs)


def panel(*controls: ft.Control, key: str | None = None) -> ft.Container:
    """One card of the console: a rounded, tinted box."""
    return ft.Container(key=key, padding=SPACING, border_radius=12, bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
                        border=ft.Border.all(1, ft.Colors.OUTLINE_VARIANT),
                        content=ft.Column(list(controls), spacing=8))


def badge(text: str, color=None, key: str | None = None) -> ft.Control:
    return ft.Container(key=key, padding=ft.Padding.symmetric(horizontal=8, vertical=2), border_radius=10,
                        bgcolor=color or ft.Colors.SECONDARY_CONTAINER, content=ft.Text(text, size=12))


def notice(text: str, retry=None, key: str | None = None) -> ft.Control:
    """An empty list or an error, said in place (with a way to try again)."""
    controls: list[ft.Control] = [muted_text(text, text_align=ft.TextAlign.CENTER, key=key)]
    if retry is not None:
        controls.append(ft.TextButton("Try again", icon=ft.Icons.REFRESH, on_click=retry))
    return ft.Container(padding=24, alignment=ft.Alignment.CENTER,
                        content=ft.Column(controls, horizontal_alignment=ft.CrossAxisAlignment.CENTER))


def spinner() -> ft.Control:
    return ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER, padding=24)
