"""Which video in a scrolling list plays: only one, the one most in view, as Instagram does.

A list of posts knows its own geometry from three readings the front end sends: the list's size (its
viewport), the scroll offset, and each item's height once laid out. From those, the items' spans follow
(they are stacked top to bottom with a fixed gap), and the video to play is the one whose span shows the
largest share of itself, at least half, the upper one on a tie. An item not measured yet counts at an
estimate of its height, so a list that has just been built (or has just had a post put on top) plays the
right video before the first measurements arrive, and corrects itself when they do.

Pure functions of those readings: the UI keeps the readings, calls ``playing_key`` whenever one changes,
and gives each card ``in_view`` from the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, Iterable

import flet as ft

# A video plays when at least this share of its item is on screen.
MIN_VISIBLE_SHARE = 0.5


@dataclass(frozen=True)
class Item:
    key: Hashable
    estimate: float  # its height (px) while it has not been measured
    plays: bool  # it holds a video


@dataclass
class ListGeometry:
    """The readings of one scrolling list (px). ``heights`` holds what has been measured, by item key."""
    viewport: float = 0.0
    offset: float = 0.0
    leading: float = 0.0  # where the first item starts: whatever comes before it (the story tray) and its gap
    gap: float = 0.0
    heights: dict[Hashable, float] = field(default_factory=dict)

    def spans(self, items: Iterable[Item]) -> list[tuple[Item, float, float]]:
        """(item, top, height) for each item, top measured from the start of the list's content."""
        top = self.leading
        spans = []
        for item in items:
            height = self.heights.get(item.key, item.estimate)
            spans.append((item, top, height))
            top += height + self.gap
        return spans


@ft.observable
@dataclass
class Playing:
    """The key of the item whose video plays (None: none). The cards read it, so a change redraws the cards
    alone, never the list around them (redrawing the list while it is laid out lost taps on its story tray)."""
    key: Hashable | None = None


def visible_share(top: float, height: float, view_top: float, view_height: float) -> float:
    if height <= 0:
        return 0.0
    shown = min(top + height, view_top + view_height) - max(top, view_top)
    return max(0.0, shown) / height


def playing_key(geometry: ListGeometry, items: Iterable[Item]) -> Hashable | None:
    """The key of the video item to play, or None (no video at least half in view, or no viewport yet)."""
    if geometry.viewport <= 0:
        return None
    best, best_share = None, MIN_VISIBLE_SHARE
    for item, top, height in geometry.spans(items):
        if top >= geometry.offset + geometry.viewport:
            break
        if not item.plays:
            continue
        share = visible_share(top, height, geometry.offset, geometry.viewport)
        if share > best_share + 1e-6 or (best is None and share >= best_share):
            best, best_share = item.key, share
    return best
