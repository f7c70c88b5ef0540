"""Files in the media folder that nothing in the database refers to, and byte counts for people.

Light on purpose (no server imports): ``photoshare admin``'s option help reads the grace period at start-up.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

# A file nothing refers to may be an upload or a processing step in flight on a running server (stored first,
# then committed): only files this old count as garbage, and only they are deleted by --delete-unreferenced.
UNREFERENCED_GRACE_SECONDS = 3600


def size_text(count: float) -> str:
    """A byte count for people: 512 B, 1.5 MB."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if count < 1024 or unit == "TB":
            return f"{count:.1f} {unit}" if unit != "B" else f"{count} B"
        count /= 1024
    return str(count)


def unreferenced_files(root: Path, referenced: set[str], delete: bool) -> tuple[list[str], list[str]]:
    """(problems, notes) about files under the media folder that no row refers to; deletes the old ones if asked."""
    old_files = old_bytes = young_files = young_bytes = deleted = 0
    cutoff = time.time() - UNREFERENCED_GRACE_SECONDS
    for folder, dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.relative_to(root).as_posix() in referenced:
                continue
            try:
                info = path.stat()
            except FileNotFoundError:
                continue
            if info.st_mtime > cutoff:
                young_files += 1
                young_bytes += info.st_size
                continue
            if delete:
                path.unlink(missing_ok=True)
                deleted += 1
            old_files += 1
            old_bytes += info.st_size
    problems, notes = [], []
    if old_files and delete:
        notes.append(f"deleted {deleted} unreferenced file(s), {size_text(old_bytes)}")
    elif old_files:
        problems.append(f"{old_files} unreferenced file(s), {size_text(old_bytes)}, in {root} (left by deleted posts or "
                        "accounts, or by a crash): `photoshare admin check --delete-unreferenced` removes them")
    if young_files:
        notes.append(f"{young_files} file(s), {size_text(young_bytes)}, not referenced yet: written in the last "
                     f"{UNREFERENCED_GRACE_SECONDS // 60} minutes (uploads in progress?), left alone")
    return problems, notes
