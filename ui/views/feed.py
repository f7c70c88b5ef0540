"""The home feed: newest first, infinite scroll, a "new posts" pill instead of jumping the list."""

from __future__ import annotations

from typing import Callable

import flet as ft

from ..components.post_card import TALLEST_RATIO, WIDEST_RATIO, PostCard
from ..components.story_tray import StoryTray
from ..components.suggestions import SuggestedPeople
from ..context import act, go, use_controller
from ..models import AppState, PostList
from ..theme import CONTENT_MAX_WIDTH
from ..visibility import Item, ListGeometry, Playing, playing_key

# Start fetching the next page this far (in pixels) before the end, so scrolling rarely waits.
PREFETCH_PIXELS = 1200
# Between cards (px).
LIST_SPACING = 16
# A card's rows around its picture (author, actions, likes, caption, time), for its estimate before layout.
CARD_CHROME_PIXELS = 170
# The "new posts" pill floats this far below the top of the list.
PILL_TOP = 8
# Tapping the pill scrolls the list back to the top this fast (milliseconds).
NEW_POSTS_SCROLL_MS = 300


def estimated_height(post, width: float) -> float:
    """A card's height before it is laid out: its picture at the column's width, and the rows around it."""
    media = post.first_media
    ratio = min(max(media.aspect_ratio if media else 1.0, TALLEST_RATIO), WIDEST_RATIO)
    return width / ratio + CARD_CHROME_PIXELS


class InView:
    """What a list of cards knows of its geometry (``ui/visibility.py``), from the front end's size and scroll
    events and from the cards themselves (each says when it holds a playable video: a post that finishes
    processing changes its own card, not the list); ``playing`` holds the key of the card to play."""

    def __init__(self) -> None:
        self.geometry = ListGeometry(gap=LIST_SPACING)
        self.width = float(CONTENT_MAX_WIDTH)
        self.order: tuple[tuple[str, float], ...] = ()  # (key, estimated height), as last rendered
        self.videos: set[str] = set()
        self.playing = Playing()

    def arrange(self, posts) -> None:
        self.order = tuple((m.post_id, estimated_height(m.post, self.width)) for m in posts)

    def choose(self) -> None:
        key = playing_key(self.geometry, [Item(k, estimate, k in self.videos) for k, estimate in self.order])
        if key != self.playing.key:
            self.playing.key = key

    # The readings.
    def viewport(self, e: ft.LayoutSizeChangeEvent) -> None:
        self.geometry.viewport = e.height
        self.width = min(e.width, CONTENT_MAX_WIDTH)
        self.choose()

    def header(self, e: ft.LayoutSizeChangeEvent) -> None:
        self.geometry.leading = e.height + LIST_SPACING
        self.choose()

    def scrolled(self, e: ft.OnScrollEvent) -> None:
        self.geometry.offset = e.pixels
        self.geometry.viewport = e.viewport_dimension
        self.choose()

    def card_height(self, key: str, height: float) -> None:
        self.geometry.heights[key] = height
        self.choose()

    def card_video(self, key: str, playable: bool) -> None:
        (self.videos.add if playable else self.videos.discard)(key)
        self.choose()


@ft.component
def PostColumn(posts: PostList, load_more, empty_text: str, header: Callable[[], list] | None = None, list_ref=None,
               when_empty: Callable[[], list] | None = None):
    """A scrolling list of post cards that asks for more near its end; ``list_ref`` gets the ListView;
    ``header()`` makes what goes above the cards, ``when_empty()`` what follows the empty text. Of its videos,
    only the one most in view plays (``InView``).

    ``header`` and ``when_empty`` are functions called here, not controls made by the caller: a component made in
    another component's render and handed over as a control loses its taps once this list redraws (Flet 0.82.2,
    flet-dev/flet#6857: the front end keeps the first copy, whose id Python has dropped)."""
    in_view = ft.use_ref(None)
    if in_view.current is None:
        in_view.current = InView()
    view = in_view.current
    view.arrange(posts.posts)
    ft.use_effect(view.choose, [tuple(key for key, _ in view.order)])

    # Every scroll event, not a sample: Flet drops an event that follows its kind's previous one within the
    # interval, the last one too, and the offset where scrolling stopped is the one that decides what plays.
    async def scrolled(e: ft.OnScrollEvent):
        view.scrolled(e)
        if posts.can_load_more and e.max_scroll_extent - e.pixels < PREFETCH_PIXELS:
            await load_more()

    controls = []
    if header:
        controls.append(ft.Column(header(), spacing=LIST_SPACING, on_size_change=view.header, key="list-header"))
    controls += [PostCard(model, index, playing=view.playing, on_height=view.card_height,
                          on_video=view.card_video, key=model.post_id)
                 for index, model in enumerate(posts.posts)]
    if posts.loading:
        controls.append(ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER, padding=16))
    elif posts.loaded and not posts.posts:
        controls.append(ft.Container(ft.Text(empty_text, key="empty", text_align=ft.TextAlign.CENTER), padding=32,
                                     alignment=ft.Alignment.CENTER))
        controls += when_empty() if when_empty else []
    elif posts.next_cursor or posts.held_back:
        controls.append(ft.TextButton("Load more", key="load-more", on_click=act(load_more)))
    return ft.ListView(controls=controls, expand=True, spacing=LIST_SPACING, on_scroll=scrolled, scroll_interval=0,
                       on_size_change=view.viewport, key=f"list-{posts.key}", padding=ft.Padding.only(bottom=24),
                       ref=list_ref)


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
                       header=(lambda: [StoryTray(state, state.stories, key="story-tray")]) if state is not None else None,
                       when_empty=(lambda: [EmptyFeedActions(), SuggestedPeople(state.suggestions, key="feed-suggestions")])
                       if state is not None else None,
                       key="feed-list"),
            *pill,
        ]),
    )
