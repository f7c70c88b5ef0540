"""A profile: counts, follow / unfollow (a request for private accounts) and a three-column grid."""

from __future__ import annotations

import flet as ft

from ..components.grid import PhotoGrid
from ..components.photo import Avatar
from .profile_tabs import ProfileTabs
from ..context import act, go, use_controller
from ..models import AppState, ProfileModel
from ..theme import CONTENT_MAX_WIDTH, SPACING


def _count(value: int, label: str, key: str) -> ft.Control:
    return ft.Column([ft.Text(str(value), weight=ft.FontWeight.BOLD, size=18, key=key), ft.Text(label)],
                     horizontal_alignment=ft.CrossAxisAlignment.CENTER, spacing=0)


@ft.component
def ProfileHeader(profile: ProfileModel, is_me: bool):
    controller = use_controller()
    user = profile.user
    if user is None:
        return ft.Text(profile.error or "Loading…")
    if is_me:
        action = ft.Row(wrap=True, controls=[
            ft.OutlinedButton("Edit profile", key="edit-profile", icon=ft.Icons.EDIT, on_click=go(controller, "/edit-profile")),
            ft.OutlinedButton("Saved", key="open-saved", icon=ft.Icons.BOOKMARK_BORDER, on_click=go(controller, "/saved")),
            ft.OutlinedButton("Settings", key="open-settings", icon=ft.Icons.SETTINGS, on_click=go(controller, "/settings")),
        ])
    else:
        label = "Following" if user.followed_by_me else "Requested" if user.follow_requested_by_me else \
            "Request to follow" if user.is_private else "Follow"
        button = ft.OutlinedButton if (user.followed_by_me or user.follow_requested_by_me) else ft.FilledButton
        action = button(label, key="follow", disabled=profile.follow_pending,
                        on_click=act(controller.profile.toggle_follow, user.username))
    return ft.Column(spacing=SPACING, controls=[
        ft.Row([
            Avatar(user.username, user.avatar_url, 72),
            ft.Row([_count(user.post_count, "posts", "post-count"), _count(user.follower_count, "followers", "follower-count"),
                    _count(user.following_count, "following", "following-count")],
                   expand=True, alignment=ft.MainAxisAlignment.SPACE_EVENLY),
        ]),
        ft.Text(user.display_name or user.username, weight=ft.FontWeight.BOLD, key="profile-name"),
        *([ft.Text(user.bio)] if user.bio else []),
        action,
    ])


@ft.component
def ProfileView(state: AppState, username: str):
    return ProfileScreen(state.profile(username), state.me is not None and state.me.username == username)


@ft.component
def ProfileScreen(profile: ProfileModel, is_me: bool):
    controller = use_controller()
    username = profile.username

    ft.use_effect(act(controller.profile.load, username), [username])
    user = profile.user
    locked = user is not None and user.is_private and not user.followed_by_me and not is_me
    body = ft.Container(ft.Text("This account is private. Follow it to see its photos.", key="private-note"), padding=24) \
        if locked else PhotoGrid(profile.posts, "No posts yet.")
    if is_me:  # my own profile has an Albums tab beside the grid (albums are seen by their members only)
        body = ProfileTabs(controller.state.sharing, body)
    return ft.Container(alignment=ft.Alignment.TOP_CENTER, expand=True, content=ft.Column(
        width=CONTENT_MAX_WIDTH, scroll=ft.ScrollMode.AUTO, expand=True,
        controls=[ft.Container(ProfileHeader(profile, is_me), padding=SPACING), body],
    ))
