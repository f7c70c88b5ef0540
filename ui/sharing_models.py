"""Observable state of the sharing screens: albums, one album's items, the photo picker, share links."""

from __future__ import annotations

from dataclasses import dataclass, field

import flet as ft

from app.api_types import Post
from app.sharing_types import Album, AlbumItem, ShareLink


@ft.observable
@dataclass
class AlbumModel:
    album_id: str
    album: Album | None = None
    items: list[AlbumItem] = field(default_factory=list)
    next_cursor: str | None = None
    loaded: bool = False
    error: str | None = None

    def replace_all(self, album: Album, items: list[AlbumItem], next_cursor: str | None) -> None:
        self.album, self.items, self.next_cursor, self.loaded, self.error = album, items, next_cursor, True, None

    def added(self, items: list[AlbumItem]) -> None:
        known = {item.item_id for item in self.items}
        self.items = [item for item in items if item.item_id not in known] + self.items


@ft.observable
@dataclass
class PickerModel:
    """The photo picker: my posts, and which of them are ticked."""

    posts: list[Post] = field(default_factory=list)
    chosen: list[str] = field(default_factory=list)  # post ids, in the order they were ticked
    next_cursor: str | None = None
    loaded: bool = False
    busy: bool = False

    def toggle(self, post_id: str) -> None:
        self.chosen = [p for p in self.chosen if p != post_id] if post_id in self.chosen else [*self.chosen, post_id]


@ft.observable
@dataclass
class SharingState:
    albums: list[Album] = field(default_factory=list)
    albums_loaded: bool = False
    open_albums: dict[str, AlbumModel] = field(default_factory=dict)
    picker: PickerModel = field(default_factory=PickerModel)
    links: list[ShareLink] = field(default_factory=list)
    links_loaded: bool = False
    profile_tab: str = "posts"  # posts | albums, on my own profile
    busy: bool = False

    def album(self, album_id: str) -> AlbumModel:
        if album_id not in self.open_albums:
            self.open_albums[album_id] = AlbumModel(album_id)
        return self.open_albums[album_id]
