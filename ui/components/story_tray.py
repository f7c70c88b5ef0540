"""The story tray at the top of the home feed: "Your story" to add one, then a ring per account with stories
(coloured while some are unseen, grey once all are seen), in the server's order (unseen first, then newest)."""

from __future__ import annotations

import flet as ft

from app.editing import PHOTO_SUFFIXES

from ..context import act, use_controller
from ..models import AppState
from ..story_models import StoriesModel
from ..theme import ACCENT, SPACING
from .photo import Avatar
from .post_card import action_icon
from .video import VIDEO_SUFFIXES

RING_SIZE = 64
AVATAR_SIZE = 56


def ring(username: str, avatar_url: str | None, unseen: bool) -> ft.Control:
    return ft.Container(width=RING_SIZE, height=RING_SIZE, shape=ft.BoxShape.CIRCLE, alignment=ft.Alignment.CENTER,
                        border=ft.Border.all(3 if unseen else 1.5, ACCENT if unseen else ft.Colors.OUTLINE_VARIANT),
                        content=Avatar(username, avatar_url, AVATAR_SIZE))


def tile(key: str, picture: ft.Control, label: str, on_click, spoken: str | None = None) -> ft.Control:
    """``spoken``: what screen readers (and the UI tests) hear instead of the name under the ring."""
    return ft.Container(key=key, width=RING_SIZE + 12, on_click=on_click, content=ft.Column(
        spacing=4, horizontal_alignment=ft.CrossAxisAlignment.CENTER,
        controls=[picture, ft.Text(label, size=12, max_lines=1, overflow=ft.TextOverflow.ELLIPSIS, semantics_label=spoken)]))


@ft.component
def StoryTray(state: AppState, stories: StoriesModel):
    """``stories`` is passed on its own so a change of the tray redraws it."""
    controller = use_controller()

    async def mounted():
        await controller.stories.load_tray()  # each return to the feed: new stories, and rings seen elsewhere

    ft.on_mounted(mounted)

    async def add_story(_=None):
        files = await ft.FilePicker().pick_files(
            dialog_title="Choose a photo or a short video for your story", file_type=ft.FilePickerFileType.CUSTOM,
            allowed_extensions=[s.lstrip(".") for s in sorted({*PHOTO_SUFFIXES, *VIDEO_SUFFIXES})], with_data=True)
        if files:
            chosen = files[0]
            await controller.stories.post(chosen.name, data=chosen.bytes, path=None if chosen.bytes else chosen.path)

    me = state.me
    plus = ft.Container(width=RING_SIZE, height=RING_SIZE, shape=ft.BoxShape.CIRCLE, alignment=ft.Alignment.CENTER,
                        bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH,
                        content=ft.ProgressRing(width=24, height=24) if stories.posting
                        else action_icon(ft.Icons.ADD, "Add to your story"))
    mine = me is not None and any(item.user.username == me.username for item in stories.tray)
    # One "Your story" in the row: the add tile takes the name until I have stories, then my ring does.
    tiles = [tile("story-add", plus, "Add story" if mine else "Your story", act(add_story))]
    for item in stories.tray:
        own = me is not None and item.user.username == me.username
        name = "Your story" if own else item.user.username
        state_word = "new" if item.has_unseen else "seen"
        tiles.append(tile(f"story-{item.user.username}", ring(item.user.username, item.user.avatar_url, item.has_unseen),
                          name, act(controller.stories.open, item.user.username),
                          spoken=f"Stories of {item.user.username}, {state_word}"))
    return ft.Container(key="story-tray", padding=ft.Padding.symmetric(horizontal=SPACING, vertical=8),
                        content=ft.Row(tiles, scroll=ft.ScrollMode.AUTO, spacing=10))
