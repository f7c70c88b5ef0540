"""The page's coordinator: the one way to call the API, the background loop, and live news.

It owns one controller per feature (``session``, ``feed``, ``post``, ``profile``, ``search``,
``notifications``, ``create``, ``queue``, ``safety``, ``admin``, ``sharing``, ``stories``, ``explore``) and routes what the live connection hears to them.
"""

from __future__ import annotations

import asyncio
import logging

from app.api_client import ApiError, OfflineError
from app.api_types import LiveEvent

from ..core import ClientCore
from ..models import AppState
from .account import AccountController
from .admin import AdminController
from .create import CreateController
from .explore import ExploreController
from .feed import FeedController
from .notifications import NotificationsController
from .people import PeopleController
from .post import PostController
from .profile import ProfileController
from .queue import QueueController
from .safety import SafetyController
from .search import SearchController
from .session import SessionController
from .sharing import SharingController
from .stories import StoriesController
from .video_create import VideoCreateController

log = logging.getLogger(__name__)

# How often the queue list on screen is refreshed from the queue (cheap: a diskcache read).
QUEUE_REFRESH_SECONDS = 1.0
# While offline, how often to knock on the server's door.
OFFLINE_PROBE_SECONDS = 5.0


class Controller:
    def __init__(self, core: ClientCore, state: AppState, navigate) -> None:
        self.core = core
        self.state = state
        self.navigate = navigate  # async (route) -> None
        self.session = SessionController(self)
        self.feed = FeedController(self)
        self.post = PostController(self)
        self.profile = ProfileController(self)
        self.search = SearchController(self)
        self.notifications = NotificationsController(self)
        self.create = CreateController(self)
        self.queue = QueueController(self)
        self.safety = SafetyController(self)
        self.admin = AdminController(self)
        self.sharing = SharingController(self)  # albums, share links, editing posts
        self.stories = StoriesController(self)
        self.explore = ExploreController(self)
        self.video_create = VideoCreateController(self)  # Create with a video instead of photos
        self.people = PeopleController(self)  # followers, following, likers
        self.account = AccountController(self)  # my data copy, deleting the account

    @property
    def api(self):
        return self.core.api

    async def call(self, action, *, quiet: bool = False):
        """Run one API call; answers None (and tells the user) instead of raising."""
        try:
            result = await action()
        except OfflineError:
            self.state.online = False
            if not quiet:
                self.toast("You are offline. Showing what was saved on this device.")
            return None
        except ApiError as error:
            self.state.online = True
            if error.status == 401 and self.state.signed_in:
                await self.session.sign_out(local_only=True)
                self.toast("Your session ended. Please sign in again.")
            elif not quiet:
                self.toast(error.message)
            return None
        self.state.online = True
        return result

    def toast(self, message: str) -> None:
        self.state.toast = message

    async def start(self) -> None:
        await self.session.start()

    async def background(self) -> None:
        """Per page: keep the queue list fresh, notice coming back online, and act on live news
        (the unread badge, the "new posts" pill) the moment the process's live connection hears it."""
        events: asyncio.Queue[LiveEvent] = asyncio.Queue()
        unsubscribe = self.core.live.subscribe(events.put_nowait)
        if self.core.live.unread_count is not None:  # heard before this page opened
            self.state.notifications.unread = self.core.live.unread_count
        try:
            while True:
                try:
                    await self._background_loop(events)
                except asyncio.CancelledError:
                    raise
                except Exception:  # keep the screen live whatever one refresh hit
                    log.exception("background refresh failed")
                    await asyncio.sleep(QUEUE_REFRESH_SECONDS)
        finally:
            unsubscribe()

    async def _background_loop(self, events: asyncio.Queue) -> None:
        last_probe = 0.0
        loop = asyncio.get_running_loop()
        while True:
            if self.state.signed_in:
                self.queue.refresh()
            now = loop.time()
            if not self.state.online and now - last_probe >= OFFLINE_PROBE_SECONDS:
                last_probe = now
                await self.probe()
            if self.state.online and self.state.signed_in:
                await self.feed.refresh_processing()
                await self.feed.check_new_posts_if_due()
            try:
                first = await asyncio.wait_for(events.get(), QUEUE_REFRESH_SECONDS)
            except asyncio.TimeoutError:
                continue
            news = [first]
            while not events.empty():
                news.append(events.get_nowait())
            for event in _coalesced(news):
                await self.on_live_event(event)

    async def on_live_event(self, event: LiveEvent) -> None:
        if event.name == "unread":
            await self.notifications.on_unread(int(event.data.get("unread_count") or 0))
        elif event.name == "feed":
            await self.feed.on_feed_news()
        elif event.name == "mode":
            self.state.live_mode = event.data.get("mode", "")
            if self.state.live_mode == "live" and not self.state.online:
                await self.probe()  # the stream is back, so is the server: do not wait for the next knock
        elif event.name == "unauthorized" and self.state.signed_in:
            await self.session.sign_out(local_only=True)
            self.toast("Your session ended. Please sign in again.")

    async def probe(self) -> None:
        try:
            await self.api.health()
        except ApiError:
            return
        self.state.online = True
        self.core.queue.retry_now()
        if self.state.signed_in:
            await self.feed.load()


def _coalesced(events: list[LiveEvent]) -> list[LiveEvent]:
    """A burst of news is acted on once per kind: the newest count, one look for new posts."""
    latest: dict[str, LiveEvent] = {}
    for event in events:
        latest.pop(event.name, None)
        latest[event.name] = event
    return list(latest.values())
