"""Which stored files (blob keys) the database refers to: what a backup must hold and what is garbage.

A file is referenced by a media row (``blob_refs``: originals and variants), by an account's profile photo
(``users.avatar_key``: the stem of its JPEG, WebP and AVIF renditions) or by a direct upload that arrived and
waits to be posted (``uploads.original_key``). Everything else in the media store belongs to something
deleted, or to an upload or processing step still in flight.

Takes ``fetch_all(sql) -> rows`` so it serves the store's connections and a plain ``sqlite3`` one (backups
read their copied database with the standard library).
"""

from __future__ import annotations

from typing import Callable, Iterable

AVATAR_FORMATS = (("jpeg", "jpg"), ("webp", "webp"), ("avif", "avif"))  # services.media.avatar_keys, without its imports


def avatar_keys(stem: str) -> list[str]:
    return [f"v/{stem[:2]}/{stem}.{ext}" for _, ext in AVATAR_FORMATS]


def referenced_keys(fetch_all: Callable[[str], Iterable]) -> set[str]:
    keys = {row[0] for row in fetch_all("SELECT DISTINCT blob_key FROM blob_refs")}
    for row in fetch_all("SELECT avatar_key FROM users WHERE avatar_key IS NOT NULL AND avatar_key <> ''"):
        keys.update(avatar_keys(row[0]))
    keys.update(row[0] for row in fetch_all("SELECT original_key FROM uploads WHERE status = 'uploaded' AND original_key IS NOT NULL"))
    return keys
