"""Watched folders: every new photo that lands in one is queued for upload exactly once.

A photo is known by the SHA-256 of its bytes, so a rename, a second copy or a restart never
queues it twice. Marking is two-step — "pending" before enqueue, "queued" after — and the queue
item carries the fingerprint in its ``source``, so a crash between the two is resolved on the next
start by looking in the queue instead of guessing. Photos that arrived while the app was closed
are found by a scan at start.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

import diskcache
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from .editing import EditSpec, is_photo, render_for_upload
from .upload_queue import UploadQueue

log = logging.getLogger(__name__)

# A camera import or a sync client writes a file over several seconds; it is only read once its size
# and mtime have held still this long.
STABLE_SECONDS = 1.5
CHECK_INTERVAL_SECONDS = 0.5
# Names that sync tools and browsers use while a file is still arriving.
PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload", ".download")
HASH_CHUNK_BYTES = 1024 * 1024
SOURCE_PREFIX = "watch:"


def fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def is_candidate(path: Path) -> bool:
    name = path.name
    return is_photo(path) and not name.startswith(".") and not name.lower().endswith(PARTIAL_SUFFIXES)


class FolderWatcher:
    def __init__(self, state_folder: Path, queue: UploadQueue,
                 on_considered: Callable[[Path, bool], None] | None = None) -> None:
        self.memory = diskcache.Cache(str(Path(state_folder) / "watched"))
        self.queue = queue
        # Told (path, queued now?) each time a settled file has been decided on, from the watcher's thread:
        # how a caller (a test) learns a copy was seen and left alone without waiting out the clock.
        self.on_considered = on_considered
        self._observer = None
        self._waiting: dict[Path, tuple[int, int, float]] = {}  # path → (size, mtime_ns, stable since)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._checker: threading.Thread | None = None

    # ---- which folders -------------------------------------------------------------------------
    def folders(self) -> list[Path]:
        return [Path(p) for p in sorted(self.memory.get("folders", []))]

    def add_folder(self, folder: Path) -> None:
        """Watch a folder from now on; the photos already in it are left alone (they are not "new")."""
        folder = Path(folder).expanduser().resolve()
        if not folder.is_dir():
            raise NotADirectoryError(f"{folder} is not a folder")
        for path in self._photos_in(folder):
            self.memory.set(("seen", fingerprint(path)), "baseline")
        self.memory.set("folders", sorted({*map(str, self.folders()), str(folder)}))
        if self._observer is not None:
            self._observer.schedule(_Events(self), str(folder), recursive=True)

    def remove_folder(self, folder: Path) -> None:
        remaining = {str(p) for p in self.folders()} - {str(Path(folder).expanduser().resolve())}
        self.memory.set("folders", sorted(remaining))
        if self._observer is not None:
            self.stop()
            self.start()

    # ---- running -------------------------------------------------------------------------------
    def start(self) -> None:
        self._stop.clear()
        self._observer = Observer()
        for folder in self.folders():
            if folder.is_dir():
                self._observer.schedule(_Events(self), str(folder), recursive=True)
        self._observer.start()
        self._checker = threading.Thread(target=self._check_loop, name="photoshare-watcher", daemon=True)
        self._checker.start()
        self.catch_up()

    def stop(self) -> None:
        self._stop.set()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(5)
            self._observer = None
        if self._checker is not None:
            self._checker.join(5)
            self._checker = None

    def close(self) -> None:
        self.stop()
        self.memory.close()

    def catch_up(self) -> None:
        """Queue photos that arrived while the app was closed (and settle any interrupted enqueue)."""
        for folder in self.folders():
            for path in self._photos_in(folder):
                self.notice(path)

    def notice(self, path: Path) -> None:
        """A file appeared or changed: wait for it to hold still, then consider it."""
        if not is_candidate(path):
            return
        with self._lock:
            self._waiting.setdefault(path, (-1, -1, time.monotonic()))

    # ---- internals -----------------------------------------------------------------------------
    def _photos_in(self, folder: Path) -> list[Path]:
        return [p for p in folder.rglob("*") if p.is_file() and is_candidate(p)]

    def _check_loop(self) -> None:
        while not self._stop.wait(CHECK_INTERVAL_SECONDS):
            for path in self._settled():
                queued = False
                try:
                    queued = self.consider(path)
                except Exception:  # one unreadable file must not stop the watcher
                    log.exception("could not queue %s", path)
                if self.on_considered is not None:
                    self.on_considered(path, queued)

    def _settled(self) -> list[Path]:
        now, ready = time.monotonic(), []
        with self._lock:
            for path, (size, mtime, since) in list(self._waiting.items()):
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    del self._waiting[path]
                    continue
                if (stat.st_size, stat.st_mtime_ns) != (size, mtime):
                    self._waiting[path] = (stat.st_size, stat.st_mtime_ns, now)
                elif now - since >= STABLE_SECONDS and stat.st_size > 0:
                    ready.append(path)
                    del self._waiting[path]
        return ready

    def consider(self, path: Path) -> bool:
        """Queue the photo unless it was seen before. Answers whether it was queued now."""
        key = ("seen", fingerprint(path))
        mark = self.memory.get(key)
        source = SOURCE_PREFIX + key[1]
        if mark in ("queued", "baseline"):
            return False
        if mark == "pending" and any(item.source == source for item in self.queue.items()):
            self.memory.set(key, "queued")  # the last run crashed after enqueueing: it is in already
            return False
        self.memory.set(key, "pending")
        with tempfile.TemporaryDirectory() as scratch:
            prepared = render_for_upload(path, EditSpec(), Path(scratch) / "photo.jpg")
            self.queue.enqueue([prepared], caption="", source=source, move=True)
        self.memory.set(key, "queued")
        log.info("queued %s from a watched folder", path)
        return True


class _Events(FileSystemEventHandler):
    def __init__(self, watcher: FolderWatcher) -> None:
        self.watcher = watcher

    def on_created(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self.watcher.notice(Path(event.src_path))

    def on_modified(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self.watcher.notice(Path(event.src_path))

    def on_moved(self, event: FileSystemEvent) -> None:
        if not event.is_directory:
            self.watcher.notice(Path(event.dest_path))
