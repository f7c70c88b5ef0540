"""Videos: the poster (over its blurhash) first, then the clip playing muted, with sound and pause buttons.

The player is Flet's ``Video`` control (media_kit: libmpv on the desktop, an HTML ``<video>`` element in a
browser). Its stream comes through this process's media endpoint, like every photo (``app/media_server.py``):
the browser fetches it from the web app's own origin, and a clip seen once plays again offline. The 360p
stream is preferred: feed, post and story columns are at most 560 px wide, and it starts sooner.

Browsers let a page start a video by itself only when it is muted, so every video starts muted and a tap on
"Sound on" (a user gesture) turns the sound on.
"""

from __future__ import annotations

from pathlib import Path

import flet as ft
import flet_video as fv

from ..context import use_controller
from .photo import Photo

STREAM_PREFERENCE = ("360", "720")
FULL_VOLUME = 100.0
BUTTON_BACKDROP = ft.Colors.with_opacity(0.55, ft.Colors.BLACK)
# Video files Create accepts (API.md: MP4, MOV or WebM, 100 MB, 60 s; the server checks the length).
VIDEO_SUFFIXES = {".mp4", ".mov", ".webm", ".m4v"}


def is_video_name(name: str) -> bool:
    return Path(name).suffix.lower() in VIDEO_SUFFIXES


def stream_url(streams: dict[str, str]) -> str | None:
    return next((streams[name] for name in STREAM_PREFERENCE if streams.get(name)), None) or \
        next(iter(streams.values()), None)


def overlay_button(icon: str, label: str, on_click, key: str, **position) -> ft.Control:
    """A round button over the picture; the icon's label names it for screen readers (and UI tests)."""
    return ft.Container(ft.IconButton(ft.Icon(icon, semantics_label=label, color=ft.Colors.WHITE, size=20),
                                      key=key, bgcolor=BUTTON_BACKDROP, on_click=on_click), **position)


@ft.component
def VideoPlayer(source: str | None, poster: str | None, placeholder: str | None, ratio: float, label: str,
                paused: bool = False, loop: bool = True, controls: bool = True, fit: ft.BoxFit = ft.BoxFit.COVER,
                local: bool = False, overlay: list[ft.Control] | None = None):
    """``source``: the server's stream URL (or a local file's URL when ``local``, for Create's preview).

    Plays muted from the start; ``paused`` is the owner's pause (a story held down), the pause button the
    viewer's own. ``controls`` False leaves only the sound button (stories: taps belong to the viewer).
    ``overlay`` goes over the picture and under the buttons (the story viewer's tap zones).
    """
    controller = use_controller()
    muted, set_muted = ft.use_state(True)
    held, set_held = ft.use_state(False)  # paused with the button
    player = ft.use_ref(None)
    playing = ft.use_ref(True)

    async def follow_pause():
        should_play = not (paused or held)
        if player.current is None or playing.current == should_play:
            return
        playing.current = should_play
        try:
            await (player.current.play() if should_play else player.current.pause())
        except Exception:  # the player is gone (the screen changed meanwhile): nothing to pause
            pass

    ft.use_effect(follow_pause, [paused, held])

    picture = Photo(poster, placeholder, ratio, label)
    layers = [picture]
    if source:
        url = source if local else controller.core.media.url_for(source)
        layers.append(ft.Container(
            fv.Video(ref=player, playlist=[fv.VideoMedia(url)], autoplay=True, muted=True,
                     volume=0.0 if muted else FULL_VOLUME, show_controls=False, fit=fit,
                     fill_color=ft.Colors.TRANSPARENT, wakelock=False,
                     playlist_mode=fv.PlaylistMode.SINGLE if loop else fv.PlaylistMode.NONE),
            left=0, top=0, right=0, bottom=0))
    layers += overlay or []
    if source:
        layers.append(overlay_button(ft.Icons.VOLUME_OFF if muted else ft.Icons.VOLUME_UP,
                                     "Sound on" if muted else "Sound off", lambda _: set_muted(not muted),
                                     "video-sound", right=8, bottom=8))
        if controls:
            layers.append(overlay_button(ft.Icons.PLAY_ARROW if held else ft.Icons.PAUSE,
                                         "Play video" if held else "Pause video", lambda _: set_held(not held),
                                         "video-pause", left=8, bottom=8))
    return ft.Container(ft.Stack(layers), aspect_ratio=ratio, clip_behavior=ft.ClipBehavior.HARD_EDGE)


def media_player(media, ratio: float, label: str, **options) -> ft.Control:
    """A post's or story's video medium as a player (``media`` has ``streams``, ``poster`` and ``placeholder``)."""
    poster = media.variants.get("640") or media.poster  # the poster frame, at the feed's size when there is one
    return VideoPlayer(stream_url(media.streams), poster, media.placeholder, ratio, label, **options)
