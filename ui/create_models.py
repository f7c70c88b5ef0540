"""The create flow's state: the photos being posted (a carousel of 1–10), each with its own edits and alt text."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import flet as ft

from app.editing import EditSpec

MAX_ITEMS = 10  # the server takes 1–10 files per post


@dataclass(frozen=True)
class CreateItem:
    """One picked file. Immutable: a change makes a new item, so the list's change redraws the screen."""

    key: str  # stable across reorders: the controller keeps the file and its decoded copy under it
    name: str
    kind: str = "photo"  # what the picker classified it as (photo; video once Create takes videos)
    spec: EditSpec = field(default_factory=EditSpec)
    alt_text: str = ""
    preview: bytes | None = None  # the edited downscaled copy, as JPEG
    thumb: bytes | None = None  # a small copy of the preview for the strip of picked photos
    filter_samples: dict[str, bytes] = field(default_factory=dict)  # each filter on this photo (the strip)


@ft.observable
@dataclass
class CreateModel:
    """The create flow: pick → crop and filter each photo → caption and alt texts → share."""

    step: str = "pick"  # pick | edit | details | sharing
    items: list[CreateItem] = field(default_factory=list)
    selected: int = 0  # the item being edited
    caption: str = ""
    busy: bool = False  # the photos are being rendered at full size for the upload
    opening: tuple[int, int] | None = None  # while picked files are opened: (how many are done, how many in all)
    error: str | None = None
    queue_item_id: str | None = None

    @property
    def current(self) -> CreateItem | None:
        return self.items[self.selected] if 0 <= self.selected < len(self.items) else None

    def index_of(self, key: str) -> int | None:
        return next((i for i, item in enumerate(self.items) if item.key == key), None)

    def update_item(self, key: str, **changes) -> None:
        index = self.index_of(key)
        if index is not None:
            items = list(self.items)
            items[index] = replace(items[index], **changes)
            self.items = items

    def move(self, index: int, delta: int) -> None:
        """Move an item earlier (-1) or later (+1); the moved item stays selected."""
        self.move_to(index, index + delta)

    def move_to(self, index: int, target: int) -> None:
        """Take the item at ``index`` out and put it at ``target`` (the others close up around it), as a drag and
        drop onto the item at ``target`` does. The item being edited stays the one selected, wherever it went."""
        if index == target or not (0 <= index < len(self.items) and 0 <= target < len(self.items)):
            return
        editing = self.current.key if self.current else None
        items = list(self.items)
        items.insert(target, items.pop(index))
        self.items = items
        self.selected = self.index_of(editing) if editing is not None else target

    def remove(self, index: int) -> None:
        if 0 <= index < len(self.items):
            self.items = self.items[:index] + self.items[index + 1:]
            self.selected = min(self.selected, max(0, len(self.items) - 1))
            if not self.items:
                self.step = "pick"

    def reset(self) -> None:
        self.step, self.items, self.selected = "pick", [], 0
        self.caption, self.busy, self.error, self.queue_item_id = "", False, None, None
        self.opening = None
