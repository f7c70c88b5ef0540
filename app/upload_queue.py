"""The offline upload queue: a photo handed to it is delivered exactly once, whatever happens.

Every file goes to the server as a resumable upload (tus 1.0.0): the item records each file's upload URL
as soon as the server makes it, so after a dropped connection, a restarted server or a restarted app the
next attempt asks the server how far it got (HEAD) and sends only the rest. When every file is in, the
post is made from the uploads (``POST /posts {upload_ids}``) with the item's Idempotency-Key. Cancelling
an item also cancels its uploads on the server (DELETE), which removes their bytes.

Each item's files are copied into the queue's own spool folder and its record is written to
diskcache (SQLite underneath, so a crash never leaves half a record) before ``enqueue`` returns.
The item carries an Idempotency-Key made once at enqueue time and sent with every attempt, across
retries and restarts: if the server committed the post but the answer was lost, the next attempt
gets the same post back instead of making a second one.

States: queued → uploading → done | failed | cancelled, and paused (by the user, or because the
server wants a fresh sign-in). Network trouble, 429 and 5xx go back to queued with exponential
backoff; the server's other refusals (bad file, too large…) are failures shown with its reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import random
import shutil
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path

import diskcache

from .api_client import ApiClient, ApiError

log = logging.getLogger(__name__)

ITEM_PREFIX = "item:"
PAUSED_ALL_KEY = "paused_all"
# First retry after 2 s, doubling up to 5 minutes: quick recovery from a blip, gentle on a server
# that is down for a while. Retries never stop on their own — the photo must not be lost.
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_MAX_SECONDS = 300.0
# Items added by another process (a watched folder in the CLI, a second window) are noticed this fast.
POLL_SECONDS = 5.0
# Writing progress to disk on every 64 KiB chunk would cost more than the upload; other processes
# (the settings screen of a second window) see it refreshed this often.
PROGRESS_PERSIST_SECONDS = 0.5


class ItemState(StrEnum):
    QUEUED = "queued"
    UPLOADING = "uploading"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    PAUSED = "paused"


FINISHED_STATES = {ItemState.DONE, ItemState.FAILED, ItemState.CANCELLED}


@dataclass(frozen=True)
class QueueItem:
    item_id: str
    idempotency_key: str
    files: tuple[str, ...]
    caption: str = ""
    alt_texts: tuple[str, ...] = ()
    source: str = "create"
    state: ItemState = ItemState.QUEUED
    attempts: int = 0
    next_attempt_at: float = 0.0
    error_code: str | None = None
    error_message: str | None = None
    post_id: str | None = None
    bytes_sent: int = 0
    bytes_total: int = 0
    created_at: float = field(default_factory=time.time)
    tus_urls: tuple[str | None, ...] = ()  # each file's resumable upload on the server, once made

    @property
    def progress(self) -> float:
        return self.bytes_sent / self.bytes_total if self.bytes_total else 0.0

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_STATES

    def to_record(self) -> dict:
        return {**asdict(self), "state": self.state.value}

    @classmethod
    def from_record(cls, record: dict) -> "QueueItem":
        return cls(**{**record, "state": ItemState(record["state"]), "files": tuple(record["files"]),
                      "alt_texts": tuple(record["alt_texts"]), "tus_urls": tuple(record.get("tus_urls") or ())})


Listener = Callable[[QueueItem], None]


def backoff_delay(attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff with jitter (so many clients coming back online do not retry in step)."""
    delay = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))
    delay *= random.uniform(0.5, 1.0)
    return max(delay, retry_after or 0.0)


