"""Temporary files: one folder per process under ``<data_dir>/tmp``, and the sweep of those a crash left.

Uploads being received and media being rendered are written under ``tmp/`` first. A process killed mid-way
(SIGKILL, OOM, power loss) leaves them there, and nothing would ever remove them. But several live
processes may share one data folder (``serve --workers N``, a worker, an admin command), so a starting
process must not delete what another one is still writing.

So each process writes in a folder of its own, ``tmp/p<pid>-<random>/``, beside a lock file
``tmp/p<pid>-<random>.lock`` that it holds an exclusive ``flock`` on for as long as it lives. The kernel
drops the lock when the process ends, however it ends. At start every process sweeps ``tmp/``: a folder
whose lock it can take belongs to a dead process and is removed; one whose lock is held is left alone.
Entries without a lock (written by older versions, or on systems without ``flock``) are removed only once
nothing in them changed for ``STALE_UNLOCKED_SECONDS``.

A new process takes its lock *before* making its folder, and checks the lock file it holds is still the
one at that name (a sweeper may have removed it in between: then it starts over with a new name).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no flock; only the age rule applies there
    fcntl = None

log = logging.getLogger(__name__)

LOCK_SUFFIX = ".lock"
# Entries no live process can be shown to own are removed once untouched this long: longer than any upload
# or rendering takes (a slow upload keeps writing, so its file's time stays fresh).
STALE_UNLOCKED_SECONDS = 6 * 3600
CLAIM_ATTEMPTS = 5


class ScratchDir:
    """This process's folder under ``root``, made (and locked) when first asked for."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._path: Path | None = None
        self._lock_fd: int | None = None

    def path(self) -> Path:
        if self._path is None or not self._path.is_dir():
            self._path = self._claim()
        return self._path

    def _claim(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        for _ in range(CLAIM_ATTEMPTS):
            name = f"p{os.getpid()}-{secrets.token_hex(4)}"
            folder = self.root / name
            if fcntl is None:
                folder.mkdir()
                return folder
            lock = self.root / (name + LOCK_SUFFIX)
            fd = os.open(lock, os.O_CREAT | os.O_RDWR, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                same = os.path.samestat(os.fstat(fd), os.stat(lock))
            except (BlockingIOError, FileNotFoundError):
                same = False
            if not same:  # a sweeper took it for a dead process's before we locked it: start over
                os.close(fd)
                continue
            folder.mkdir()
            self._release()
            self._lock_fd = fd
            return folder
        raise OSError(f"could not claim a temporary folder in {self.root}")

    def _release(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def close(self) -> None:
        """At a clean stop: remove this process's folder and lock."""
        if self._path is not None:
            shutil.rmtree(self._path, ignore_errors=True)
            if fcntl is not None:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self._path.with_name(self._path.name + LOCK_SUFFIX))
            self._path = None
        self._release()


def _newest_change(path: Path) -> float:
    newest = path.lstat().st_mtime
    if path.is_dir() and not path.is_symlink():
        for folder, dirs, files in os.walk(path):
            for name in dirs + files:
                with contextlib.suppress(FileNotFoundError):
                    newest = max(newest, os.lstat(os.path.join(folder, name)).st_mtime)
    return newest


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.lstat(os.path.join(folder, name)).st_size
    return total


def _remove(path: Path) -> int:
    try:
        size = _size(path)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        return size
    except FileNotFoundError:
        return 0


def sweep(root: Path | str, now: float | None = None) -> tuple[int, int]:
    """Remove what dead processes left in ``root``; returns (entries removed, bytes freed)."""
    root = Path(root)
    now = time.time() if now is None else now
    removed = freed = 0
    try:
        entries = sorted(root.iterdir())
    except FileNotFoundError:
        return 0, 0
    owned = set()
    if fcntl is not None:
        for lock in (entry for entry in entries if entry.name.endswith(LOCK_SUFFIX)):
            folder = lock.with_name(lock.name[: -len(LOCK_SUFFIX)])
            owned.add(folder.name)
            owned.add(lock.name)
            try:
                fd = os.open(lock, os.O_RDWR)
            except FileNotFoundError:
                continue
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a live process's folder
                if folder.exists():
                    freed += _remove(folder)
                    removed += 1
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(lock)
            finally:
                os.close(fd)
    for entry in entries:
        if entry.name in owned:
            continue
        try:
            if now - _newest_change(entry) < STALE_UNLOCKED_SECONDS:
                continue
        except FileNotFoundError:
            continue
        freed += _remove(entry)
        removed += 1
    if removed:
        log.info("removed %d temporary file(s) or folder(s), %d bytes, left in %s by processes that ended", removed, freed, root)
    return removed, freed
