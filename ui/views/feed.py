"""The home feed: newest first, infinite scroll, a "new posts" pill instead of jumping the list."""

from __future__ import annotations

import flet as ft

from ..components.post_card import PostCard
from ..components.story_tray import StoryTray
from ..components.suggestions import SuggestedPeople
from ..context import act, go, use_controller
from ..models import AppState, PostList
from ..theme import CONTENT_MAX_WIDTH

# Start fetching the next page this far (in pixels) before the end, so scrolling rarely waits.
PREFETCH_PIXELS = 1200
# The "new posts" pill floats this far below the top of the list.
PILL_TOP = 8
# Tapping the pill scrolls the list back to the top this fast (milliseconds).
NEW_POSTS_SCROLL_MS = 300


@ft.component
def PostColumn(posts: PostList, load_more, empty_text: str, header: list | None = None, list_ref=None,
               when_empty: list | None = None):
    """A scrolling list of post cards that asks for more near its end; ``list_ref`` gets the ListView;
    ``when_empty`` follows the empty text."""

    async def scrolled(e: ft.OnScrollEvent):
        if posts.can_load_more and e.max_scroll_extent - e.pixels < PREFETCH_PIXELS:
            await load_more()

    controls = list(header or [])
    controls += [PostCard(model, index, key=model.post_id) for index, model in enumerate(posts.posts)]
    if posts.loading:
        controls.append(ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER, padding=16))
    elif posts.loaded and not posts.posts:
        controls.append(ft.Container(ft.Text(empty_text, key="empty", text_align=ft.TextAlign.CENTER), padding=32,
                                     alignment=ft.Alignment.CENTER))
        controls += when_empty or []
    elif posts.next_cursor or posts.held_back:
        controls.append(ft.TextButton("Load more", key="load-more", on_click=act(load_more)))
    return ft.ListView(controls=controls, expand=True, spacing=16, on_scroll=scrolled, scroll_interval=200,
                       key=f"list-{posts.key}", padding=ft.Padding.only(bottom=24), ref=list_ref)


@ft.component
def EmptyFeedActions():
    """Something to do on an empty feed: find people (suggestions follow below) or post a first photo."""
    controller = use_controller()
    return ft.Row(key="empty-feed-actions", wrap=True, alignment=ft.MainAxisAlignment.CENTER, controls=[
        ft.FilledTonalButton("Find people", key="find-people", icon=ft.Icons.PERSON_SEARCH, on_click=go(controller, "/search")),
        ft.OutlinedButton("Add your first photo", key="first-photo", icon=ft.Icons.ADD_A_PHOTO_OUTLINED,
                          on_click=go(controller, "/create")),
    ])


@ft.component
def FeedView(state: AppState):
    return Feed(state.feed, state)


@ft.component
def Feed(feed: PostList, state: AppState | None = None):
    controller = use_controller()

    async def ensure_loaded():
        if not feed.loaded and not feed.loading:
            await controller.feed.load()

    ft.on_mounted(ensure_loaded)
    # The ListView on screen. Flet builds a new ListView object on every render, but its reconciler hands it
    # the on-screen control's id, so the latest one built is the one to call. ``use_ref`` keeps one holder
    # for the component's lifetime (an ``ft.Ref`` made per render, and weak, would go stale).
    list_ref = ft.use_ref(None)

    async def show_new_posts():
        """As Instagram does: the new posts go on top and the list scrolls up to them (from wherever it was)."""
        await controller.feed.show_new_posts()
        if list_ref.current is not None:
            await list_ref.current.scroll_to(offset=0, duration=NEW_POSTS_SCROLL_MS)

    pill = []
    if feed.new_posts:
        count = len(feed.new_posts)
        # Floats over the list: the post being read stays exactly where it is until the pill is tapped.
        pill = [ft.Row(top=PILL_TOP, left=0, right=0, alignment=ft.MainAxisAlignment.CENTER, controls=[
            ft.FilledButton(f"{count} new post{'s' if count > 1 else ''}", key="new-posts", icon=ft.Icons.ARROW_UPWARD,
                            on_click=act(show_new_posts))])]
    return ft.Container(
        alignment=ft.Alignment.TOP_CENTER,
        expand=True,
        content=ft.Stack(width=CONTENT_MAX_WIDTH, expand=True, controls=[
            PostColumn(feed, lambda: controller.feed.load(more=True),
                       "Your feed is empty. Follow people or share your first photo.", list_ref=list_ref,
                       header=[StoryTray(state, state.stories, key="story-tray")] if state is not None else None,
                       when_empty=[EmptyFeedActions(), SuggestedPeople(state.suggestions, key="feed-suggestions")]
                       if state is not None else None,
                       key="feed-list"),
            *pill,
        ]),
    )
