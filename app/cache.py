"""Feed and media cache for offline browsing and a fast first paint.

Pages of posts are kept as the API's JSON (``dataclasses.asdict`` of the typed posts), so the feed
can be drawn from disk before the network answers, and still be read with no network at all.
Media variants are immutable (their URL is the hash of their bytes), so they are kept until the
size limit pushes out the least recently used.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import diskcache

from .api_client import ApiClient
from .api_types import Post, User

# About 2,000 photos at the 640 variant: a few weeks of a family's feed, small next to a photo library.
MEDIA_CACHE_BYTES = 512 * 1024 * 1024
# Pages of JSON are tiny; this only stops a runaway.
PAGES_CACHE_BYTES = 64 * 1024 * 1024
# Only the first pages of a list are worth keeping: offline, people look at what is newest.
MAX_CACHED_POSTS = 100


class ClientCache:
    def __init__(self, folder: Path) -> None:
        self.pages = diskcache.Cache(str(Path(folder) / "pages"), size_limit=PAGES_CACHE_BYTES)
        self.media = diskcache.Cache(str(Path(folder) / "media"), size_limit=MEDIA_CACHE_BYTES,
                                     eviction_policy="least-recently-used")

    def close(self) -> None:
        self.pages.close()
        self.media.close()

    # ---- lists of posts ------------------------------------------------------------------------
    def save_posts(self, key: str, posts: list[Post], next_cursor: str | None) -> None:
        kept = posts[:MAX_CACHED_POSTS]
        cursor = next_cursor if len(kept) == len(posts) else None
        self.pages.set(("posts", key), {"posts": [asdict(p) for p in kept], "next_cursor": cursor, "saved_at": time.time()})

    def load_posts(self, key: str) -> tuple[list[Post], str | None] | None:
        data = self.pages.get(("posts", key))
        if data is None:
            return None
        return [Post.from_json(p) for p in data["posts"]], data["next_cursor"]

    def save_user(self, user: User) -> None:
        self.pages.set(("user", user.username), asdict(user))

    def load_user(self, username: str) -> User | None:
        data = self.pages.get(("user", username))
        return User.from_json(data) if data else None

    def forget_account(self) -> None:
        """Signing out clears what the account could see; media stay (their URLs are unguessable)."""
        self.pages.clear()

    # ---- media bytes ---------------------------------------------------------------------------
    def media_bytes(self, url: str) -> bytes | None:
        return self.media.get(url)

    async def fetch_media(self, api: ApiClient, url: str) -> bytes:
        """Cached bytes, or download and keep them (immutable URLs never go stale)."""
        cached = self.media.get(url)
        if cached is not None:
            return cached
        data = await api.media_bytes(url)
        self.media.set(url, data)
        return data
