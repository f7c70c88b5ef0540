"""One post in a list: author, photo (double-tap to like), actions, counts and caption."""

from __future__ import annotations

from typing import Callable

import flet as ft

from ..context import go, use_controller
from ..models import PostModel
from ..theme import LIKED, SPACING
from ..visibility import Playing
from .carousel import Carousel, processing_tile, variant_url
from .photo import Avatar, Photo
from .post_menu import PostMenu as OwnPostMenu
from .safety_menu import PostMenu as OthersPostMenu
from .video import media_player
from .when import time_label

FEED_VARIANT = "640"
# Feed photos are shown between these shapes, as people are used to (4:5 portrait to 1.91:1 landscape).
TALLEST_RATIO, WIDEST_RATIO = 0.8, 1.91


def byline(username: str, text: str, key: str | None = None) -> ft.Control:
    """"name text" with the name in bold. Two Text controls rather than spans: Flutter web leaves
    rich-text spans out of the accessibility tree, and screen readers should hear captions."""
    return ft.Row([ft.Text(username, weight=ft.FontWeight.BOLD), ft.Text(text, expand=True, selectable=False)],
                  key=key, spacing=6, vertical_alignment=ft.CrossAxisAlignment.START)


def action_icon(icon: str, label: str, color=None) -> ft.Icon:
    """The icon names the button for screen readers (and UI tests): Flet 0.82's ``Semantics``
    wrapper draws nothing on the web, so labels ride on the icon itself."""
    return ft.Icon(icon, semantics_label=label, color=color)


@ft.component
def PostCard(model: PostModel, index: int = 0, comments_link: bool = True, playing: Playing | None = None,
             on_height: Callable[[str, float], None] | None = None,
             on_video: Callable[[str, bool], None] | None = None):
    """``comments_link``: offer "View all N comments" (not under the comments themselves, on the post's screen).
    ``playing``: in a list, which post's video plays (only the one most in view, ``ui/visibility.py``);
    ``on_height`` hears the card's laid-out height, ``on_video`` whether it has a video to play (once processed),
    each with its post id, for that choice."""
    controller = use_controller()
    post = model.post
    playable = any(m.type == "video" and m.status == "ready" for m in post.media)
    in_view = playing is None or playing.key == post.post_id

    def tell_video():
        if on_video is not None:
            on_video(post.post_id, playable)

    ft.use_effect(tell_video, [playable])
    media = post.first_media
    ratio = min(max(media.aspect_ratio if media else 1.0, TALLEST_RATIO), WIDEST_RATIO)
    # The feed column is CONTENT_MAX_WIDTH (560) px wide: the 640 variant fills it at a third of the 1080's bytes.
    if len(post.media) > 1:
        photo = Carousel(post.media, post.user.username, ratio, FEED_VARIANT, in_view=in_view,
                         key=f"carousel-{post.post_id}")
    elif media is None or media.status == "processing":
        photo = processing_tile(ratio)
    elif media.type == "video":
        label = f"{media.alt_text + '. ' if media.alt_text else ''}Video by {post.user.username}. Double tap to like."
        photo = media_player(media, ratio, label, paused=not in_view, key=f"video-{post.post_id}")
    else:
        label = f"{media.alt_text + '. ' if media.alt_text else ''}Photo by {post.user.username}. Double tap to like."
        photo = Photo(variant_url(media, FEED_VARIANT), media.placeholder, ratio, label)

    async def like_by_double_tap(_):
        await controller.post.like(model)

    async def toggle_like(_):
        await controller.post.toggle_like(model)

    async def toggle_save(_):
        await controller.post.toggle_save(model)

    me = controller.state.me
    is_mine = me is not None and me.user_id == post.user.user_id
    heart = ft.Icons.FAVORITE if post.liked_by_me else ft.Icons.FAVORITE_BORDER
    likes = "1 like" if post.like_count == 1 else f"{post.like_count} likes"
    return ft.Column(
        key=f"post-{post.post_id}",
        spacing=4,
        on_size_change=(lambda e: on_height(post.post_id, e.height)) if on_height else None,
        controls=[
            ft.Row(spacing=0, controls=[
                ft.Container(
                    padding=ft.Padding.symmetric(horizontal=SPACING, vertical=6), expand=True,
                    on_click=go(controller, f"/profile/{post.user.username}"),
                    content=ft.Row([Avatar(post.user.username, post.user.avatar_url),
                                    ft.Text(post.user.username, weight=ft.FontWeight.BOLD)]),
                ),
                # My posts: add to album, share, edit; others': report, mute, block.
                OwnPostMenu(model, index) if is_mine else OthersPostMenu(post.user, post.post_id, controller.state.safety),
            ]),
            *([ft.Container(key=f"hidden-{index}", bgcolor=ft.Colors.ERROR_CONTAINER,
                            padding=ft.Padding.symmetric(horizontal=SPACING, vertical=6),
                            content=ft.Text("Hidden from others after reports, until a moderator reviews it.",
                                            size=12))] if post.hidden else []),
            ft.GestureDetector(
                key=f"photo-{index}",
                on_double_tap=like_by_double_tap,
                content=ft.Container(photo),
            ),
            ft.Row(
                spacing=0,
                controls=[
                    ft.IconButton(action_icon(heart, "Unlike" if post.liked_by_me else "Like",
                                              LIKED if post.liked_by_me else None),
                                  key=f"like-{index}", on_click=toggle_like),
                    ft.IconButton(action_icon(ft.Icons.CHAT_BUBBLE_OUTLINE, "Comment"), key=f"comment-{index}",
                                  on_click=go(controller, f"/post/{post.post_id}")),
                    ft.Container(expand=True),
                    ft.IconButton(action_icon(ft.Icons.BOOKMARK if post.saved_by_me else ft.Icons.BOOKMARK_BORDER,
                                              "Unsave" if post.saved_by_me else "Save"),
                                  key=f"save-{index}", on_click=toggle_save),
                ],
            ),
            ft.Container(
                padding=ft.Padding.symmetric(horizontal=SPACING),
                content=ft.Column(spacing=2, controls=[
                    ft.Row([ft.Container(ft.Text(likes, key=f"likes-{index}", weight=ft.FontWeight.BOLD),  # who liked it
                                         on_click=go(controller, f"/post/{post.post_id}/likes") if post.like_count else None,
                                         tooltip="See who liked it" if post.like_count else None),
                            *([ft.Text("edited", key=f"edited-{index}", size=12, color=ft.Colors.ON_SURFACE_VARIANT)]
                              if post.edited_at else [])]),
                    *([byline(post.user.username, post.caption, key=f"caption-{index}")] if post.caption else []),
                    *([ft.TextButton(f"View all {post.comment_count} comments" if post.comment_count > 1 else "View 1 comment",
                                     on_click=go(controller, f"/post/{post.post_id}"))]
                      if post.comment_count and comments_link else []),
                    time_label(post.created_at, key=f"time-{index}"),
                ]),
            ),
        ],
    )
