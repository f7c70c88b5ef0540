"""What one client process owns, shared by every window or browser tab it serves.

The upload queue, caches and watched folders are per process (diskcache and the queue's worker lock
are per folder); each page gets its own ``Controller`` and state on top of this.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from pathlib import Path

from app.api_client import ApiClient
from app.cache import ClientCache
from app.session import SessionData, SessionStore, client_dir, normalise_server_url
from app.upload_queue import UploadQueue
from app.watcher import FolderWatcher

log = logging.getLogger(__name__)


def _report_crash(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("the upload queue stopped", exc_info=task.exception())


class ClientCore:
    def __init__(self, folder: Path | None = None, server_url: str | None = None) -> None:
        self.folder = folder or client_dir()
        self.sessions = SessionStore(self.folder)
        session = self.sessions.load()
        if server_url and normalise_server_url(server_url) != session.server_url:
            session = SessionData(server_url=normalise_server_url(server_url))  # a new server: its own sign-in
            self.sessions.save(session)
        self.api = ApiClient(session.server_url, session.token)
        self.queue = UploadQueue(self.folder / "queue", self.api)
        self.cache = ClientCache(self.folder / "cache")
        self.watcher = FolderWatcher(self.folder, self.queue)
        self._stop = asyncio.Event()
        self._worker: asyncio.Task | None = None

    @property
    def session(self) -> SessionData:
        return self.sessions.load()

    def start_background(self) -> None:
        """Start delivering the queue and watching folders (once per process)."""
        if self._worker is not None:
            return
        # A fresh context: the worker must not belong to whichever page happened to start it.
        loop = asyncio.get_running_loop()
        self._worker = loop.create_task(self.queue.run(self._stop), context=contextvars.Context())
        self._worker.add_done_callback(_report_crash)
        try:
            self.watcher.start()
        except OSError:
            log.exception("could not watch folders")

    def save_session(self, session: SessionData) -> None:
        self.sessions.save(session)
        if self.api.base_url != session.server_url:
            self.api.use_server(session.server_url)
        self.api.token = session.token

    async def close(self) -> None:
        self._stop.set()
        if self._worker is not None:
            await asyncio.wait([self._worker], timeout=5)
        self.watcher.close()
        self.queue.close()
        self.cache.close()
        await self.api.aclose()
