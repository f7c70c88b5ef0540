"""A profile: counts, follow / unfollow (a request for private accounts) and a three-column grid."""

from __future__ import annotations

import flet as ft

from app.api_types import UserSummary

from ..components.grid import PhotoGrid
from ..components.photo import Avatar
from ..components.safety_menu import ProfileMenu
from .profile_tabs import ProfileTabs
from ..context import act, go, use_controller
from ..models import AppState, ProfileModel
from ..safety_models import SafetyModel
from .blocked import BlockedProfile
from ..theme import CONTENT_MAX_WIDTH, SPACING


def _count(value: int, label: str, key: str, on_click=None) -> ft.Control:
    column = ft.Column([ft.Text(str(value), weight=ft.FontWeight.BOLD, size=18, key=key), ft.Text(label)],
                       horizontal_alignment=ft.CrossAxisAlignment.CENTER, spacing=0)
    if on_click is None:
        return column
    # Followers / following open their lists (people_list.py).
    return ft.Container(column, on_click=on_click, padding=ft.Padding.symmetric(horizontal=8, vertical=4), border_radius=8,
                        tooltip=f"See {label}")


@ft.component
def ProfileHeader(profile: ProfileModel, is_me: bool, safety: SafetyModel):
    controller = use_controller()
    user = profile.user
    if user is None:
        return ft.Text(profile.error or "Loading…")
    if is_me:
        action = ft.Row(wrap=True, controls=[
            ft.OutlinedButton("Edit profile", key="edit-profile", icon=ft.Icons.EDIT, on_click=go(controller, "/edit-profile")),
            ft.OutlinedButton("Saved", key="open-saved", icon=ft.Icons.BOOKMARK_BORDER, on_click=go(controller, "/saved")),
            ft.OutlinedButton("Settings", key="open-settings", icon=ft.Icons.SETTINGS, on_click=go(controller, "/settings")),
            *([ft.OutlinedButton("Admin console", key="open-console", icon=ft.Icons.ADMIN_PANEL_SETTINGS_OUTLINED,
                                 on_click=go(controller, "/admin"))] if controller.state.me and controller.state.me.is_staff else []),
        ])
    else:
        label = "Following" if user.followed_by_me else "Requested" if user.follow_requested_by_me else \
            "Request to follow" if user.is_private else "Follow"
        button = ft.OutlinedButton if (user.followed_by_me or user.follow_requested_by_me) else ft.FilledButton
        action = ft.Row([
            button(label, key="follow", disabled=profile.follow_pending,
                   on_click=act(controller.profile.toggle_follow, user.username)),
            ProfileMenu(UserSummary(user.user_id, user.username, user.avatar_url), safety),
        ])
    return ft.Column(spacing=SPACING, controls=[
        ft.Row([
            Avatar(user.username, user.avatar_url, 72),
            ft.Row([_count(user.post_count, "posts", "post-count"),
                    _count(user.follower_count, "followers", "follower-count", go(controller, f"/profile/{user.username}/followers")),
                    _count(user.following_count, "following", "following-count", go(controller, f"/profile/{user.username}/following"))],
                   expand=True, alignment=ft.MainAxisAlignment.SPACE_EVENLY),
        ]),
        ft.Text(user.display_name or user.username, weight=ft.FontWeight.BOLD, key="profile-name"),
        *([ft.Text(user.bio)] if user.bio else []),
        action,
    ])


@ft.component
def ProfileView(state: AppState, username: str):
    return ProfileScreen(state.profile(username), state.me is not None and state.me.username == username, state.safety)


@ft.component
def ProfileScreen(profile: ProfileModel, is_me: bool, safety: SafetyModel):
    controller = use_controller()
    username = profile.username

    async def load():
        if not is_me:
            await controller.safety.ensure_loaded()
            if safety.blocked_account(username):  # its profile answers 404 to me: nothing to ask
                return
        await controller.profile.load(username)

    ft.use_effect(load, [username])
    blocked = None if is_me else safety.blocked_account(username)
    if blocked is not None:  # a blocked account is 404 to me: say why, and offer the way back
        return BlockedProfile(blocked, key=f"blocked-{username}")
    user = profile.user
    locked = user is not None and user.is_private and not user.followed_by_me and not is_me
    if is_me:  # my own profile has an Albums tab beside the grid (albums are seen by their members only)
        body = ProfileTabs(controller.state.sharing, lambda: PhotoGrid(profile.posts, "No posts yet."))
    elif locked:
        body = ft.Container(ft.Text("This account is private. Follow it to see its photos.", key="private-note"), padding=24)
    else:
        body = PhotoGrid(profile.posts, "No posts yet.")
    return ft.Container(alignment=ft.Alignment.TOP_CENTER, expand=True, key=f"profile-{username}", content=ft.Column(
        width=CONTENT_MAX_WIDTH, scroll=ft.ScrollMode.AUTO, expand=True,
        controls=[ft.Container(ProfileHeader(profile, is_me, safety), padding=SPACING), body],
    ))
