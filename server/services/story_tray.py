"""The story tray: for one viewer, they and the accounts they follow that have active stories, unseen first,
then newest.

**Owner.** ``StoryTray`` is the one owner of the tray cache. The stories service tells it what changed after
its own commit (``author_changed``: a story posted, ready, failed or deleted; ``viewer_changed``: the viewer saw
a story); follows and profile edits reach it as the broker messages their owners already send
(``TIMELINE_CHANNEL {"viewer"}``, ``CACHE_CHANNEL {"user"}``). Nothing else writes or drops tray entries.

**Invariant.** A tray served from the cache is the tray a fresh database read would give at this moment, up to
the delay of a message: an entry is used only while

1. no account it depends on (the viewer and everyone they followed when it was built) has changed since,
2. whom the viewer follows and what the viewer has seen are unchanged since, and
3. the clock is before the first expiry among its stories (so an expiry needs no message and no job: the entry
   knows when it stops being true; an expired story is never served).

Changes are counted: each records the counter value at which it happened, and an entry is stamped with the
counter read *before* its database read, so a build that raced a change is treated as older than the change
and rebuilt. Across processes the changes travel as broker messages (``STORY_CHANNEL``); a gap in delivery
clears the cache, and with other processes entries also live at most ``SHARED_TRAY_SECONDS``.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import orjson

from ..broker.base import CACHE_CHANNEL, STORY_CHANNEL, TIMELINE_CHANNEL
from ..caches import LRUCache
from ..repos import stories as stories_repo
from ..repos import users as users_repo
from ..stores.base import Conn
from ..web.serialize import iso_time, user_summary

TRAY_CACHE_ITEMS = 50_000  # viewers active right now; an entry is a few hundred bytes per account in the tray
# Changes remembered per account; beyond this the memory is cleared along with every entry (a rebuild is cheap).
CHANGES_REMEMBERED = 200_000
# The last resort when other processes change stories: bounds the damage of a message lost unnoticed.
SHARED_TRAY_SECONDS = 60
NEVER = 2**62


@dataclasses.dataclass(frozen=True)
class TrayEntry:
    built_at: int
    authors: frozenset[int]
    valid_until: int  # ms: the first expiry among its stories
    body: bytes  # the answer, ``{"tray": [...]}``, serialized: no objects for the garbage collector to walk


class StoryTray:
    def __init__(self, ctx, clock: Callable[[], int]) -> None:
        self.ctx = ctx
        self.clock = clock
        self._entries = LRUCache(TRAY_CACHE_ITEMS, ttl=SHARED_TRAY_SECONDS if ctx.redis is not None else None)
        self._changes = 0
        self._author_changed: dict[int, int] = {}
        self._viewer_changed: dict[int, int] = {}
        ctx.broker.subscribe(STORY_CHANNEL, self._on_story_message)
        ctx.broker.subscribe(TIMELINE_CHANNEL, self._on_viewer_message)
        ctx.broker.subscribe(CACHE_CHANNEL, self._on_cache_message)
        ctx.broker.on_reconnect(self.clear)

    # -- changes (called by the stories service after its commit) --------------------------------------
    def author_changed(self, author_id: int) -> None:
        """The author's active stories changed: every process drops the trays that show or could show them."""
        self._note(self._author_changed, author_id)
        self.ctx.broker.publish(STORY_CHANNEL, {"author": author_id})

    def viewer_changed(self, viewer_id: int) -> None:
        """The viewer saw a story: their unseen rings changed."""
        self._note(self._viewer_changed, viewer_id)
        self.ctx.broker.publish(STORY_CHANNEL, {"viewer": viewer_id})

    def clear(self) -> None:
        self._changes += 1
        self._entries.clear()
        self._author_changed.clear()
        self._viewer_changed.clear()

    # -- the read ------------------------------------------------------------------------------------
    async def tray_body(self, viewer_id: int, hidden: Callable[[Conn, int, list[int]], set[int]]) -> bytes:
        """The viewer's tray as the response body ``{"tray": [...]}``. ``hidden(conn, viewer, authors)`` names the
        accounts left out (blocked, muted)."""
        now = self.clock()
        entry = self._entries.get(viewer_id)
        if entry is not None and now < entry.valid_until and self._current(entry, viewer_id):
            return entry.body
        built_at = self._changes

        def unit(conn: Conn):
            followees = stories_repo.followee_ids(conn, viewer_id)
            authors = [viewer_id, *followees]
            rows = stories_repo.tray_rows(conn, viewer_id, authors, now)
            left_out = hidden(conn, viewer_id, [row["user_id"] for row in rows if row["user_id"] != viewer_id])
            rows = [row for row in rows if row["user_id"] not in left_out]
            shown = [row["user_id"] for row in rows]
            summaries = {row["id"]: user_summary(row) for row in users_repo.summaries_by_ids(conn, shown)} if shown else {}
            return authors, rows, summaries

        authors, rows, summaries = await self.ctx.db.read(unit)
        tray = [
            {"user": summaries[row["user_id"]], "story_count": row["story_count"], "latest_at": iso_time(row["latest_at"]),
             "has_unseen": bool(row["unseen"]), "_latest": row["latest_at"]}
            for row in rows if row["user_id"] in summaries
        ]
        tray.sort(key=lambda item: (not item["has_unseen"], -item["_latest"]))
        for item in tray:
            del item["_latest"]
        valid_until = min((row["first_expiry"] for row in rows), default=NEVER)
        body = orjson.dumps({"tray": tray})
        self._entries.set(viewer_id, TrayEntry(built_at, frozenset(authors), valid_until, body))
        return body

    def _current(self, entry: TrayEntry, viewer_id: int) -> bool:
        if self._changes == entry.built_at:
            return True
        if self._viewer_changed.get(viewer_id, -1) > entry.built_at:
            return False
        changed = self._author_changed
        if len(changed) < len(entry.authors):
            return not any(at > entry.built_at and author in entry.authors for author, at in changed.items())
        return all(changed.get(author, -1) <= entry.built_at for author in entry.authors)

    # -- messages ------------------------------------------------------------------------------------
    def _note(self, changes: dict[int, int], key: int) -> None:
        if len(changes) >= CHANGES_REMEMBERED:
            self.clear()
        self._changes += 1
        changes[key] = self._changes

    def _on_story_message(self, message: dict) -> None:
        if "author" in message:
            self._note(self._author_changed, message["author"])
        if "viewer" in message:
            self._note(self._viewer_changed, message["viewer"])

    def _on_viewer_message(self, message: dict) -> None:
        if "viewer" in message:  # whom the viewer follows changed (a celebrity crossing changes no tray)
            self._note(self._viewer_changed, message["viewer"])

    def _on_cache_message(self, message: dict) -> None:
        if "user" in message:  # a profile edit: the summary shown in trays
            self._note(self._author_changed, message["user"])
