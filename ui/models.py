"""Observable UI state. Views are functions of these; their methods are the only way state changes.

Network calls live in ``ui.controllers``; these classes hold what the screen shows and know how to
change it (optimistic likes and their rollback, the "new posts" pill, the create flow's steps).
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, replace

import flet as ft

from app.api_types import Comment, Notification, Post, User, UserSummary
from app.upload_queue import QueueItem

from .create_models import CreateModel
from .people_models import PeopleState
from .navigation import NavigationModel
from .safety_models import AdminModel, SafetyModel
from .sharing_models import SharingState
from .story_models import StoriesModel, StoryPlayer, SuggestionsModel


@ft.observable
@dataclass
class PostModel:
    """One post as shown: its counts change optimistically and roll back if the server refuses."""

    post: Post
    pending: bool = False  # a like/save request is in flight

    @property
    def post_id(self) -> str:
        return self.post.post_id

    def toggle_like(self) -> bool:
        """Flip at once (the user sees the heart fill now); answers the new liked state."""
        liked = not self.post.liked_by_me
        self.post = replace(self.post, liked_by_me=liked, like_count=max(0, self.post.like_count + (1 if liked else -1)))
        return liked

    def confirm_likes(self, like_count: int) -> None:
        self.post = replace(self.post, like_count=like_count)

    def rollback_like(self, previous: Post) -> None:
        self.post = replace(self.post, liked_by_me=previous.liked_by_me, like_count=previous.like_count)

    def toggle_save(self) -> bool:
        saved = not self.post.saved_by_me
        self.post = replace(self.post, saved_by_me=saved)
        return saved

    def rollback_save(self, previous: Post) -> None:
        self.post = replace(self.post, saved_by_me=previous.saved_by_me)

    def comment_added(self) -> None:
        self.post = replace(self.post, comment_count=self.post.comment_count + 1)


@ft.observable
@dataclass
class PostList:
    """A paged list of posts (feed, profile grid, saved, tag) with infinite scroll."""

    key: str
    posts: list[PostModel] = field(default_factory=list)
    next_cursor: str | None = None
    loading: bool = False
    loaded: bool = False
    from_cache: bool = False
    error: str | None = None
    new_posts: list[Post] = field(default_factory=list)  # arrived while the user was reading: shown as a pill
    held_back: list[Post] = field(default_factory=list)  # cached, not drawn yet (see ``show_first``)

    @property
    def can_load_more(self) -> bool:
        return (self.next_cursor is not None or bool(self.held_back)) and not self.loading

    def replace_all(self, posts: list[Post], next_cursor: str | None, *, from_cache: bool = False,
                    show_first: int | None = None) -> None:
        """``show_first`` draws only that many now and keeps the rest for ``show_held_back``."""
        self.posts = [PostModel(p) for p in posts[:show_first]]
        self.held_back = list(posts[show_first:]) if show_first is not None else []
        self.next_cursor = next_cursor
        self.loaded = True
        self.from_cache = from_cache
        self.error = None
        self.new_posts = []

    def show_held_back(self) -> None:
        self.posts.extend(PostModel(p) for p in self.held_back)
        self.held_back = []

    @property
    def all_posts(self) -> list[Post]:
        """Everything this list holds, drawn or held back (what the offline cache keeps)."""
        return [m.post for m in self.posts] + list(self.held_back)

    def append(self, posts: list[Post], next_cursor: str | None) -> None:
        known = {m.post_id for m in self.posts}
        self.posts.extend(PostModel(p) for p in posts if p.post_id not in known)
        self.next_cursor = next_cursor

    def offer_newer(self, newest_first: list[Post]) -> None:
        """Posts newer than the top of the list wait behind the pill instead of shifting what is read."""
        known = {m.post_id for m in self.posts} | {p.post_id for p in self.new_posts}
        fresh = [p for p in newest_first if p.post_id not in known]
        if fresh:
            self.new_posts = fresh + list(self.new_posts)

    def show_new_posts(self) -> None:
        self.posts[0:0] = [PostModel(p) for p in self.new_posts]
        self.new_posts = []

    def remove(self, post_id: str) -> None:
        self.posts = [m for m in self.posts if m.post_id != post_id]

    def find(self, post_id: str) -> PostModel | None:
        return next((m for m in self.posts if m.post_id == post_id), None)


@ft.observable
@dataclass
class ProfileModel:
    username: str
    user: User | None = None
    posts: PostList | None = None
    error: str | None = None
    follow_pending: bool = False


@ft.observable
@dataclass
class CommentsModel:
    post_id: str
    comments: list[Comment] = field(default_factory=list)
    next_cursor: str | None = None
    loaded: bool = False


@ft.observable
@dataclass
class QueueModel:
    items: list[QueueItem] = field(default_factory=list)
    paused_all: bool = False

    def refresh(self, items: list[QueueItem], paused_all: bool) -> None:
        if items != list(self.items):
            self.items = items
        self.paused_all = paused_all

    @property
    def pending(self) -> list[QueueItem]:
        return [i for i in self.items if not i.finished]


@ft.observable
@dataclass
class SearchModel:
    query: str = ""
    users: list[UserSummary] = field(default_factory=list)
    hashtags: list = field(default_factory=list)
    searched: bool = False


@ft.observable
@dataclass
class NotificationsModel:
    items: list[Notification] = field(default_factory=list)
    unread: int = 0
    loaded: bool = False
    follow_requests: list[UserSummary] = field(default_factory=list)


# What a sign-out keeps: where the app is and which server it talks to, that server's answers about registration,
# the device's upload queue and watched folders (read from the device's own stores), the layout and the theme.
DEVICE_FIELDS = frozenset({"route", "server_url", "online", "live_mode", "setup_code_needed", "registration",
                           "invite_refused", "toast", "queue", "watched_folders", "nav"})


@ft.observable
@dataclass
class AppState:
    route: str = "/"
    server_url: str = ""
    me: User | None = None
    online: bool = True
    live_mode: str = "connecting"  # live | polling | offline: how news reaches this process (app.live)
    setup_code_needed: bool = False  # the server waits for its admin: creating an account takes the setup code
    registration: str = "open"  # who may register on the server: open | invite | closed (GET /setup)
    invite_refused: bool = False  # the last try to create an account was refused for want of a valid invite
    toast: str | None = None
    feed: PostList = field(default_factory=lambda: PostList("feed"))
    saved: PostList = field(default_factory=lambda: PostList("saved"))
    create: CreateModel = field(default_factory=CreateModel)
    queue: QueueModel = field(default_factory=QueueModel)
    search: SearchModel = field(default_factory=SearchModel)
    notifications: NotificationsModel = field(default_factory=NotificationsModel)
    watched_folders: list[str] = field(default_factory=list)
    profiles: dict[str, ProfileModel] = field(default_factory=dict)
    tags: dict[str, PostList] = field(default_factory=dict)
    comments: dict[str, CommentsModel] = field(default_factory=dict)
    posts: dict[str, PostModel] = field(default_factory=dict)  # post detail screens
    safety: SafetyModel = field(default_factory=SafetyModel)  # my blocks and mutes
    admin: AdminModel = field(default_factory=AdminModel)  # the admin console (moderators and admins)
    sharing: SharingState = field(default_factory=SharingState)  # albums, the picker, share links
    stories: StoriesModel = field(default_factory=StoriesModel)
    player: StoryPlayer = field(default_factory=StoryPlayer)
    explore: PostList = field(default_factory=lambda: PostList("explore"))
    suggestions: SuggestionsModel = field(default_factory=SuggestionsModel)
    people: PeopleState = field(default_factory=PeopleState)  # followers, following, likers; my data copy
    nav: NavigationModel = field(default_factory=NavigationModel)  # the lit tab, Back, the layout, the theme

    @property
    def signed_in(self) -> bool:
        return self.me is not None

    def profile(self, username: str) -> ProfileModel:
        if username not in self.profiles:
            self.profiles[username] = ProfileModel(username, posts=PostList(f"profile:{username}"))
        return self.profiles[username]

    def tag(self, tag: str) -> PostList:
        if tag not in self.tags:
            self.tags[tag] = PostList(f"tag:{tag}")
        return self.tags[tag]

    def comments_for(self, post_id: str) -> CommentsModel:
        if post_id not in self.comments:
            self.comments[post_id] = CommentsModel(post_id)
        return self.comments[post_id]

    def post_models(self, post_id: str) -> list[PostModel]:
        """Every on-screen copy of a post, so a like shows everywhere it appears."""
        lists = [self.feed, self.saved, *self.tags.values(), *(p.posts for p in self.profiles.values() if p.posts)]
        found = [m for m in (lst.find(post_id) for lst in lists) if m is not None]
        if post_id in self.posts:
            found.append(self.posts[post_id])
        return found

    def drop_posts_by(self, user_id: str, *, feed_only: bool = False) -> None:
        """An account was blocked (gone from every list) or muted (gone from the home feed only)."""
        lists = [self.feed] if feed_only else [self.feed, self.saved, *self.tags.values()]
        for lst in lists:
            lst.posts = [m for m in lst.posts if m.post.user.user_id != user_id]
            lst.held_back = [p for p in lst.held_back if p.user.user_id != user_id]
            lst.new_posts = [p for p in lst.new_posts if p.user.user_id != user_id]

    def all_post_models(self) -> list[PostModel]:
        lists = [self.feed, self.saved, *self.tags.values(), *(p.posts for p in self.profiles.values() if p.posts)]
        return [m for lst in lists for m in lst.posts] + list(self.posts.values())

    def signed_out(self) -> None:
        """Forget everything of the account that was signed in, so the next one on this device never sees a
        glimpse of it (its tray, its Explore, its suggestions, its feed). What belongs to the device stays:
        ``DEVICE_FIELDS``."""
        self.player.finished = True  # a viewer still open stops its clock
        for item in fields(self):
            if item.name not in DEVICE_FIELDS:
                setattr(self, item.name, item.default_factory() if item.default_factory is not MISSING else item.default)
