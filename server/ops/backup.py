"""``photoshare admin backup`` and restoring from it: the SQLite database and the media files, online.

The database is copied with SQLite's online backup API from inside one read transaction: the copy is
the database exactly as it was at one instant, however busy the server is meanwhile (without that
transaction, every write by the server would restart the copy). Then exactly the media files that copy
refers to (``repos.stored_files``) are copied; media are content-addressed and never change once written,
so a previous backup into the same folder already holds most of them. A referenced file deleted between
the two steps belongs to something deleted after the instant of the copy; the backup says how many.

A backup is the state at its instant and nothing more: files of posts and accounts deleted since an earlier
backup into the same folder are pruned from it, but only once the new snapshot is complete and verified
(database checked, every referenced file present at its size, manifest written), so an interrupted backup
never loses a file the previous one needed. Restore copies only the files the backed-up database refers to.

A backup folder holds ``photoshare.db``, ``media/``, ``secret.key`` and, written last,
``photoshare-backup.json``: a folder without it is not a complete backup, and restore refuses it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Callable, Iterable
from urllib.request import pathname2url

from .. import __version__
from ..config import Settings
from ..fsutil import fsync_dir
from ..repos.stored_files import referenced_keys
from .restore import SIDECARS, move_aside, require_sound

MANIFEST_NAME = "photoshare-backup.json"
DATABASE_NAME = "photoshare.db"
MEDIA_DIR = "media"
SECRET_NAME = "secret.key"
FORMAT_VERSION = 1
BACKUP_STEP_PAGES = 1024  # pages per backup step (4 MB at SQLite's default page size): the progress bar's grain
COPY_CHUNK_BYTES = 1024 * 1024


class BackupError(RuntimeError):
    """The backup or restore cannot go ahead; the message says why and what to do."""


@dataclasses.dataclass
class Progress:
    """Callbacks for a progress display; each gets (done, total) in its own unit."""

    database: Callable[[int, int], None] = lambda done, total: None  # pages
    media: Callable[[int, int], None] = lambda done, total: None  # bytes
    say: Callable[[str], None] = lambda text: None


@dataclasses.dataclass
class BackupReport:
    folder: Path
    users: int
    posts: int
    media_files: int
    media_bytes: int
    copied_files: int
    media_skipped: str | None  # why media was not copied (media on S3), or None
    vanished: int  # files referenced by the copied database that were deleted before they could be copied
    pruned_files: int = 0  # files of things deleted since an earlier backup into the folder, removed from it
    pruned_bytes: int = 0


# ---- locations ------------------------------------------------------------------------------------------

def database_file(settings: Settings) -> Path:
    url = settings.resolved_database_url
    if not url.startswith("sqlite:///"):
        raise BackupError("This deployment keeps its data in PostgreSQL: back it up with pg_dump (or your "
                          "provider's snapshots), and its media with the storage's own tools.")
    from ..stores.sqlite import path_from_url

    return Path("/" + path_from_url(url).lstrip("/")) if os.name != "nt" else Path(path_from_url(url))


def media_root(settings: Settings) -> Path | None:
    url = settings.resolved_blob_url
    return Path(url[len("file://"):]).resolve() if url.startswith("file://") else None


def _copy_file(source: Path, target: Path, on_bytes: Callable[[int], None]) -> None:
    """Copy through a temporary name, fsync, rename: a crash never leaves a half-written file under the real name."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.partial")
    with open(source, "rb") as reader, open(temp, "wb") as writer:
        while chunk := reader.read(COPY_CHUNK_BYTES):
            writer.write(chunk)
            on_bytes(len(chunk))
        writer.flush()
        os.fsync(writer.fileno())
    os.replace(temp, target)


def _copy_keys(source_root: Path, target_root: Path, keys: Iterable[str], progress: Progress) -> tuple[int, int, int, int]:
    """Copy the files named by ``keys`` that ``target_root`` lacks (or holds at another size).

    Returns (files, bytes, copied, missing): ``files`` and ``bytes`` count what ``target_root`` now holds of
    ``keys``, each checked to be there at its source's size; ``missing`` the keys found on neither side.
    A key absent at the source but already in the target (an earlier backup) is kept: same name, same bytes.
    """
    todo, held, missing = [], {}, 0
    for key in sorted(keys):
        target = target_root / key
        try:
            size = (source_root / key).stat().st_size
        except FileNotFoundError:
            size = None
        try:
            target_size = target.stat().st_size
        except FileNotFoundError:
            target_size = None
        if size is None and target_size is None:
            missing += 1
        elif size is None or target_size == size:
            held[key] = target_size
        else:
            todo.append((key, size))
    advance = _counter(progress.media, sum(size for _, size in todo))
    copied = 0
    for key, size in todo:
        try:
            _copy_file(source_root / key, target_root / key, advance)
        except FileNotFoundError:
            missing += 1  # deleted while we copied
            continue
        written = (target_root / key).stat().st_size
        if written != size:
            raise BackupError(f"{target_root / key} holds {written} bytes after copying {size}: is the disk full or failing?")
        held[key] = written
        copied += 1
    for folder in {(target_root / key).parent for key, _ in todo}:
        fsync_dir(folder)
    return len(held), sum(held.values()), copied, missing


