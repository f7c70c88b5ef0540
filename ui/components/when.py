"""A time as people read it ("3 h"), with the full date on hover or long-press."""

from __future__ import annotations

import flet as ft

from ..timefmt import full, relative


def time_label(timestamp: str | None, key: str | None = None, size: int = 12) -> ft.Control:
    """Nothing (an empty Text) for a missing or unreadable timestamp."""
    return ft.Text(relative(timestamp), key=key, size=size, color=ft.Colors.ON_SURFACE_VARIANT,
                   tooltip=full(timestamp) or None)
