"""Turns post ids into API post objects, in batches: never a query per post.

Post bodies (caption, media, counts), author summaries and each active viewer's liked/saved flags are
cached in process, so a warm feed page needs no database round trip; misses are read in one round trip.
Writers call ``forget_post``/``forget_user`` after their commit when something a reader would see
changes (a like, a comment, processed media, a deletion, a profile edit).

With several processes, each holds its own cache, so a forget is broadcast on the broker's cache channel
and every process drops the entry. Broadcasts are hints that can be lost (pub/sub keeps no history), so
a cache shared with other processes also drops everything when its subscription had a gap, and entries
live at most ``SHARED_CACHE_SECONDS``: the bound on how stale a count can ever be.
"""

from __future__ import annotations

import re
from typing import Iterable

import orjson

from ..broker.base import CACHE_CHANNEL
from ..caches import LRUCache
from ..repos import blocks as blocks_repo
from ..repos import comments as comments_repo
from ..repos import likes as likes_repo
from ..repos import posts as posts_repo
from ..repos import saves as saves_repo
from ..repos import users as users_repo
from ..stores.base import Conn, Database
from ..web.serialize import iso_time, media_json, user_summary

POST_CACHE_ITEMS = 50_000  # ~1-2 KB each: tens of MB for the posts people are scrolling right now
USER_CACHE_ITEMS = 50_000
# Which of the posts a viewer has scrolled past they liked or saved, so a warm feed page needs no
# database round trip. Sized for the people active right now; an entry restarts once it has checked
# this many posts, which keeps a heavy scroller's entry to tens of kilobytes.
VIEWER_FLAG_ITEMS = 20_000
MAX_FLAGS_PER_VIEWER = 2_000
# Whole first pages of home feeds, serialized, for the viewers reading right now (~15 KB for 20 posts, so at
# most ~150 MB, reached only with that many viewers active at once). A page is reused only while none of its
# posts, no author and not the viewer's flags changed since it was built (see ``page_body``).
PAGE_CACHE_ITEMS = 10_000
# Posts changed since the pages were built are remembered up to this many; beyond, every page is dropped.
CHANGED_POSTS_MAX = 200_000

_LIKED = (b',"liked_by_me":false', b',"liked_by_me":true')
_SAVED = (b',"saved_by_me":false', b',"saved_by_me":true')
# The end of a serialized post, by (liked, saved): index liked * 2 + saved.
_FLAGS = tuple(_LIKED[liked] + _SAVED[saved] + b"}" for liked in (0, 1) for saved in (0, 1))


class ViewerFlags:
    __slots__ = ("checked", "liked", "saved", "blocked")

    def __init__(self) -> None:
        self.checked: set[int] = set()
        self.liked: set[int] = set()
        self.saved: set[int] = set()
        # Everyone the viewer blocks or is blocked by (None until loaded): their comments are not counted in
        # the comment counts this viewer sees. A block or unblock forgets both viewers' flags.
        self.blocked: frozenset[int] | None = None
# Entry lifetime when other processes may change what is cached: invalidations normally arrive within
# milliseconds; this only bounds the damage of one lost in a Redis blip. A page reloads at most 50 bodies
# in the same round trip as the viewer's flags, so a minute costs little.
SHARED_CACHE_SECONDS = 60

HASHTAG_RE = re.compile(r"(?<![\w#])#(\w{1,100})", re.UNICODE)
MENTION_RE = re.compile(r"(?<![\w@])@([a-z0-9._]{3,30})", re.IGNORECASE)


