"""Post ids for feeds and profiles, read through the (user_id, id) index: never a scan of posts.

A post is *published* once the fan-out has delivered it (``posts.published_at``); until then only its
author sees it. Timelines hold posts by authorship whether published or not, and readers hide the
unpublished ones of others (server/timelines/manager.py, rule 1), so the feed's reads here need no
publication check; profiles and celebrity lists shown to others do.
"""

from __future__ import annotations

import heapq
import json
from typing import Iterable

from ..stores.base import Conn

PUBLISHED = "p.published_at IS NOT NULL"
# First seek per author in a merge: most authors have a few recent posts, so a small first read is
# usually all; prolific authors are read on in doubling chunks only as far as the merge needs.
FIRST_SEEK_ROWS = 8

# What others see of an author's posts (a profile): published and not hidden by reports.
_NEWEST = ("SELECT p.id FROM posts p WHERE p.user_id = ? AND p.id < ? AND " + PUBLISHED + " AND p.hidden = 0"
           " ORDER BY p.id DESC LIMIT ?")
_NEWEST_ALL = "SELECT p.id FROM posts p WHERE p.user_id = ? AND p.id < ? ORDER BY p.id DESC LIMIT ?"
_NO_BOUND = (1 << 63) - 1  # the largest 64-bit integer, above every id: "from the newest"


def author_post_ids(conn: Conn, author_id: int, *, before: int | None, limit: int, include_unpublished: bool) -> list[int]:
    sql = _NEWEST_ALL if include_unpublished else _NEWEST
    return [row[0] for row in conn.fetch_all(sql, (author_id, _NO_BOUND if before is None else before, limit))]


def newest_post_ids(conn: Conn, author_ids: Iterable[int], *, before: int | None, limit: int) -> list[int]:
    """The newest ``limit`` post ids below ``before`` across these authors, newest first, published or not:
    a k-way merge of per-author index seeks."""
    bound = _NO_BOUND if before is None else before
    return [post_id for post_id, _ in _merge(conn, set(author_ids), bound, limit)]


def _merge(conn: Conn, authors: set[int], bound: int, limit: int) -> list[tuple[int, int]]:
    first = min(limit, FIRST_SEEK_ROWS)
    heap: list[tuple[int, int, list[int], int, int]] = []
    for author_id, ids in _first_seeks(conn, sorted(authors), bound, first).items():
        heap.append((-ids[0], author_id, ids, 0, first))
    heapq.heapify(heap)
    out: list[tuple[int, int]] = []
    while heap and len(out) < limit:
        _, author_id, ids, at, size = heap[0]
        out.append((ids[at], author_id))
        at += 1
        if at < len(ids):
            heapq.heapreplace(heap, (-ids[at], author_id, ids, at, size))
            continue
        if len(ids) == size:  # the chunk was full: this author may have older posts
            size = min(size * 2, limit)
            more = _seek(conn, author_id, ids[-1], size)
            if more:
                heapq.heapreplace(heap, (-more[0], author_id, more, 0, size))
                continue
        heapq.heappop(heap)
    return out


# Every author's first chunk comes back from one statement as one row: the authors go in as one array and
# each author's newest ids come out joined in a string ("author:id,id;author:id"). A cold rebuild seeks
# ~200 authors; returning their ~1,600 ids as rows cost the driver a step per row, each handing Python's
# interpreter lock to the database thread and back, which took longer than the seeks themselves.
_FIRST_SEEKS_SQL = {
    "sqlite": (
        "SELECT group_concat(author.value || ':' || ifnull((SELECT group_concat(newest.id) FROM (SELECT id FROM posts"
        " WHERE user_id = author.value AND id < ? ORDER BY id DESC LIMIT ?) AS newest), ''), ';') FROM json_each(?) AS author"),
    "postgresql": (
        "SELECT string_agg(author.id || ':' || coalesce((SELECT string_agg(newest.id::text, ',') FROM (SELECT id FROM posts"
        " WHERE user_id = author.id AND id < ? ORDER BY id DESC LIMIT ?) AS newest), ''), ';') FROM unnest(?::bigint[]) AS author(id)"),
}


def _first_seeks(conn: Conn, authors: list[int], before: int, limit: int) -> dict[int, list[int]]:
    """Every author's newest ``limit`` ids below ``before`` (newest first), authors without any left out."""
    if not authors:
        return {}
    listed = json.dumps(authors) if conn.dialect == "sqlite" else authors
    joined = conn.fetch_val(_FIRST_SEEKS_SQL[conn.dialect], (before, limit, listed)) or ""
    found: dict[int, list[int]] = {}
    for part in joined.split(";"):
        author, _, ids = part.partition(":")
        if ids:
            found[int(author)] = sorted(map(int, ids.split(",")), reverse=True)
    return found


def _seek(conn: Conn, author_id: int, before: int, limit: int) -> list[int]:
    return [row[0] for row in conn.fetch_all(_NEWEST_ALL, (author_id, before, limit))]


def post_author(conn: Conn, post_id: int) -> int | None:
    """The author of a post that exists (published or not); None when it does not."""
    return conn.fetch_val("SELECT user_id FROM posts WHERE id = ?", (post_id,))


def mark_published(conn: Conn, post_id: int, now: int) -> bool:
    """Publish a post that still exists; False when it is gone or was published already."""
    return conn.execute("UPDATE posts SET published_at = ? WHERE id = ? AND published_at IS NULL", (now, post_id)) == 1
