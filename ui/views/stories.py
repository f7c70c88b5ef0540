"""The story viewer: one account's stories oldest first, then the next account's, with a progress bar per story.

Tap the right of the picture to go on, the left to go back; press and hold to pause; swipe down, press Escape or
tap the cross to close. A photo shows five seconds, a video for its length with its sound off. The author of a
story sees how many saw it, and who.
"""

from __future__ import annotations

import flet as ft

from ..components.photo import Avatar, Photo
from ..components.post_card import action_icon
from ..components.video import media_player
from ..context import act, use_controller
from ..models import AppState
from ..story_models import StoryPlayer
from ..theme import CONTENT_MAX_WIDTH, SPACING
from ..timefmt import full, relative

# A downward swipe faster than this (logical pixels per second) closes the viewer.
SWIPE_CLOSE_VELOCITY = 300
# The left part of the picture goes back, the rest goes on (people tap right far more often).
BACK_ZONE, FORWARD_ZONE = 1, 2
STORY_RATIO = 9 / 16
# The units of a relative age ("3 h" is read "Posted 3 h ago"; "now" and a date stand alone).
AGE_UNITS = ("m", "h", "d", "w")


@ft.component
def StoryViewerView(state: AppState, username: str):
    controller = use_controller()
    page = ft.context.page

    async def opened():
        async def keys(e: ft.KeyboardEvent):
            if e.key == "Escape" and not state.player.finished:
                await controller.stories.close()

        page.on_keyboard_event = keys
        await controller.stories.start(username)

    def left():
        page.on_keyboard_event = None

    ft.use_effect(opened, [username], cleanup=left)
    return StoryScreen(state.player, state.me.username if state.me else "")


def progress_bars(player: StoryPlayer) -> ft.Control:
    bars = []
    for index in range(len(player.stories)):
        value = 1.0 if index < player.index else (player.progress if index == player.index else 0.0)
        bars.append(ft.ProgressBar(value=value, expand=1, bar_height=3, color=ft.Colors.WHITE, bgcolor=ft.Colors.WHITE24,
                                   border_radius=2, semantics_label=f"Story {index + 1}"))
    return ft.Row(bars, spacing=4, key="story-progress")


