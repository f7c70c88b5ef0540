"""Watched folders: a new photo is queued once, across copies, renames and restarts."""

from __future__ import annotations

import shutil
import threading
import time

from app.upload_queue import UploadQueue
from app.watcher import FolderWatcher
from tests.client.photos import write_photo

WAIT_SECONDS = 30


def wait_for_count(queue: UploadQueue, count: int, timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while len(queue.items()) < count:
        assert time.monotonic() < deadline, f"expected {count} queued items, have {len(queue.items())}"
        time.sleep(0.1)


class Decisions:
    """What the watcher decided for each settled file, as it tells ``on_considered``."""

    def __init__(self) -> None:
        self._made: list[tuple[str, bool]] = []
        self._changed = threading.Condition()

    def __call__(self, path, queued: bool) -> None:
        with self._changed:
            self._made.append((path.name, queued))
            self._changed.notify_all()

    def wait_for(self, name: str, timeout: float = WAIT_SECONDS) -> bool:
        """Whether the watcher queued ``name`` when it got to it (waits, bounded, until it has)."""
        with self._changed:
            assert self._changed.wait_for(lambda: any(n == name for n, _ in self._made), timeout), \
                f"the watcher never decided on {name}; decided {self._made}"
            return next(queued for n, queued in self._made if n == name)


def test_new_photos_are_queued_once_and_old_ones_left_alone(api, tmp_path):
    photos = tmp_path / "Pictures"
    photos.mkdir()
    write_photo(photos / "already-there.jpg", seed=1)
    queue = UploadQueue(tmp_path / "queue", api)
    decisions = Decisions()
    watcher = FolderWatcher(tmp_path / "state", queue, on_considered=decisions)
    watcher.add_folder(photos)
    watcher.start()
    try:
        write_photo(tmp_path / "new.jpg", seed=2)
        shutil.move(tmp_path / "new.jpg", photos / "new.jpg")
        assert decisions.wait_for("new.jpg") is True
        (photos / "notes.txt").write_text("not a photo")
        shutil.copy(photos / "new.jpg", photos / "copy-of-new.jpg")  # same bytes: same photo
        # Events come in order, so notes.txt was passed over before the copy was decided on.
        assert decisions.wait_for("copy-of-new.jpg") is False
        items = queue.items()
        assert len(items) == 1
        assert items[0].source.startswith("watch:")
        assert decisions.wait_for("already-there.jpg") is False  # seen at start, left alone
    finally:
        watcher.close()
        queue.close()


def test_photos_added_while_closed_are_queued_at_start_and_never_twice(api, tmp_path):
    photos = tmp_path / "Camera"
    photos.mkdir()
    queue = UploadQueue(tmp_path / "queue", api)
    watcher = FolderWatcher(tmp_path / "state", queue)
    watcher.add_folder(photos)
    watcher.close()

    write_photo(photos / "while-away.jpg", seed=3)
    for expected in (True, False):  # two restarts: the second finds it and leaves it alone
        decisions = Decisions()
        watcher = FolderWatcher(tmp_path / "state", queue, on_considered=decisions)
        watcher.start()
        try:
            assert decisions.wait_for("while-away.jpg") is expected
        finally:
            watcher.close()
    assert len(queue.items()) == 1
    assert watcher.folders() == [photos.resolve()]
    queue.close()


def test_crash_between_mark_and_enqueue_is_settled_from_the_queue(api, tmp_path):
    photos = tmp_path / "Camera"
    photos.mkdir()
    queue = UploadQueue(tmp_path / "queue", api)
    watcher = FolderWatcher(tmp_path / "state", queue)
    watcher.add_folder(photos)
    photo = write_photo(photos / "p.jpg", seed=4)
    assert watcher.consider(photo) is True
    from app.watcher import fingerprint
    watcher.memory.set(("seen", fingerprint(photo)), "pending")  # as if the process died before the last write
    assert watcher.consider(photo) is False
    assert len(queue.items()) == 1
    watcher.close()
    queue.close()