def hashtags_in(caption: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in HASHTAG_RE.finditer(caption or ""):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


def mentions_in(text: str) -> list[str]:
    seen: dict[str, None] = {}
    for match in MENTION_RE.finditer(text or ""):
        seen.setdefault(match.group(1).lower().rstrip("."), None)
    return list(seen)


def _post_body(row, media_rows) -> dict:
    media = [media_json(m) for m in media_rows]
    published = row["published_at"] is not None
    if not published:  # its author sees it as processing until it has reached the feeds (fanout.py)
        for medium in media:
            medium["status"] = "processing"
    first = media[0] if media else None
    media_url = None
    if first and first["status"] == "ready":
        variants = first["variants"]
        media_url = variants.get("1080") or variants.get("640") or variants.get("320") or variants.get("thumb")
    return {
        "post_id": str(row["id"]),
        "user_id": str(row["user_id"]),
        "caption": row["caption"],
        "media_url": media_url,
        "like_count": row["like_count"],
        "comment_count": row["comment_count"],
        "created_at": iso_time(row["created_at"]),
        "edited_at": iso_time(row["edited_at"]) if row["edited_at"] is not None else None,
        "hashtags": hashtags_in(row["caption"]),
        "media": media,
        "hidden": bool(row["hidden"]),  # by reports, until reviewed: only its author (and moderators) see it
        "_author": row["user_id"],
        "_published": published,  # others see a post only once it is published
    }


class PostHydrator:
    def __init__(self, db: Database, broker=None, *, shared: bool = False) -> None:
        """``shared``: other processes change the same data (their forgets arrive through ``broker``)."""
        self.db = db
        ttl = SHARED_CACHE_SECONDS if shared else None
        self.posts = LRUCache(POST_CACHE_ITEMS, ttl=ttl)
        self.users = LRUCache(USER_CACHE_ITEMS, ttl=ttl)
        self.flags = LRUCache(VIEWER_FLAG_ITEMS, ttl=ttl)
        # Keyed by user id, holding the summary object it was made from: a new summary means a new serialization.
        self._author_bytes: dict[int, tuple[dict, bytes]] = {}
        self.pages = LRUCache(PAGE_CACHE_ITEMS, ttl=ttl)
        # Authors whose posts nobody else sees right now (disabled, or hidden by reports), as of the last load of
        # their summary: kept beside the summaries (which are the API's JSON and carry no such flag).
        self._withheld: set[int] = set()
        self.broker = broker
        # Counts forgets: a load that read the database before a forget must not cache what it read.
        self._forgets = 0
        # The forget count when each post (and, for all of them at once, any author) last changed: a cached page
        # built at count N is still right if nothing on it changed after N.
        self._post_changed: dict[int, int] = {}
        self._users_changed = 0
        if broker is not None:
            broker.subscribe(CACHE_CHANNEL, self._forget_from_elsewhere)
            broker.on_reconnect(self.clear)

    def _post_changed_now(self, post_id: int) -> None:
        if len(self._post_changed) >= CHANGED_POSTS_MAX:
            self._post_changed.clear()
            self.pages.clear()
        self._post_changed[post_id] = self._forgets

    def forget_post(self, post_id: int) -> None:
        self._forgets += 1
        self._post_changed_now(post_id)
        self.posts.discard(post_id)
        if self.broker is not None:
            self.broker.publish(CACHE_CHANNEL, {"post": post_id})

    def forget_user(self, user_id: int) -> None:
        self._forgets += 1
        self._users_changed = self._forgets
        self.users.discard(user_id)
        if self.broker is not None:
            self.broker.publish(CACHE_CHANNEL, {"user": user_id})

    def clear(self) -> None:
        self._forgets += 1
        self.posts.clear()
        self.users.clear()
        self.flags.clear()
        self._author_bytes.clear()
        self.pages.clear()
        self._post_changed.clear()

    def _forget_from_elsewhere(self, message: dict) -> None:
        self._forgets += 1
        if "post" in message:
            self._post_changed_now(message["post"])
            self.posts.discard(message["post"])
        if "user" in message:
            self._users_changed = self._forgets
            self.users.discard(message["user"])
        if "viewer" in message:
            self.flags.discard(message["viewer"])

    def forget_viewer(self, viewer_id: int) -> None:
        """The viewer liked, unliked, saved or unsaved something: their cached flags are out of date."""
        self._forgets += 1
        self.flags.discard(viewer_id)
        if self.broker is not None:
            self.broker.publish(CACHE_CHANNEL, {"viewer": viewer_id})

    async def _resolve(self, post_ids: list[int], viewer_id: int | None):
        """Bodies, authors and the viewer's liked/saved sets for these ids: caches first, one round trip for the rest."""
        bodies, missing = self.posts.get_many(post_ids)
        author_ids = {body["_author"] for body in bodies.values()}
        authors, missing_authors = self.users.get_many(author_ids)
        flags = self.flags.get(viewer_id) if viewer_id else None
        unchecked = [post_id for post_id in post_ids if flags is None or post_id not in flags.checked] if viewer_id else []
        want_blocked = bool(viewer_id) and (flags is None or flags.blocked is None)

        def unit(conn: Conn):
            loaded = _load_posts(conn, missing) if missing else {}
            new_authors = {body["_author"] for body in loaded.values()} - authors.keys()
            wanted_authors = set(missing_authors) | new_authors
            author_rows = _load_authors(conn, wanted_authors) if wanted_authors else {}
            liked, saved = _viewer_flags(conn, viewer_id, unchecked) if unchecked else (set(), set())
            blocked = frozenset(blocks_repo.blocked_either_way(conn, viewer_id)) if want_blocked else None
            return loaded, author_rows, liked, saved, blocked

        if not (missing or missing_authors or unchecked):  # the warm path: no database round trip at all
            return (bodies, authors, flags.liked, flags.saved) if flags is not None else (bodies, authors, set(), set())
        forgets_before = self._forgets
        loaded, author_rows, liked, saved, blocked = await self.db.read(unit)
        # Something changed while we read: what we read may predate it, so serve it but do not keep it.
        keep = self._forgets == forgets_before
        for post_id, body in loaded.items():
            if keep:
                self.posts.set(post_id, body)
            bodies[post_id] = body
        for user_id, (summary, withheld) in author_rows.items():
            if keep:
                self.users.set(user_id, summary)
            if withheld:
                self._withheld.add(user_id)
            else:
                self._withheld.discard(user_id)
            authors[user_id] = summary
        if viewer_id:
            if keep:
                if flags is None or len(flags.checked) > MAX_FLAGS_PER_VIEWER:
                    known_blocked = flags.blocked if flags is not None else None
                    flags = ViewerFlags()
                    flags.blocked = known_blocked
                    self.flags.set(viewer_id, flags)
                if blocked is not None:
                    flags.blocked = blocked
                flags.checked.update(unchecked)
                flags.liked |= liked
                flags.saved |= saved
                return bodies, authors, flags.liked, flags.saved
            known = flags or ViewerFlags()
            return bodies, authors, known.liked | liked, known.saved | saved
        return bodies, authors, set(), set()

    async def _found(self, post_ids: Iterable[int], viewer_id: int | None, feed: bool, show_hidden: bool):
        """(id, body, author, liked ids, saved ids) for each post that still exists, in the order given
        (``feed``: and is published, or the viewer's own), leaving out others' posts hidden by reports
        unless ``show_hidden``."""
        post_ids = list(post_ids)
        if not post_ids:
            return
        bodies, authors, liked, saved = await self._resolve(post_ids, viewer_id)
        for post_id in post_ids:
            body = bodies.get(post_id)
            if body is None or (feed and not (body["_published"] or body["_author"] == viewer_id)):
                continue
            if (body["hidden"] or body["_author"] in self._withheld) and not show_hidden and body["_author"] != viewer_id:
                continue
            author = authors.get(body["_author"])
            if author is not None:
                yield post_id, body, author, liked, saved

    async def _uncounted_comments(self, post_ids: list[int], viewer_id: int | None) -> dict[int, int]:
        """Per post, the comments the viewer may not see that its ``comment_count`` includes: those of accounts
        blocked either way (the counter itself leaves out hidden comments and disabled or hidden accounts: the rule
        is in ``repos/comments.py``). Nothing to read for a viewer without blocks once that is known (the usual case)."""
        if not viewer_id or not post_ids:
            return {}
        flags = self.flags.get(viewer_id)
        blocked = flags.blocked if flags is not None else None
        if blocked is not None and not blocked:
            return {}

        def unit(conn: Conn):
            who = blocked if blocked is not None else frozenset(blocks_repo.blocked_either_way(conn, viewer_id))
            return who, comments_repo.counts_by_authors(conn, post_ids, who)

        forgets_before = self._forgets
        who, counts = await self.db.read(unit)
        if flags is not None and flags.blocked is None and self._forgets == forgets_before:
            flags.blocked = who
        return counts

    async def hydrate(self, post_ids: Iterable[int], viewer_id: int | None, *, feed: bool = False,
                      show_hidden: bool = False) -> list[dict]:
        """API posts in the order given; ids whose post no longer exists are left out, and so are others' posts
        hidden by reports (``show_hidden``: a moderator opening one). ``feed``: a home feed's page, where others'
        posts show only once published (delivered to the feeds by the fan-out).

        Which posts the viewer may see at all is the caller's question (``services/visibility.py``)."""
        out = []
        post_ids = list(post_ids)
        uncounted: dict[int, int] = {}
        async for post_id, body, author, liked, saved in self._found(post_ids, viewer_id, feed, show_hidden):
            if not out:  # after the first resolve: the viewer's flags (and what they know of blocks) are loaded
                uncounted = await self._uncounted_comments(post_ids, viewer_id)
            post = {key: value for key, value in body.items() if key[0] != "_"}
            if post_id in uncounted:
                post["comment_count"] = max(0, post["comment_count"] - uncounted[post_id])
            post["username"] = author["username"]
            post["user"] = author
            post["liked_by_me"] = post_id in liked
            post["saved_by_me"] = post_id in saved
            out.append(post)
        return out

    async def hydrate_json(self, post_ids: Iterable[int], viewer_id: int | None) -> list[orjson.Fragment]:
        """The same posts as ``hydrate(feed=True)``, already serialized: the feed's hot path splices cached JSON.

        Each cached body keeps its JSON up to the viewer's flags (post fields and author) next to the author
        summary it was made with, so a warm page is one concatenation per post.
        """
        post_ids = list(post_ids)
        if not post_ids:
            return []
        bodies, authors, liked, saved = await self._resolve(post_ids, viewer_id)
        uncounted = await self._uncounted_comments(post_ids, viewer_id)
        out = []
        fragment = orjson.Fragment
        for post_id in post_ids:
            body = bodies.get(post_id)
            if body is None or not (body["_published"] or body["_author"] == viewer_id):
                continue
            if (body["hidden"] or body["_author"] in self._withheld) and body["_author"] != viewer_id:
                continue
            author = authors.get(body["_author"])
            if author is None:
                continue
            if post_id in uncounted:  # this viewer's count differs from everyone's: no shared bytes
                post = {key: value for key, value in body.items() if key[0] != "_"}
                post["comment_count"] = max(0, post["comment_count"] - uncounted[post_id])
                post.update(username=author["username"], user=author, liked_by_me=post_id in liked, saved_by_me=post_id in saved)
                out.append(fragment(orjson.dumps(post)))
                continue
            memo = body.get("_head")
            if memo is None or memo[0] is not author:
                memo = body["_head"] = (author, self._head_json(body, author))
            out.append(fragment(memo[1] + _FLAGS[(post_id in liked) * 2 + (post_id in saved)]))
        return out

    async def page_body(self, post_ids: list[int], viewer_id: int, next_cursor: str | None) -> bytes:
        """A whole feed page as the response body ``{"posts":[…],"next_cursor":…}``, reused while it is still right.

        The page a viewer reloads most is the top of their feed; when its ids are the same as last time, nothing
        on it changed (no forget of its posts or of any author since it was built) and the viewer's flags are
        the same object (a like or save replaces them), the bytes built last time are exactly what a rebuild
        would produce.
        """
        key = (viewer_id, next_cursor, tuple(post_ids))
        entry = self.pages.get(key)
        if entry is not None:
            built_at, flags, body = entry
            if flags is self.flags.get(viewer_id):
                if self._forgets == built_at:  # nothing at all was forgotten since it was built
                    return body
                changed = self._post_changed
                if self._users_changed <= built_at and all(changed.get(post_id, -1) <= built_at for post_id in post_ids):
                    return body
        built_at = self._forgets
        body = orjson.dumps({"posts": await self.hydrate_json(post_ids, viewer_id), "next_cursor": next_cursor})
        flags = self.flags.get(viewer_id)
        if self._forgets == built_at and flags is not None:  # nothing changed while it was being read
            self.pages.set(key, (built_at, flags, body))
        return body

    def _head_json(self, body: dict, author: dict) -> bytes:
        """``{…post fields…,"username":…,"user":{…}`` (the flags and the closing brace follow per viewer)."""
        inner = body.get("_json")
        if inner is None:
            inner = body["_json"] = orjson.dumps({key: value for key, value in body.items() if key[0] != "_"})[1:-1]
        return b"{" + inner + self._author_json(body["_author"], author)

    def _author_json(self, author_id: int, author: dict) -> bytes:
        """``,"username":…,"user":{…}`` for this author, serialized once per cached summary."""
        memo = self._author_bytes.get(author_id)
        if memo is not None and memo[0] is author:
            return memo[1]
        serialized = b',"username":' + orjson.dumps(author["username"]) + b',"user":' + orjson.dumps(author)
        if len(self._author_bytes) >= USER_CACHE_ITEMS:
            self._author_bytes.clear()
        self._author_bytes[author_id] = (author, serialized)
        return serialized

    async def hydrate_one(self, post_id: int, viewer_id: int | None, *, show_hidden: bool = False) -> dict | None:
        posts = await self.hydrate([post_id], viewer_id, show_hidden=show_hidden)
        return posts[0] if posts else None


def _load_posts(conn: Conn, post_ids: list[int]) -> dict[int, dict]:
    rows = posts_repo.rows_by_ids(conn, post_ids)
    media_by_post: dict[int, list] = {}
    for media_row in posts_repo.media_of_posts(conn, post_ids):
        media_by_post.setdefault(media_row["post_id"], []).append(media_row)
    return {row["id"]: _post_body(row, media_by_post.get(row["id"], [])) for row in rows}


def _load_authors(conn: Conn, user_ids: set[int]) -> dict[int, tuple[dict, bool]]:
    """Each author's summary, and whether their posts are withheld from others (disabled or hidden by reports)."""
    rows = users_repo.summaries_by_ids(conn, list(user_ids))
    return {row["id"]: (user_summary(row), bool(row["is_disabled"] or row["hidden"])) for row in rows}


def _viewer_flags(conn: Conn, viewer_id: int, post_ids: list[int]) -> tuple[set[int], set[int]]:
    return likes_repo.liked_among(conn, viewer_id, post_ids), saves_repo.saved_among(conn, viewer_id, post_ids)
