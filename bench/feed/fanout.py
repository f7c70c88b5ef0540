"""Fan-out timing: from the commit that publishes a post to the last of 10,000 followers' timelines holding it.

Runs in-process on the benchmark's data folder with the real services and job runner (the in-memory
timelines live in the serving process, so that is where their timing can be read). Every follower's
timeline is warmed first by a real rebuild, as a reader would; then each trial publishes a post the way
the media service does and waits for the fan-out job to reach every follower.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from pathlib import Path

from server.bootstrap import build_context, close_context
from server.config import load

TARGET_FOLLOWERS = 10_000
TRIALS = 5
WARM_CONCURRENCY = 4  # the database has four reader threads
TRIAL_TIMEOUT_SECONDS = 30


async def measure_fanout(data_dir: Path, backend_env: dict[str, str] | None = None) -> dict:
    """``backend_env``: PHOTOSHARE_REDIS_URL and/or PHOTOSHARE_DATABASE_URL, as the measured server had them."""
    settings = load(overrides={"data_dir": str(data_dir), "job_workers": 2, "log_level": "warning"},
                    environ=dict(backend_env or {}), config_file=None)
    probe = await build_context(settings, run_jobs=False)
    try:
        author, count = await probe.db.read(lambda conn: tuple(conn.fetch_one(
            "SELECT id, follower_count FROM users ORDER BY ABS(follower_count - ?) LIMIT 1", (TARGET_FOLLOWERS,))))
    finally:
        await close_context(probe)
    # The author must be fanned out, not merged at read time: keep the threshold just above them.
    settings = settings.replace(celebrity_threshold=max(settings.celebrity_threshold, count + 1))
    ctx = await build_context(settings, run_jobs=True)
    try:
        return await _trials(ctx, author, count)
    finally:
        await close_context(ctx)


async def _trials(ctx, author: int, count: int) -> dict:
    followers = await ctx.db.read(lambda conn: [row[0] for row in conn.fetch_all(
        "SELECT follower_id FROM follows WHERE followee_id = ?", (author,))])
    started = time.monotonic()
    semaphore = asyncio.Semaphore(WARM_CONCURRENCY)

    async def warm(user_id: int) -> None:
        async with semaphore:
            await ctx.feed.home_ids(user_id, None, 20)

    await asyncio.gather(*(warm(user_id) for user_id in followers))
    warm_seconds = time.monotonic() - started

    reached = {"post": None, "count": 0, "at": 0.0}
    done = asyncio.Event()
    push = ctx.timelines.push

    async def counting_push(user_ids, post_ids):
        pushed = await push(user_ids, post_ids)
        if reached["post"] in post_ids and list(user_ids) != [author]:
            reached["count"] += pushed
            if reached["count"] >= len(followers):
                reached["at"] = time.perf_counter()
                done.set()
        return pushed

    ctx.timelines.push = counting_push
    timings, visible, post_ids = [], [], []
    try:
        for _ in range(TRIALS):
            post_id = ctx.ids.next_id()
            post_ids.append(post_id)
            reached.update(post=post_id, count=0)
            done.clear()
            await ctx.db.write(lambda conn: _publish_in(ctx, conn, author, post_id))
            committed = time.perf_counter()
            ctx.job_committed()
            await asyncio.wait_for(done.wait(), TRIAL_TIMEOUT_SECONDS)
            timings.append((reached["at"] - committed) * 1000)
            pages = [await ctx.timelines.read(user_id, before=None, limit=1) for user_id in followers]
            visible.append(sum(1 for page in pages if page is not None and page.post_ids[:1] == [post_id]))
    finally:
        ctx.timelines.push = push
        await ctx.db.write(lambda conn: _remove(conn, author, post_ids))
    return {
        "author_followers": count, "followers_warmed": len(followers), "warm_up_seconds": round(warm_seconds, 1),
        "trials_ms": [round(ms, 1) for ms in timings], "median_ms": round(statistics.median(timings), 1),
        "max_ms": round(max(timings), 1), "followers_showing_it_first": visible,
    }


def _publish_in(ctx, conn, author: int, post_id: int) -> None:
    """What the posts and media services commit when a post's photo is ready."""
    now = int(time.time() * 1000)
    variants = json.dumps({name: f"v/{post_id}/{name}" for name in ("thumb", "320", "640", "1080")})
    conn.execute("INSERT INTO posts (id, user_id, caption, created_at) VALUES (?, ?, 'fanout bench', ?)", (post_id, author, now))
    conn.execute(
        "INSERT INTO media (id, post_id, user_id, position, kind, status, original_key, content_type, sha256, size, variants,"
        " created_at, updated_at) VALUES (?, ?, ?, 0, 'photo', 'ready', ?, 'image/jpeg', ?, 1, ?, ?, ?)",
        (post_id, post_id, author, f"o/{post_id}", f"{post_id:064d}", variants, now, now))
    ctx.fanout.enqueue_publish(conn, post_id, author)


def _remove(conn, author: int, post_ids: list[int]) -> None:
    """Leave the cached dataset as it was, so reruns measure the same thing."""
    for post_id in post_ids:
        conn.execute("DELETE FROM posts WHERE id = ?", (post_id,))
