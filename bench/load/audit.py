"""The load benchmark's audit: once the server is quiet, every sampled feed must equal the model.

Three parts, each usable alone:

- ``wait_until_quiet``: polls the job queue where it lives (the ``jobs`` table; with Redis also the job
  streams) until nothing is queued or running for a few polls in a row, within a bound;
- ``model_feed``: the feed a user should see, computed from the database alone (the one place the feed
  invariant is written down here);
- ``compare``: what is wrong in a feed the API returned, against the model: missing, extra, duplicated and
  out-of-order entries (proven on hand-made examples by ``tests/unit/test_load_audit.py``).

Only the HTTP API and the database schema are used, never the server's timeline classes, so the audit
judges whatever code writes the timelines.
"""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
import time
from typing import Any

import aiohttp

QUIET_POLL_SECONDS = 0.2
QUIET_POLLS = 3  # in a row: a job that enqueues the next one is never caught between the two
PAGE_LIMIT = 50  # the API's largest page
PAGES = 3  # 150 entries deep: far below any timeline's floor would only test the database fallback
AUDIT_CONCURRENCY = 8
NO_BOUND = (1 << 63) - 1  # above every 64-bit id
MODEL_BOUND = 10_000  # model entries read at most for one window
EXAMPLES = 10  # wrong entries printed, enough to see a pattern without flooding the report


# -- the database, SQLite or PostgreSQL, through one tiny interface ------------------------------------------

