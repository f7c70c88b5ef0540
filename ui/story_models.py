"""Observable state of the stories tray and viewer, Explore and the suggestions (``ui.models`` holds the rest)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import flet as ft

from app.story_types import Story, StoryViewer, Suggestion, TrayItem

# A photo shows this long before the viewer moves on (a video shows for its own length).
PHOTO_SECONDS = 5.0


@ft.observable
@dataclass
class StoriesModel:
    """The tray at the top of the home feed."""

    tray: list[TrayItem] = field(default_factory=list)
    loaded: bool = False
    posting: bool = False

    def seen_all_of(self, username: str) -> None:
        self.tray = [replace(item, has_unseen=False) if item.user.username == username else item for item in self.tray]


@ft.observable
@dataclass
class StoryPlayer:
    """The story viewer: whose stories (in tray order from the one opened), which one, and how far it has played."""

    authors: list[str] = field(default_factory=list)
    author_index: int = 0
    stories: list[Story] = field(default_factory=list)
    index: int = 0
    progress: float = 0.0  # of the current story, 0..1
    paused: bool = False
    loading: bool = True
    finished: bool = False
    viewers: list[StoryViewer] | None = None  # the author's own story: who saw it (loaded on demand)
    view_count: int | None = None

    @property
    def current(self) -> Story | None:
        return self.stories[self.index] if 0 <= self.index < len(self.stories) else None

    @property
    def seconds(self) -> float:
        story = self.current
        if story is not None and story.media.type == "video" and story.media.duration_ms:
            return story.media.duration_ms / 1000
        return PHOTO_SECONDS

    def reset(self, authors: list[str]) -> None:
        """A new viewing: the same object (the screen observes it), every field as new."""
        self.authors, self.author_index, self.stories = authors, 0, []
        self.progress, self.paused, self.loading, self.finished = 0.0, False, True, False
        self.show(0)

    def show(self, index: int) -> None:
        self.index, self.progress, self.viewers, self.view_count = index, 0.0, None, None


@ft.observable
@dataclass
class SuggestionsModel:
    users: list[Suggestion] = field(default_factory=list)
    loaded: bool = False
    following: set[str] = field(default_factory=set)  # usernames followed from the list on this screen
