"""Direct-to-database users, follows and posts for feed tests that need more posts than uploads can make quickly.

``add_post`` does what the posts and media services do when a post's media finish processing: the row,
a ready medium, and (unless it is still processing) the fan-out job, in one transaction; then the post
reaches its author's timeline. The fan-out job publishes it.
"""

from __future__ import annotations

import json

from server.bootstrap import job_handlers
from server.clock import now_ms
from server.jobs.runner import JobRunner
from server.repos import users as users_repo



async def add_user(ctx, username: str, *, private: bool = False) -> int:
    user_id = ctx.ids.next_id()

    def unit(conn):
        users_repo.insert(conn, user_id=user_id, username=username, password_hash="-", is_admin=False, created_at=now_ms())
        conn.execute("UPDATE users SET is_private = ? WHERE id = ?", (int(private), user_id))

    await ctx.db.write(unit)
    return user_id


async def add_followers(ctx, followee_id: int, follower_ids: list[int]) -> None:
    """Many follows at once (the follow service does one at a time)."""

    def unit(conn):
        conn.executemany("INSERT INTO follows (follower_id, followee_id, created_at) VALUES (?, ?, ?)",
                         [(follower_id, followee_id, now_ms()) for follower_id in follower_ids])
        conn.execute("UPDATE users SET follower_count = follower_count + ? WHERE id = ?", (len(follower_ids), followee_id))

    await ctx.db.write(unit)


async def add_post(ctx, author_id: int, caption: str = "", *, processing: bool = False, announce: bool = True) -> int:
    """``announce=False``: as if another process had made and published it and none of its messages arrived
    here (no timeline write, no cache drop in this process)."""
    post_id, media_id = ctx.ids.next_id(), ctx.ids.next_id()
    status = "processing" if processing else "ready"
    variants = "{}" if processing else json.dumps({name: f"v/{media_id}/{name}" for name in ("thumb", "320", "640", "1080")})

    def unit(conn):
        now = now_ms()
        conn.execute("INSERT INTO posts (id, user_id, caption, created_at, published_at) VALUES (?, ?, ?, ?, ?)",
                     (post_id, author_id, caption, now, None if announce or processing else now))
        conn.execute("UPDATE users SET post_count = post_count + 1 WHERE id = ?", (author_id,))
        conn.execute(
            "INSERT INTO media (id, post_id, user_id, position, kind, status, original_key, content_type, sha256, size,"
            " width, height, variants, created_at, updated_at) VALUES (?, ?, ?, 0, 'photo', ?, ?, 'image/jpeg', ?, 1, 64, 48, ?, ?, ?)",
            (media_id, post_id, author_id, status, f"o/{media_id}", f"{media_id:064d}", variants, now, now),
        )
        if announce and not processing:
            ctx.fanout.enqueue_publish(conn, post_id, author_id)

    await ctx.db.write(unit)
    if announce:
        await ctx.timeline_manager.post_created(author_id, post_id)
    return post_id


async def publish(ctx, post_id: int) -> None:
    """Finish a post's processing, as the media service does."""

    def unit(conn):
        conn.execute("UPDATE media SET status = 'ready' WHERE post_id = ?", (post_id,))
        author_id = conn.fetch_val("SELECT user_id FROM posts WHERE id = ?", (post_id,))
        ctx.fanout.enqueue_publish(conn, post_id, author_id)

    await ctx.db.write(unit)


async def run_jobs(ctx) -> None:
    await JobRunner(ctx.jobs, job_handlers(ctx), workers=0).drain()