class Database:
    """Read-only queries on the benchmark's metadata store; ``?`` placeholders on both engines."""

    def __init__(self, url: str) -> None:
        self.url = url
        if url.startswith("sqlite:///"):
            path = url[len("sqlite:///"):]
            self._conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            self._conn.execute("PRAGMA busy_timeout = 5000")
            self._pg = False
        else:
            import psycopg

            self._conn = psycopg.connect(url, autocommit=True)
            self._pg = True

    def all(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        if self._pg:
            return self._conn.execute(sql.replace("?", "%s"), tuple(params)).fetchall()
        return self._conn.execute(sql, tuple(params)).fetchall()

    def one(self, sql: str, params: tuple | list = ()) -> Any:
        rows = self.all(sql, params)
        return rows[0][0] if rows else None

    def close(self) -> None:
        self._conn.close()


# -- quiet -----------------------------------------------------------------------------------------------------

def pending_jobs(db: Database, redis_client=None, redis_prefix: str = "") -> int:
    """Jobs queued (due or delayed) or running: the ``jobs`` table (the queue, or with Redis its outbox)
    plus every message still in a Redis job stream (finished messages are deleted from the stream)."""
    count = db.one("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')") or 0
    if redis_client is not None:
        for key in redis_client.scan_iter(match=redis_prefix + "jobs:*", _type="STREAM", count=1_000):
            count += redis_client.xlen(key)
    return count


def wait_until_quiet(db: Database, redis_client=None, redis_prefix: str = "", timeout: float = 120.0) -> dict:
    """Poll until no job is pending for ``QUIET_POLLS`` polls in a row; bounded by ``timeout``."""
    started = time.monotonic()
    deadline = started + timeout
    calm = 0
    pending = -1
    while time.monotonic() < deadline:
        pending = pending_jobs(db, redis_client, redis_prefix)
        calm = calm + 1 if pending == 0 else 0
        if calm >= QUIET_POLLS:
            return {"quiet": True, "seconds": round(time.monotonic() - started, 1)}
        time.sleep(QUIET_POLL_SECONDS)
    return {"quiet": False, "seconds": round(time.monotonic() - started, 1), "pending": pending}


# -- the model -------------------------------------------------------------------------------------------------

def model_feed(db: Database, user_id: int, limit: int, down_to: int = 0) -> list[int]:
    """The ``limit`` newest post ids (none below ``down_to``) ``user_id``'s home feed must show, from the
    database alone.

    The feed invariant (docs/DESIGN.md, "Invariants with one owner each"): once the system is quiet, a
    viewer's feed is exactly their own posts plus the posts of the accounts they follow, each published
    (every medium ``ready``) and not deleted (a deleted post's row is gone), newest first (ids are
    time-sortable), no duplicates, and cursor pages never skip or repeat. Celebrities (merged at read
    time) and ordinary authors (pushed) are the same here: how a feed is made is not the model's business.

    Two plain queries per round rather than one with the media check inside: PostgreSQL would check the
    media of every post the authors ever made before sorting (hundreds of ms per user); here only the
    newest candidates are checked, and another round reads on when some of them were not ready.
    """
    authors = [user_id] + [row[0] for row in db.all("SELECT followee_id FROM follows WHERE follower_id = ?", (user_id,))]
    marks = ", ".join("?" * len(authors))
    out: list[int] = []
    below = NO_BOUND
    while len(out) < limit:
        wanted = limit - len(out)
        ids = [row[0] for row in db.all(
            f"SELECT id FROM posts WHERE user_id IN ({marks}) AND id >= ? AND id < ? ORDER BY id DESC LIMIT ?",
            (*authors, down_to, below, wanted))]
        if not ids:
            break
        not_ready = {row[0] for row in db.all(
            f"SELECT DISTINCT post_id FROM media WHERE post_id IN ({', '.join('?' * len(ids))}) AND status <> 'ready'", ids)}
        out += [post_id for post_id in ids if post_id not in not_ready]
        if len(ids) < wanted:
            break
        below = ids[-1]
    return out


# -- the comparison --------------------------------------------------------------------------------------------

@dataclasses.dataclass
class FeedErrors:
    missing: list[int] = dataclasses.field(default_factory=list)  # in the model's window, not shown
    extra: list[int] = dataclasses.field(default_factory=list)  # shown, not in the model
    duplicated: list[int] = dataclasses.field(default_factory=list)  # shown more than once (each repeat)
    out_of_order: list[int] = dataclasses.field(default_factory=list)  # shown, but not where the model puts them

    @property
    def wrong(self) -> int:
        return len(self.missing) + len(self.extra) + len(self.duplicated) + len(self.out_of_order)


def expected_window(shown: list[int], model: list[int], finished: bool, depth: int) -> list[int]:
    """The part of the model the API should have shown.

    ``finished``: the API said there is nothing more (``next_cursor`` null); then every model entry down to
    ``depth`` is owed. Otherwise the reader stopped paging at ``depth``: the API owes every entry at or above
    the lowest one it showed (it walked past them), and nothing below.
    """
    if finished or not shown:
        return model[:depth]
    lowest = min(shown)
    return [post_id for post_id in model if post_id >= lowest]


def compare(shown: list[int], window: list[int]) -> FeedErrors:
    """What is wrong with ``shown`` (the API's entries, in order) against ``window`` (the model, newest first).

    An entry counts once, under the first of: duplicated (a repeat of one already shown), extra (not in the
    model), out of order (in the model, but not in the longest run of shown entries that keeps the model's
    order: the fewest entries that would have to move). Every model entry never shown is missing.
    """
    errors = FeedErrors()
    rank = {post_id: index for index, post_id in enumerate(window)}
    seen: set[int] = set()
    kept: list[int] = []  # first showings of model entries, in the API's order
    for post_id in shown:
        if post_id in seen:
            errors.duplicated.append(post_id)
            continue
        seen.add(post_id)
        if post_id not in rank:
            errors.extra.append(post_id)
        else:
            kept.append(post_id)
    in_order = set(_longest_increasing([rank[post_id] for post_id in kept]))
    errors.out_of_order = [post_id for post_id in kept if rank[post_id] not in in_order]
    errors.missing = [post_id for post_id in window if post_id not in seen]
    return errors


def _longest_increasing(values: list[int]) -> list[int]:
    """One longest strictly increasing subsequence of distinct ``values`` (patience sorting, n log n)."""
    import bisect

    tails: list[int] = []  # tails[k]: index into values of the smallest tail of a run of length k + 1
    tail_values: list[int] = []
    parent = [-1] * len(values)
    for index, value in enumerate(values):
        k = bisect.bisect_left(tail_values, value)
        if k > 0:
            parent[index] = tails[k - 1]
        if k == len(tails):
            tails.append(index)
            tail_values.append(value)
        else:
            tails[k] = index
            tail_values[k] = value
    out: list[int] = []
    index = tails[-1] if tails else -1
    while index != -1:
        out.append(values[index])
        index = parent[index]
    return out[::-1]


# -- the audit over HTTP ---------------------------------------------------------------------------------------

async def read_feed(session: aiohttp.ClientSession, base_url: str, token: str,
                    pages: int = PAGES, limit: int = PAGE_LIMIT) -> tuple[list[int], bool]:
    """The post ids the API shows, paged by cursor, and whether it said the feed ended (null cursor)."""
    shown: list[int] = []
    cursor = None
    for _ in range(pages):
        params = {"limit": str(limit)}
        if cursor:
            params["cursor"] = cursor
        async with session.get(f"{base_url}/api/v1/feed", params=params,
                               headers={"Authorization": f"Bearer {token}"}) as response:
            body = await response.json()
            if response.status != 200:
                raise RuntimeError(f"feed read answered {response.status}: {body}")
        shown += [int(post["post_id"]) for post in body["posts"]]
        cursor = body["next_cursor"]
        if not cursor:
            return shown, True
    return shown, False


def _explain(db: Database, user_id: int, post_id: int) -> str:
    """Why a post may be wrong in a feed: does it exist, who wrote it, is it ready, is the author followed."""
    row = db.all("SELECT user_id FROM posts WHERE id = ?", (post_id,))
    if not row:
        return "post deleted"
    author = row[0][0]
    statuses = sorted({status for (status,) in db.all("SELECT status FROM media WHERE post_id = ?", (post_id,))})
    follows = bool(db.all("SELECT 1 FROM follows WHERE follower_id = ? AND followee_id = ?", (user_id, author)))
    relation = "own post" if author == user_id else ("author followed" if follows else "author NOT followed")
    return f"author {author} ({relation}), media {'/'.join(statuses) or 'none'}"


async def audit(base_url: str, db: Database, users: list[int], token_for, depth_pages: int = PAGES,
                new_posts: set[int] = frozenset()) -> dict:
    """Compare each user's feed over the API with the model; totals, per-kind counts and a few examples.

    ``new_posts``: the posts created during the run; how many the model puts in the sampled feeds is
    reported, so a 0 is seen to cover fresh fan-out and not only the dataset's old posts.
    """
    depth = depth_pages * PAGE_LIMIT
    semaphore = asyncio.Semaphore(AUDIT_CONCURRENCY)
    shown_by_user: dict[int, tuple[list[int], bool]] = {}
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        async def one(user_id: int) -> None:
            async with semaphore:
                shown_by_user[user_id] = await read_feed(session, base_url, token_for(user_id), depth_pages)

        await asyncio.gather(*(one(user_id) for user_id in users))
    totals = {"users": len(users), "entries_shown": 0, "new_posts_owed": 0, "missing": 0, "extra": 0, "duplicated": 0, "out_of_order": 0,
              "wrong": 0, "users_with_errors": 0}
    examples: list[str] = []
    for user_id in users:
        shown, finished = shown_by_user[user_id]
        # The window: everything down to ``depth`` when the API said the feed ended, else everything down
        # to the lowest entry shown (bounded far beyond any page depth, in case a great many were skipped).
        if finished or not shown:
            model = await asyncio.to_thread(model_feed, db, user_id, depth)
        else:
            model = await asyncio.to_thread(model_feed, db, user_id, MODEL_BOUND, min(shown))
        window = expected_window(shown, model, finished, depth)
        errors = compare(shown, window)
        totals["entries_shown"] += len(shown)
        totals["new_posts_owed"] += sum(1 for post_id in window if post_id in new_posts)
        for kind in ("missing", "extra", "duplicated", "out_of_order"):
            totals[kind] += len(getattr(errors, kind))
        totals["wrong"] += errors.wrong
        if errors.wrong:
            totals["users_with_errors"] += 1
            for kind in ("missing", "extra", "duplicated", "out_of_order"):
                for post_id in getattr(errors, kind)[:2]:
                    if len(examples) < EXAMPLES:
                        examples.append(f"user {user_id}: {kind} post {post_id}: {_explain(db, user_id, post_id)}"
                                        f" (shown {len(shown)} entries, feed {'ended' if finished else 'continues'})")
    totals["examples"] = examples
    totals["failed_media_posts"] = db.one("SELECT COUNT(DISTINCT post_id) FROM media WHERE status = 'failed'") or 0
    return totals