def _prune(root: Path, keep: set[str]) -> tuple[int, int]:
    """Remove every file under ``root`` not named in ``keep`` (leftover partial copies included), and the
    folders that leaves empty; returns (files, bytes) removed."""
    files = total = 0
    for folder, dirs, names in os.walk(root, topdown=False):
        for name in names:
            path = Path(folder) / name
            if path.relative_to(root).as_posix() in keep:
                continue
            try:
                size = path.stat().st_size
                path.unlink()
            except FileNotFoundError:
                continue
            files += 1
            total += size
        if Path(folder) != root:
            with contextlib.suppress(OSError):
                os.rmdir(folder)  # only succeeds when empty
    return files, total


def _referenced_keys(db_path: Path) -> set[str]:
    conn = sqlite3.connect(f"file:{pathname2url(str(db_path))}?mode=ro", uri=True)
    try:
        return referenced_keys(lambda sql: conn.execute(sql).fetchall())
    finally:
        conn.close()


def _counter(report: Callable[[int, int], None], total: int) -> Callable[[int], None]:
    """``advance(count)`` for a copy of ``total`` bytes: reports (done, total) now and after every step."""
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        report(done, total)

    report(0, total)
    return advance


def _counts(db_path: Path) -> tuple[int, int]:
    conn = sqlite3.connect(f"file:{pathname2url(str(db_path))}?mode=ro", uri=True)
    try:
        return (conn.execute("SELECT COUNT(*) FROM users").fetchone()[0], conn.execute("SELECT COUNT(*) FROM posts").fetchone()[0])
    finally:
        conn.close()


# ---- backup ---------------------------------------------------------------------------------------------

def _copy_database(source_path: Path, target_path: Path, progress: Progress) -> None:
    partial = target_path.with_name(target_path.name + ".partial")
    for leftover in (partial, *(Path(str(partial) + s) for s in SIDECARS)):
        leftover.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{pathname2url(str(source_path))}", uri=True, isolation_level=None, timeout=30)
    target = sqlite3.connect(partial, isolation_level=None)
    try:
        # One read transaction around the whole copy pins the instant being copied; the server's writes
        # go on into the WAL meanwhile and do not restart the copy.
        source.execute("BEGIN")
        source.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        source.backup(target, pages=BACKUP_STEP_PAGES,
                      progress=lambda status, remaining, total: progress.database(total - remaining, total))
        source.execute("COMMIT")
        target.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no WAL beside it
    except sqlite3.Error as exc:
        raise BackupError(f"could not copy the database: {exc}") from None
    finally:
        source.close()
        target.close()
    require_sound(partial, str(partial), BackupError)
    with open(partial, "rb+") as handle:
        os.fsync(handle.fileno())
    os.chmod(partial, 0o600)  # password and token hashes: for the server's user only
    os.replace(partial, target_path)


