"""Search as you type (usernames and hashtags by prefix) and a hashtag's posts."""

from __future__ import annotations

import re

from ..context import Context
from ..repos import search as repo
from ..web.errors import InvalidInput
from ..web.http import encode_cursor
from ..web.serialize import user_summary

MAX_QUERY_CHARS = 101  # a sigil and the longest hashtag (100); nothing longer can match anything
MAX_USERS = 10  # what fits a search dropdown; refining the prefix is the way to the rest
MAX_HASHTAGS = 10
TAG_RE = re.compile(r"\w{1,100}")  # the hashtag grammar of captions (services.hydrate.HASHTAG_RE)


def normalise_tag(raw: str) -> str:
    tag = raw.strip().removeprefix("#").lower()
    if not TAG_RE.fullmatch(tag):
        raise InvalidInput("A hashtag is 1 to 100 letters, digits or underscores.", code="invalid_tag")
    return tag


class Search:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def search(self, raw_query: str | None, viewer_id: int | None = None) -> dict:
        """'@ab' searches usernames only, '#ab' hashtags only, 'ab' both: what the viewer may see (the visibility
        rule), a hashtag counted by the posts the viewer may see and left out when there are none."""
        query = (raw_query or "").strip().lower()
        if len(query) > MAX_QUERY_CHARS:
            raise InvalidInput(f"A search may have at most {MAX_QUERY_CHARS} characters.")
        sigil = query[:1] if query[:1] in ("@", "#") else ""
        prefix = query[len(sigil):]
        if not prefix:
            raise InvalidInput("Type something to search for: 'q' is empty.", code="empty_query")

        def unit(conn):
            users = repo.users_with_prefix(conn, prefix, MAX_USERS, viewer_id) if sigil != "#" else []
            # Candidates by everyone's count (a few extra: some may be invisible to this viewer), then counted again.
            tags = repo.hashtags_with_prefix(conn, prefix, MAX_HASHTAGS * 2) if sigil != "@" else []
            counts = repo.visible_tag_counts(conn, [row["tag"] for row in tags], viewer_id)
            return users, counts

        users, counts = await self.ctx.db.read(unit)
        hashtags = sorted(((tag, count) for tag, count in counts.items() if count > 0), key=lambda item: (-item[1], item[0]))
        return {
            "users": [user_summary(row) for row in users],
            "hashtags": [{"tag": tag, "post_count": count} for tag, count in hashtags[:MAX_HASHTAGS]],
        }

    async def tagged_posts(self, viewer_id: int, raw_tag: str, cursor: tuple[int, ...] | None, limit: int) -> dict:
        tag = normalise_tag(raw_tag)
        before = cursor[0] if cursor else None
        rows, more = await self.ctx.db.read(lambda conn: repo.tagged_posts_page(conn, tag, viewer_id, before, limit))
        posts = await self.ctx.hydrator.hydrate([row["post_id"] for row in rows], viewer_id)
        return {"tag": tag, "posts": posts, "next_cursor": encode_cursor(rows[-1]["post_id"]) if more else None}
