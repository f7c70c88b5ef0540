"""What one client process owns, shared by every window or browser tab it serves.

The upload queue, caches, watched folders, the local media endpoint and the live-updates connection
are per process (diskcache and the queue's worker lock are per folder, and the server allows an account
only a few live streams); each page gets its own ``Controller`` and state on top of this.

Opening it is on the path to the first frame, so it only opens what that frame needs (the session and
the feed cache); the upload queue and watched folders open on first use, just after.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
from pathlib import Path

from app.api_client import ApiClient
from app.api_types import Post, User
from app.cache import ClientCache
from app.live import LiveUpdates
from app.media_server import LocalMedia
from app.placeholder import placeholder_png
from app.session import SessionData, SessionStore, client_dir, normalise_server_url

log = logging.getLogger(__name__)


def _report_crash(what: str):
    def report(task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            log.error("%s stopped", what, exc_info=task.exception())
    return report


class ClientCore:
    def __init__(self, folder: Path | None = None, server_url: str | None = None) -> None:
        self.folder = folder or client_dir()
        # The web app served to a network gives every browser its own core (ui/app.py BrowserSessions):
        # there, nothing may touch this machine's own folders.
        self.per_browser = False
        # Served by `photoshare serve` beside its API (ui/app.py): the server is the page's own, so the sign-in
        # screen asks for no address (meaningless to a phone, which knows the server by the page it opened).
        self.server_fixed = False
        self.sessions = SessionStore(self.folder)
        session = self.sessions.load()
        if server_url and normalise_server_url(server_url) != session.server_url:
            session = SessionData(server_url=normalise_server_url(server_url))  # a new server: its own sign-in
            self.sessions.save(session)
        self.api = ApiClient(session.server_url, session.token)
        self.cache = ClientCache(self.folder / "cache")
        self.media = LocalMedia(self.cache, lambda: self.api)
        self.live = LiveUpdates(lambda: self.api)
        self._stop = asyncio.Event()
        self._worker: asyncio.Task | None = None
        self._live_task: asyncio.Task | None = None
        self._live_paused = False  # the stream was closed by pause_live and is to be opened again on resume_live

    @functools.cached_property
    def queue(self):
        from app.upload_queue import UploadQueue

        return UploadQueue(self.folder / "queue", self.api)

    @functools.cached_property
    def watcher(self):
        from app.watcher import FolderWatcher

        return FolderWatcher(self.folder, self.queue)

    @property
    def session(self) -> SessionData:
        return self.sessions.load()

    def cached_start(self) -> tuple[User | None, tuple[list[Post], str | None] | None]:
        """The signed-in account and its feed as last seen, for the first frame (no network)."""
        session = self.session
        if not session.signed_in:
            return None, None
        me = self.cache.load_user(session.username or "")
        feed = self.cache.load_posts("feed") if me is not None else None
        return me, feed

    def warm(self) -> None:
        """Work the first frame would otherwise wait for, done while the front end is still loading."""
        _, feed = self.cached_start()
        for post in (feed[0] if feed else ())[:6]:
            for media in post.media:
                placeholder_png(media.placeholder)

    def start_background(self) -> None:
        """Start delivering the queue, watching folders and listening for news (once per process)."""
        self.start_live()
        if self._worker is not None:
            return
        # A fresh context: the worker must not belong to whichever page happened to start it.
        loop = asyncio.get_running_loop()
        self._worker = loop.create_task(self.queue.run(self._stop), context=contextvars.Context())
        self._worker.add_done_callback(_report_crash("the upload queue"))
        if self.per_browser:
            return
        try:
            self.watcher.start()
        except OSError:
            log.exception("could not watch folders")

    def start_live(self) -> None:
        if self._live_task is None or self._live_task.done():
            loop = asyncio.get_running_loop()
            self._live_task = loop.create_task(self.live.run(), context=contextvars.Context())
            self._live_task.add_done_callback(_report_crash("live updates"))

    def stop_live(self) -> None:
        if self._live_task is not None:
            self._live_task.cancel()
            self._live_task = None
        self._live_paused = False
        self.live.forget()  # the next account starts from scratch; the screens keep listening

    def pause_live(self) -> None:
        """Nobody is looking (the browser went away): close the stream, so the account's slot on the server
        is free at once, but keep what was heard; ``resume_live`` opens it again if it was open."""
        if self._live_task is not None and not self._live_task.done():
            self._live_task.cancel()
            self._live_task = None
            self._live_paused = True

    def resume_live(self) -> None:
        if self._live_paused:
            self._live_paused = False
            self.start_live()

    def save_session(self, session: SessionData) -> None:
        self.sessions.save(session)
        if self.api.base_url != session.server_url:
            self.api.use_server(session.server_url)
        self.api.token = session.token

    async def close(self) -> None:
        self._stop.set()
        self.stop_live()
        if self._worker is not None:
            await asyncio.wait([self._worker], timeout=5)
        if "watcher" in self.__dict__:
            self.watcher.close()
        if "queue" in self.__dict__:
            self.queue.close()
        await self.media.close()
        self.cache.close()
        await self.api.aclose()