def backup(settings: Settings, destination: str | os.PathLike, progress: Progress | None = None) -> BackupReport:
    """Copy the database and media into ``destination`` (created, or a previous backup to bring up to date)."""
    progress = progress or Progress()
    source_db = database_file(settings)
    if not source_db.is_file():
        raise BackupError(f"There is no database at {source_db}: is --data-dir the deployment's data folder?")
    folder = Path(destination).expanduser().resolve()
    data_dir = Path(settings.data_dir).resolve()
    if folder == data_dir or data_dir in folder.parents:
        raise BackupError("Put the backup outside the data folder (ideally on another disk).")
    if folder.exists() and any(folder.iterdir()) and not (folder / MANIFEST_NAME).exists():
        raise BackupError(f"{folder} holds other files: give an empty folder, or a previous PhotoShare backup to update.")
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    manifest = folder / MANIFEST_NAME
    manifest.unlink(missing_ok=True)  # until the new copy is complete, the folder is not a backup

    started = time.time()
    progress.say(f"Copying the database {source_db} …")
    _copy_database(source_db, folder / DATABASE_NAME, progress)
    users, posts = _counts(folder / DATABASE_NAME)

    root = media_root(settings)
    files = total = copied = vanished = 0
    skipped = None
    keys: set[str] = set()
    if root is None:
        skipped = (f"media is stored at {settings.resolved_blob_url}, not on this disk: back the bucket up with "
                   "its own tools (versioning or replication)")
    else:
        keys = _referenced_keys(folder / DATABASE_NAME)
        progress.say(f"Copying the {len(keys)} media files the database refers to from {root} …")
        files, total, copied, vanished = _copy_keys(root, folder / MEDIA_DIR, keys, progress)
    secret = data_dir / SECRET_NAME
    if secret.is_file():
        target = folder / SECRET_NAME
        shutil.copyfile(secret, target)
        os.chmod(target, 0o600)

    document = {
        "format": FORMAT_VERSION,
        "photoshare_version": __version__,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "database": DATABASE_NAME,
        "media": None if skipped else MEDIA_DIR,
        "users": users,
        "posts": posts,
        "media_files": files,
        "media_bytes": total,
    }
    temp = manifest.with_name(manifest.name + ".partial")
    temp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    os.replace(temp, manifest)
    fsync_dir(folder)
    # Only now, with the new snapshot complete, verified and marked so: drop what it does not refer to
    # (files of things deleted since the folder's previous backup). A crash from here on leaves a complete
    # backup with a few extra files, which restore ignores.
    pruned = pruned_bytes = 0
    if skipped is None and (folder / MEDIA_DIR).is_dir():
        pruned, pruned_bytes = _prune(folder / MEDIA_DIR, keys)
        fsync_dir(folder / MEDIA_DIR)
    return BackupReport(folder, users, posts, files, total, copied, skipped, vanished, pruned, pruned_bytes)


# ---- restore --------------------------------------------------------------------------------------------

def is_backup(source: str) -> bool:
    return "://" not in source and (Path(source).expanduser() / MANIFEST_NAME).is_file()


def read_manifest(folder: Path) -> dict:
    try:
        document = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder / MANIFEST_NAME} cannot be read: {exc}") from None
    if document.get("format") != FORMAT_VERSION:
        raise BackupError(f"{folder} was written in backup format {document.get('format')!r}; this PhotoShare reads format {FORMAT_VERSION}.")
    return document


def restore(settings: Settings, source: str | os.PathLike, *, force: bool = False, progress: Progress | None = None) -> dict:
    """Put a backup folder's database and media in place. The server must be stopped.

    The database goes in through a checked temporary copy; an existing one is refused without ``force``
    and kept beside, renamed, with it. The media files the restored database refers to are added to the media
    folder (nothing there is removed; ``admin check`` reports files nothing refers to).
    """
    progress = progress or Progress()
    folder = Path(source).expanduser().resolve()
    manifest = read_manifest(folder)
    db = database_file(settings)
    if db.exists() and not force:
        raise BackupError(f"{db} already exists. Stop the server and add --force to replace it "
                          "(the current files are kept beside it, renamed).")
    backup_db = folder / manifest["database"]
    require_sound(backup_db, str(backup_db), BackupError)
    db.parent.mkdir(parents=True, exist_ok=True)

    progress.say(f"Restoring the database from {backup_db} …")
    staging = db.with_name(db.name + ".restoring")
    advance = _counter(progress.database, backup_db.stat().st_size)
    _copy_file(backup_db, staging, advance)
    require_sound(staging, str(staging), BackupError)
    if db.exists():
        move_aside(db, progress.say)
    for suffix in SIDECARS:
        Path(str(db) + suffix).unlink(missing_ok=True)
    os.replace(staging, db)
    fsync_dir(db.parent)
    shutil.rmtree(db.parent / f".{db.name}-litestream", ignore_errors=True)  # Litestream's place in the old WAL

    copied = missing = 0
    if manifest.get("media"):
        root = media_root(settings)
        if root is None:
            progress.say(f"Media not restored: this deployment stores media at {settings.resolved_blob_url}; "
                         f"copy {folder / manifest['media']} there with the storage's tools.")
        else:
            keys = _referenced_keys(db)  # only what the restored database refers to: nothing deleted comes back
            progress.say(f"Restoring {len(keys)} media files into {root} …")
            root.mkdir(parents=True, exist_ok=True)
            _, _, copied, missing = _copy_keys(folder / manifest["media"], root, keys, progress)
    secret = folder / SECRET_NAME
    target_secret = Path(settings.data_dir) / SECRET_NAME
    if secret.is_file() and (force or not target_secret.exists()):
        shutil.copyfile(secret, target_secret)
        os.chmod(target_secret, 0o600)
    users, posts = _counts(db)
    return {"users": users, "posts": posts, "media_copied": copied, "media_missing": missing, "created_at": manifest.get("created_at")}
