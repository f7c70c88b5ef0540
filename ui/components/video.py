"""Videos: the poster (over its blurhash) first, then the clip playing muted, with sound and pause buttons.

The player is Flet's ``Video`` control (media_kit: libmpv on the desktop, an HTML ``<video>`` element in a
browser). Its stream comes through this process's media endpoint, like every photo (``app/media_server.py``):
the browser fetches it from the web app's own origin, and a clip seen once plays again offline. The 360p
stream is preferred: feed, post and story columns are at most 560 px wide, and it starts sooner.

Browsers let a page start a video by itself only when it is muted, so every video starts muted and a tap on
"Sound on" (a user gesture) turns the sound on. "Muted" has to be the player's muted flag, not a volume of
zero: a phone's browser refuses to start a silent but unmuted clip until the page has been touched, and the
web player clears its muted flag whenever a volume is set, even zero. So a player is created muted with no
volume at all (Flet leaves a default value out of what it sends), and a volume is first sent by "Sound on".
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import flet as ft
import flet_video as fv

from ..context import use_controller
from .photo import Photo

STREAM_PREFERENCE = ("360", "720")
# "Sound on" must send a volume, and Flet sends only a change from the control's default (100), which the
# never-touched player keeps: 99 of 100 is the sound on, 0 the sound off once it has been on.
SOUND_ON_VOLUME = 99.0
SOUND_OFF_VOLUME = 0.0
UNTOUCHED_VOLUME = 100.0  # fv.Video's default: not sent, so the player keeps the muted flag it was created with
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
def VideoPlayer(source: str | None, poster: str | None, placeholder: str | None, ratio: float,
                label: str | Callable[[bool], str], paused: bool = False, loop: bool = True, controls: bool = True,
                fit: ft.BoxFit = ft.BoxFit.COVER, local: bool = False, overlay: list[ft.Control] | None = None):
    """``source``: the server's stream URL (or a local file's URL when ``local``, for Create's preview).

    Plays muted from the start; ``paused`` is the owner's pause (out of view, a story held down), the pause
    button the viewer's own. ``label`` names the picture, or is a function of "muted" that does (stories say
    whether the sound is on). ``controls`` False leaves only the sound button (stories: taps belong to the
    viewer). ``overlay`` goes over the picture and under the buttons (the story viewer's tap zones).
    """
    controller = use_controller()
    sound, set_sound = ft.use_state(None)  # None: never touched (muted flag); then True or False
    held, set_held = ft.use_state(False)  # paused with the button
    player = ft.use_ref(None)
    should_play = not (paused or held)
    playing = ft.use_ref(should_play)
    muted = not sound

    async def follow_pause():
        want = not (paused or held)
        if player.current is None or playing.current == want:
            return
        playing.current = want
        try:
            await (player.current.play() if want else player.current.pause())
        except Exception:  # the player is gone (the screen changed meanwhile): nothing to pause
            pass

    ft.use_effect(follow_pause, [paused, held])

    text = label(muted) if callable(label) else label
    picture = Photo(poster, placeholder, ratio, text)
    layers = [picture]
    if source:
        url = source if local else controller.core.media.url_for(source)
        volume = UNTOUCHED_VOLUME if sound is None else SOUND_ON_VOLUME if sound else SOUND_OFF_VOLUME
        # ``autoplay`` is read when the front end makes the player: made out of view, it waits; from then on
        # play() and pause() follow ``paused`` (``follow_pause``).
        layers.append(ft.Container(
            fv.Video(ref=player, playlist=[fv.VideoMedia(url)], autoplay=should_play, muted=True,
                     volume=volume, show_controls=False, fit=fit, fill_color=ft.Colors.TRANSPARENT, wakelock=False,
                     playlist_mode=fv.PlaylistMode.SINGLE if loop else fv.PlaylistMode.NONE),
            left=0, top=0, right=0, bottom=0))
    layers += overlay or []
    if source:
        layers.append(overlay_button(ft.Icons.VOLUME_OFF if muted else ft.Icons.VOLUME_UP,
                                     "Sound on" if muted else "Sound off", lambda _: set_sound(muted),
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
