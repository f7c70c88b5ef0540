"""Lists of people: who follows someone, whom they follow, who liked a post; each row with Follow, paged on scroll."""

from __future__ import annotations

import flet as ft

from ..components.photo import Avatar
from ..context import act, go, use_controller
from ..controllers.people import list_key
from ..models import AppState
from ..people_models import PeopleList
from ..theme import CONTENT_MAX_WIDTH, SPACING

# Ask for the next page this far (pixels) before the end of the list.
PREFETCH_PIXELS = 600
EMPTY = {"followers": "No followers yet.", "following": "Not following anyone yet.", "likes": "No likes yet."}
TITLES = {"followers": "Followers of {}", "following": "Followed by {}", "likes": "Liked by"}


@ft.component
def FollowersView(state: AppState, username: str):
    return PeopleScreen(state.people.list_for(list_key("followers", username)), "followers", username, state)


@ft.component
def FollowingView(state: AppState, username: str):
    return PeopleScreen(state.people.list_for(list_key("following", username)), "following", username, state)


@ft.component
def LikersView(state: AppState, post_id: str):
    return PeopleScreen(state.people.list_for(list_key("likes", post_id)), "likes", post_id, state)


def follow_button(people: PeopleList, user, mine: bool, on_click) -> ft.Control | None:
    """Follow / Following / Requested, named with whom for screen readers (and tests); none on my own row."""
    if mine:
        return None
    if user.followed_by_me or user.follow_requested_by_me:
        word = "Following" if user.followed_by_me else "Requested"
        return ft.OutlinedButton(ft.Text(word, semantics_label=f"{word} {user.username}"), key=f"unfollow-{user.username}",
                                 disabled=user.username in people.busy, on_click=on_click)
    return ft.FilledButton(ft.Text("Follow", semantics_label=f"Follow {user.username}"), key=f"follow-{user.username}",
                           disabled=user.username in people.busy, on_click=on_click)


@ft.component
def PeopleScreen(people: PeopleList, kind: str, subject: str, state: AppState):
    controller = use_controller()
    ft.on_mounted(act(controller.people.load, kind, subject))
    me = state.me

    async def scrolled(e: ft.OnScrollEvent):
        if people.next_cursor and e.max_scroll_extent - e.pixels < PREFETCH_PIXELS:
            await controller.people.load(kind, subject, more=True)

    rows: list[ft.Control] = [ft.Text(TITLES[kind].format(subject), key="people-title", size=18, weight=ft.FontWeight.BOLD)]
    for user in people.users:
        rows.append(ft.ListTile(
            key=f"person-{user.username}", leading=Avatar(user.username, user.avatar_url, 40), title=ft.Text(user.username),
            subtitle=ft.Text(user.display_name) if user.display_name and user.display_name != user.username else None,
            trailing=follow_button(people, user, me is not None and me.user_id == user.user_id,
                                   act(controller.people.toggle_follow, people.key, user.username)),
            on_click=go(controller, f"/profile/{user.username}"),
        ))
    if people.loading:
        rows.append(ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER, padding=16))
    elif people.error and not people.users:
        rows += [ft.Text(people.error, color=ft.Colors.ERROR),
                 ft.TextButton("Try again", on_click=act(controller.people.load, kind, subject))]
    elif people.loaded and not people.users:
        rows.append(ft.Container(ft.Text(EMPTY[kind], key="people-empty", color=ft.Colors.ON_SURFACE_VARIANT), padding=24))
    elif people.next_cursor:
        rows.append(ft.TextButton("Show more people", key="more-people", on_click=act(controller.people.load, kind, subject, True)))
    return ft.Container(alignment=ft.Alignment.TOP_CENTER, expand=True, content=ft.ListView(
        rows, width=CONTENT_MAX_WIDTH, expand=True, spacing=4, padding=SPACING, on_scroll=scrolled, scroll_interval=200,
        key=f"people-{people.key}"))
