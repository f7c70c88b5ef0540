"""Watched folders: a new photo is queued once, across copies, renames and restarts."""

from __future__ import annotations

import shutil
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


def settle() -> None:
    """Longer than the watcher's stability wait, so anything it would queue has been queued."""
    time.sleep(3.5)


def test_new_photos_are_queued_once_and_old_ones_left_alone(api, tmp_path):
    photos = tmp_path / "Pictures"
    photos.mkdir()
    write_photo(photos / "already-there.jpg", seed=1)
    queue = UploadQueue(tmp_path / "queue", api)
    watcher = FolderWatcher(tmp_path / "state", queue)
    watcher.add_folder(photos)
    watcher.start()
    try:
        write_photo(tmp_path / "new.jpg", seed=2)
        shutil.move(tmp_path / "new.jpg", photos / "new.jpg")
        wait_for_count(queue, 1)
        (photos / "notes.txt").write_text("not a photo")
        shutil.copy(photos / "new.jpg", photos / "copy-of-new.jpg")  # same bytes: same photo
        settle()
        items = queue.items()
        assert len(items) == 1
        assert items[0].source.startswith("watch:")
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
    for _ in range(2):  # two restarts: the second must find nothing new
        watcher = FolderWatcher(tmp_path / "state", queue)
        watcher.start()
        try:
            wait_for_count(queue, 1)
            settle()
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