@ft.component
def StoryScreen(player: StoryPlayer, me: str):
    controller = use_controller()
    story = player.current
    if story is None:
        body = ft.ProgressRing(color=ft.Colors.WHITE) if player.loading else ft.Text("No stories.", color=ft.Colors.WHITE)
        return ft.Container(bgcolor=ft.Colors.BLACK, expand=True, alignment=ft.Alignment.CENTER, content=body)

    author = story.user.username
    count = len(player.stories)
    def label(muted: bool = True) -> str:
        """What a screen reader says of the story: a video's label follows its sound and its pause."""
        what = "Photo"
        if story.media.type == "video":
            what = f"Video, sound {'off' if muted else 'on'}{', paused' if player.paused else ''}"
        return f"Story {player.index + 1} of {count} by {author}. {what}."

    async def tapped_back(_):
        await controller.stories.back()

    async def tapped_forward(_):
        await controller.stories.forward()

    async def swiped(e: ft.DragEndEvent):
        if (e.primary_velocity or 0) > SWIPE_CLOSE_VELOCITY:
            await controller.stories.close()

    def zone(flex: int, on_tap, key: str) -> ft.Control:
        return ft.GestureDetector(
            key=key, expand=flex, on_tap=on_tap,
            on_long_press_start=lambda _: controller.stories.hold(True),
            on_long_press_end=lambda _: controller.stories.hold(False),
            on_vertical_drag_end=swiped,
            content=ft.Container(bgcolor=ft.Colors.TRANSPARENT))

    overlay = [ft.Row([zone(BACK_ZONE, tapped_back, "story-back"), zone(FORWARD_ZONE, tapped_forward, "story-forward")],
                      spacing=0, top=0, bottom=0, left=0, right=0)]
    if player.paused and player.viewers is None:
        overlay.append(ft.Container(ft.Text("Paused", key="story-paused", color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD),
                                    bgcolor=ft.Colors.BLACK54, padding=8, border_radius=8, top=SPACING, right=SPACING))
    if story.media.type == "video" and story.media.status == "ready":
        # Sound off until "Sound on" is tapped; held down, the clip pauses with the progress bar.
        # Framed at the clip's own shape (what "contain" would show), so the player never has to letterbox.
        media = story.media
        ratio = media.width / media.height if media.width and media.height else STORY_RATIO
        stage = media_player(media, ratio, label, paused=player.paused, loop=False, controls=False, overlay=overlay,
                             key=f"story-video-{story.story_id}")
    else:
        stage = ft.Stack([Photo(story.media.picture if story.media.status == "ready" else None, story.media.placeholder,
                                STORY_RATIO, label(), fit=ft.BoxFit.CONTAIN), *overlay])

    age = relative(story.created_at)
    header = ft.Row([
        Avatar(author, story.user.avatar_url, 32),
        ft.Text("Your story" if author == me else author, color=ft.Colors.WHITE, weight=ft.FontWeight.BOLD),
        # Its age, as Instagram shows it ("3 h"); the full date on hover or long-press.
        *([ft.Text(age, key="story-age", color=ft.Colors.WHITE70, tooltip=full(story.created_at) or None,
                   semantics_label=f"Posted {age} ago" if age.split()[-1] in AGE_UNITS else f"Posted {age}")]
          if age else []),
        ft.Container(expand=True),
        ft.IconButton(action_icon(ft.Icons.CLOSE, "Close stories", ft.Colors.WHITE), key="story-close",
                      on_click=act(controller.stories.close)),
    ])
    footer = []
    if story.caption:
        footer.append(ft.Text(story.caption, color=ft.Colors.WHITE, key="story-caption"))
    if author == me:
        seen = story.view_count or 0
        # On the viewer's black stage in both themes: white, as the rest of its words (the theme's primary colour
        # is a dark pink in the light theme, unreadable on black).
        footer.append(ft.TextButton(f"Seen by {seen}", key="story-views", icon=ft.Icons.VISIBILITY,
                                    style=ft.ButtonStyle(color=ft.Colors.WHITE, icon_color=ft.Colors.WHITE),
                                    on_click=act(controller.stories.show_viewers)))
    if player.viewers is not None:
        footer.append(ViewersSheet(player))
    return ft.Container(bgcolor=ft.Colors.BLACK, expand=True, alignment=ft.Alignment.TOP_CENTER, content=ft.Column(
        width=CONTENT_MAX_WIDTH, expand=True, spacing=8, controls=[
            ft.Container(ft.Column([progress_bars(player), header], spacing=6), padding=ft.Padding.only(left=SPACING, top=SPACING, right=SPACING)),
            ft.Container(stage, expand=True, alignment=ft.Alignment.CENTER, key="story-stage"),
            ft.Container(ft.Column(footer, spacing=6), padding=ft.Padding.only(left=SPACING, right=SPACING, bottom=SPACING)),
        ]))


@ft.component
def ViewersSheet(player: StoryPlayer):
    controller = use_controller()
    count = player.view_count or 0
    rows = [ft.Row([ft.Text(f"{count} view{'s' if count != 1 else ''}", weight=ft.FontWeight.BOLD, expand=True,
                            key="story-view-count"),
                    ft.IconButton(action_icon(ft.Icons.EXPAND_MORE, "Hide viewers"), on_click=act(controller.stories.hide_viewers))])]
    rows += [ft.ListTile(key=f"viewer-{v.user.username}", leading=Avatar(v.user.username, v.user.avatar_url, 32),
                         title=ft.Text(v.user.username)) for v in player.viewers or ()]
    if not player.viewers:
        rows.append(ft.Text("Nobody has seen it yet."))
    return ft.Container(bgcolor=ft.Colors.SURFACE, border_radius=12, padding=SPACING, key="story-viewers",
                        content=ft.Column(rows, spacing=0, height=260, scroll=ft.ScrollMode.AUTO))
