"""``photoshare admin restore``: rebuild the SQLite database from a Litestream replica.

The replica is restored to a temporary file beside the database, checked (``PRAGMA quick_check``),
and only then moved into place, so a failed or interrupted restore never leaves a half-written
database where the server would open it. An existing database is never deleted: without ``--force``
the restore refuses, with it the old files are renamed aside. Litestream's own bookkeeping for the
old database (``.<name>-litestream``) is removed, so the next ``serve --replicate`` starts from the
restored state.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Callable
from urllib.request import pathname2url

from ..config import Settings
from ..fsutil import fsync_dir
from .replication import ReplicationError, child_environment, database_path, litestream_binary, write_config

RESTORE_CONFIG_NAME = "litestream-restore.yml"
SIDECARS = ("-wal", "-shm")  # SQLite's files beside the database; a stale WAL would be replayed onto the restore


class RestoreError(RuntimeError):
    pass


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{pathname2url(str(path))}?mode=ro", uri=True)


def _count(path: Path, table: str) -> int | None:
    try:
        conn = _read_only(path)
        try:
            return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def quick_check(path: Path) -> str:
    """SQLite's own verdict on a database file ("ok" when sound), read without writing to it."""
    conn = _read_only(path)
    try:
        return conn.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        conn.close()


def require_sound(path: Path, label: str, error: type[Exception]) -> None:
    """Raise ``error`` naming ``label`` unless the file is a readable database that passes its integrity check."""
    try:
        verdict = quick_check(path)
    except sqlite3.Error as exc:
        raise error(f"{label} cannot be read as a database: {exc}") from None
    if verdict != "ok":
        raise error(f"{label} failed its integrity check: {verdict}")


def move_aside(db: Path, progress: Callable[[str], None]) -> None:
    """Rename the database and its -wal/-shm aside (``<name>.before-restore-<time>``): a restore never deletes one."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for suffix in ("", *SIDECARS):
        current = Path(str(db) + suffix)
        if current.exists():
            kept = Path(f"{db}.before-restore-{stamp}{suffix}")
            os.replace(current, kept)
            progress(f"Kept the previous {current.name} as {kept.name}")


def restore_database(settings: Settings, url: str, *, force: bool = False, progress: Callable[[str], None] = print) -> Path:
    try:
        db = database_path(settings)
        binary = litestream_binary(settings)
        config, env = write_config(settings, url, RESTORE_CONFIG_NAME)
    except (ReplicationError, ValueError) as exc:
        raise RestoreError(str(exc)) from None
    if db.exists() and not force:
        raise RestoreError(f"{db} already exists. Stop the server and add --force to replace it "
                           "(the current files are kept beside it, renamed).")
    staging = db.with_name(db.name + ".restoring")
    for leftover in (staging, *(Path(str(staging) + suffix) for suffix in SIDECARS)):
        leftover.unlink(missing_ok=True)

    progress(f"Restoring {db} from {url} …")
    started = time.monotonic()
    try:
        result = subprocess.run([binary, "restore", "-config", str(config), "-no-expand-env", "-o", str(staging), str(db)],
                                env=child_environment(env), capture_output=True, text=True)
    finally:
        config.unlink(missing_ok=True)
    for line in (result.stdout + result.stderr).splitlines():
        if line.strip():
            progress(f"  litestream: {line.strip()}")
    if result.returncode != 0 or not staging.exists():
        staging.unlink(missing_ok=True)
        raise RestoreError(f"Litestream could not restore from {url} (exit code {result.returncode}); is it the right replica?")

    progress("Checking the restored database …")
    require_sound(staging, "the restored file", RestoreError)
    if force:
        move_aside(db, progress)
    for suffix in SIDECARS:
        Path(str(db) + suffix).unlink(missing_ok=True)
    os.replace(staging, db)
    fsync_dir(db.parent)
    # Litestream's position in the old database's WAL means nothing for the restored one.
    shutil.rmtree(db.parent / f".{db.name}-litestream", ignore_errors=True)

    users, posts = _count(db, "users"), _count(db, "posts")
    progress(f"Restored in {time.monotonic() - started:.1f} s: {users} accounts, {posts} posts.")
    progress(f"Start the server again with: photoshare serve --replicate {url} --data-dir {settings.data_dir}")
    return db