class UploadQueue:
    def __init__(self, folder: Path, api: ApiClient, *, max_bytes_per_second: int | None = None,
                 delay: Callable[[int, float | None], float] = backoff_delay) -> None:
        self.folder = Path(folder)
        self.spool = self.folder / "spool"
        self.spool.mkdir(parents=True, exist_ok=True)
        self.db = diskcache.Cache(str(self.folder / "items"))
        self.api = api
        self.max_bytes_per_second = max_bytes_per_second
        self._delay = delay
        self._listeners: list[Listener] = []
        self._live: dict[str, QueueItem] = {}  # in-flight progress, newer than the persisted record
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._current: tuple[str, asyncio.Task] | None = None
        self._aborted: set[str] = set()  # items whose upload cancel()/pause() stopped on purpose
        self._lock_file = None

    def close(self) -> None:
        self.db.close()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    # ---- what the UI and the watcher call ------------------------------------------------------
    def enqueue(self, files: Sequence[Path], caption: str = "", alt_texts: Sequence[str] = (), *,
                source: str = "create", move: bool = False) -> QueueItem:
        """Copy (or move) the files into the spool, then record the item. Safe from any thread."""
        item_id = uuid.uuid4().hex
        target = self.spool / item_id
        staging = self.spool / f".{item_id}.partial"
        staging.mkdir()
        spooled = []
        for index, path in enumerate(map(Path, files)):
            destination = staging / f"{index}{path.suffix.lower()}"
            (shutil.move if move else shutil.copyfile)(path, destination)
            spooled.append(str(target / destination.name))
        staging.rename(target)  # atomic: the record below never points at half-copied files
        total = sum(Path(p).stat().st_size for p in spooled)
        item = QueueItem(item_id=item_id, idempotency_key=str(uuid.uuid4()), files=tuple(spooled), caption=caption,
                         alt_texts=tuple(alt_texts), source=source, bytes_total=total)
        self._store(item)
        self._notify(item)
        self.wake()
        return item

    def items(self) -> list[QueueItem]:
        found = []
        for key in self.db.iterkeys():
            if isinstance(key, str) and key.startswith(ITEM_PREFIX):
                record = self.db.get(key)
                if record is not None:
                    found.append(self._live.get(record["item_id"]) or QueueItem.from_record(record))
        return sorted(found, key=lambda item: item.created_at)

    def get(self, item_id: str) -> QueueItem | None:
        if item_id in self._live:
            return self._live[item_id]
        record = self.db.get(ITEM_PREFIX + item_id)
        return QueueItem.from_record(record) if record else None

    def pending_count(self) -> int:
        return sum(1 for item in self.items() if not item.finished)

    def cancel(self, item_id: str) -> QueueItem | None:
        """Stop an item for good (an upload in flight is aborted). A post the server already made stays."""
        item = self._transition(item_id, ItemState.CANCELLED, allowed={ItemState.QUEUED, ItemState.PAUSED, ItemState.UPLOADING})
        if item is not None:
            self._abort_if_current(item_id)
            self._drop_spool(item_id)
            self.wake()  # the worker cancels the item's uploads on the server (_cancel_on_server)
        return item

    def pause(self, item_id: str) -> QueueItem | None:
        item = self._transition(item_id, ItemState.PAUSED, allowed={ItemState.QUEUED, ItemState.UPLOADING})
        if item is not None:
            self._abort_if_current(item_id)
        return item

    def resume(self, item_id: str) -> QueueItem | None:
        """Paused or failed → queued now, keeping the idempotency key."""
        item = self._transition(item_id, ItemState.QUEUED, allowed={ItemState.PAUSED, ItemState.FAILED}, next_attempt_at=0.0)
        self.wake()
        return item

    def retry_now(self) -> None:
        """Skip the backoff wait (the user pressed "retry", or the network came back)."""
        for item in self.items():
            if item.state == ItemState.QUEUED and item.next_attempt_at > time.time():
                self._transition(item.item_id, ItemState.QUEUED, allowed={ItemState.QUEUED}, next_attempt_at=0.0)
        self.wake()

    def resume_after_sign_in(self) -> None:
        for item in self.items():
            if item.state == ItemState.PAUSED and item.error_code == "unauthorized":
                self.resume(item.item_id)

    def remove(self, item_id: str) -> None:
        """Forget a finished item (clears it from the list)."""
        item = self.get(item_id)
        if item is not None and item.finished:
            self.db.delete(ITEM_PREFIX + item_id)
            self._drop_spool(item_id)

    def clear_finished(self) -> None:
        for item in self.items():
            if item.state in (ItemState.DONE, ItemState.CANCELLED):
                self.remove(item.item_id)

    @property
    def paused_all(self) -> bool:
        return bool(self.db.get(PAUSED_ALL_KEY, False))

    def set_paused_all(self, paused: bool) -> None:
        self.db.set(PAUSED_ALL_KEY, paused)
        if paused and self._current is not None:
            self.pause(self._current[0])
            self.resume(self._current[0])  # back to queued: pausing the queue is not pausing the item
        self.wake()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def wake(self) -> None:
        if self._wake is None or self._loop is None:
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed: nothing to wake
            self._loop.call_soon_threadsafe(self._wake.set)

    # ---- the worker ----------------------------------------------------------------------------
    def claim_worker(self) -> bool:
        """Only one process delivers a queue; the OS drops the lock if that process dies."""
        if self._lock_file is not None:
            return True
        handle = open(self.folder / "worker.lock", "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._lock_file = handle
        return True

    def recover(self) -> None:
        """After a crash an item may still say "uploading": it goes back to queued with the same key."""
        for item in self.items():
            if item.state == ItemState.UPLOADING:
                self._store(replace(item, state=ItemState.QUEUED, next_attempt_at=0.0))

    async def run(self, stop: asyncio.Event | None = None, *, until_idle: bool = False) -> None:
        """Deliver items until ``stop`` is set (or, with ``until_idle``, until nothing is waiting)."""
        if not self.claim_worker():
            log.info("another process is delivering this upload queue")
            if until_idle:
                return
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self.recover()
        stop = stop or asyncio.Event()
        while not stop.is_set():
            if self._lock_file is None and not self.claim_worker():
                await self._sleep(POLL_SECONDS, stop)
                continue
            await self._cancel_on_server()
            item, wait = self._next_ready()
            if item is not None:
                await self._deliver(item)
                continue
            if until_idle and wait is None:
                return
            await self._sleep(min(wait or POLL_SECONDS, POLL_SECONDS), stop)

    async def _sleep(self, seconds: float, stop: asyncio.Event) -> None:
        self._wake.clear()
        waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    def _next_ready(self) -> tuple[QueueItem | None, float | None]:
        """The oldest item due now, or how long until one is (None: nothing is waiting at all)."""
        if self.paused_all:
            return None, POLL_SECONDS if self.pending_count() else None
        now = time.time()
        soonest = None
        for item in self.items():
            if item.state != ItemState.QUEUED:
                continue
            if item.next_attempt_at <= now:
                return item, 0.0
            soonest = min(soonest or item.next_attempt_at, item.next_attempt_at)
        return None, (soonest - now if soonest is not None else None)

    async def _deliver(self, item: QueueItem) -> None:
        log.info("uploading %s (attempt %d)", item.item_id, item.attempts + 1)
        item = replace(item, state=ItemState.UPLOADING, attempts=item.attempts + 1, bytes_sent=0)
        self._store(item)
        self._notify(item)
        token_at_start = self.api.token
        task = asyncio.ensure_future(self._upload(item))
        self._current = (item.item_id, task)
        try:
            post_id = await task
        except asyncio.CancelledError:
            if item.item_id not in self._aborted:  # shutdown: the item stays "uploading" for recover()
                raise
            return  # cancel() or pause() already recorded the new state
        except ApiError as error:
            if error.status == 401 and self.api.token != token_at_start:
                # Signed in again while this attempt ran with the old token: try again at once, not pause.
                self._finish(item, ItemState.QUEUED, next_attempt_at=0.0)
            else:
                self._after_refusal(item, error)
        except FileNotFoundError:
            self._finish(item, ItemState.FAILED, error_code="file_missing", error_message="The photo's file is gone from the queue.")
        else:
            total = self._live.get(item.item_id, item).bytes_total
            self._finish(item, ItemState.DONE, post_id=post_id, bytes_sent=total, bytes_total=total)
            self._drop_spool(item.item_id)
        finally:
            self._current = None
            self._aborted.discard(item.item_id)
            self._live.pop(item.item_id, None)

    async def _upload(self, item: QueueItem) -> str:
        """Each file by tus (resuming where the server got to), then the post from the uploads."""
        last_persist = 0.0
        files = [Path(p) for p in item.files]
        sizes = [path.stat().st_size for path in files]
        total = sum(sizes)
        urls = list(item.tus_urls) + [None] * (len(files) - len(item.tus_urls))

        def progress(sent: int) -> None:
            nonlocal last_persist
            current = replace(item, bytes_sent=sent, bytes_total=total, tus_urls=tuple(urls))
            self._live[item.item_id] = current
            if time.monotonic() - last_persist >= PROGRESS_PERSIST_SECONDS:
                last_persist = time.monotonic()
                self._store_if_state(current, ItemState.UPLOADING)
            self._notify(current)

        upload_ids = []
        for index, path in enumerate(files):
            before = sum(sizes[:index])
            for fresh in (False, True):
                if urls[index] is None:
                    # Keyed per file: an answer lost on the way back gives the same upload on the next attempt.
                    urls[index] = await self.api.tus_create(path, idempotency_key=f"{item.idempotency_key}.{index}")
                    item = replace(item, tus_urls=tuple(urls))
                    self._store_if_state(item, ItemState.UPLOADING)  # recorded before any byte is sent
                try:
                    await self.api.tus_send(urls[index], path, progress=lambda sent, before=before: progress(before + sent),
                                            max_bytes_per_second=self.max_bytes_per_second)
                    break
                except ApiError as error:
                    if error.status not in (404, 410) or fresh:
                        raise
                    urls[index] = None  # expired or refused on the server: start this file again
            upload_ids.append(urls[index].rstrip("/").rsplit("/", 1)[1])
        progress(total)
        post = await self.api.create_post_from_uploads(upload_ids, item.caption, item.alt_texts,
                                                       idempotency_key=item.idempotency_key)
        return post.post_id

    async def _cancel_on_server(self) -> None:
        """Cancelled items' uploads are cancelled on the server too; tried again until the server answers."""
        for item in self.items():
            if item.state != ItemState.CANCELLED or not any(item.tus_urls):
                continue
            try:
                for url in item.tus_urls:
                    if url:
                        await self.api.tus_cancel(url)
            except ApiError as error:
                log.info("could not cancel %s's uploads yet: %s", item.item_id, error)
                continue
            with self.db.transact():
                record = self.db.get(ITEM_PREFIX + item.item_id)
                if record is not None:
                    self._store(replace(QueueItem.from_record(record), tus_urls=()))

    def _after_refusal(self, item: QueueItem, error: ApiError) -> None:
        if error.is_transient:
            wait = self._delay(item.attempts, error.retry_after)
            self._finish(item, ItemState.QUEUED, error_code=error.code, error_message=error.message,
                         next_attempt_at=time.time() + wait)
        elif error.status == 401:
            self._finish(item, ItemState.PAUSED, error_code="unauthorized", error_message="Sign in again to send this photo.")
        else:
            self._finish(item, ItemState.FAILED, error_code=error.code, error_message=error.message)

    def _finish(self, item: QueueItem, state: ItemState, **changes) -> None:
        """Record an attempt's outcome unless the user cancelled or paused the item meanwhile."""
        current = self.get(item.item_id)
        if current is None or current.state != ItemState.UPLOADING:
            return
        record = self.db.get(ITEM_PREFIX + item.item_id)
        urls = tuple(record.get("tus_urls") or ()) if record else item.tus_urls
        done = replace(item, state=state, tus_urls=urls, **{"error_code": None, "error_message": None, **changes})
        self._store(done)
        self._notify(done)

    # ---- storage -------------------------------------------------------------------------------
    def _store(self, item: QueueItem) -> None:
        self.db.set(ITEM_PREFIX + item.item_id, item.to_record())

    def _store_if_state(self, item: QueueItem, state: ItemState) -> None:
        with self.db.transact():
            record = self.db.get(ITEM_PREFIX + item.item_id)
            if record is not None and record["state"] == state.value:
                self._store(item)

    def _transition(self, item_id: str, state: ItemState, *, allowed: set[ItemState], **changes) -> QueueItem | None:
        with self.db.transact():
            record = self.db.get(ITEM_PREFIX + item_id)
            if record is None or ItemState(record["state"]) not in allowed:
                return None
            item = replace(QueueItem.from_record(record), state=state, **changes)
            self._store(item)
        self._live.pop(item_id, None)
        self._notify(item)
        return item

    def _abort_if_current(self, item_id: str) -> None:
        if self._current is not None and self._current[0] == item_id and self._loop is not None:
            self._aborted.add(item_id)
            self._loop.call_soon_threadsafe(self._current[1].cancel)

    def _drop_spool(self, item_id: str) -> None:
        shutil.rmtree(self.spool / item_id, ignore_errors=True)

    def _notify(self, item: QueueItem) -> None:
        for listener in list(self._listeners):
            try:
                listener(item)
            except Exception:  # a broken view must not stop deliveries
                log.exception("upload queue listener failed")
