"""The post cache never keeps what it read from before a change it was told about."""

from __future__ import annotations

import pytest

from server.bootstrap import build_context, close_context
from tests.feed_data import add_post, add_user, run_jobs


@pytest.fixture
async def ctx(settings):
    context = await build_context(settings, run_jobs=False)
    yield context
    await close_context(context)


async def test_a_forget_that_lands_during_a_load_is_not_undone(ctx):
    author = await add_user(ctx, "author")
    post_id = await add_post(ctx, author, "before")
    await run_jobs(ctx)  # published: what others see
    read = ctx.db.read

    async def read_then_change(unit):
        result = await read(unit)  # the old caption has been read …
        await ctx.db.write(lambda conn: conn.execute("UPDATE posts SET caption = 'after' WHERE id = ?", (post_id,)))
        ctx.hydrator.forget_post(post_id)  # … and the change is announced before the load finishes
        return result

    ctx.db.read = read_then_change
    [stale] = await ctx.hydrator.hydrate([post_id], None)
    assert stale["caption"] == "before"  # this answer raced the change, which is fine once
    ctx.db.read = read
    [fresh] = await ctx.hydrator.hydrate([post_id], None)
    assert fresh["caption"] == "after"  # but it was not cached


async def test_an_unchanged_post_is_served_from_the_cache(ctx):
    author = await add_user(ctx, "author")
    post_id = await add_post(ctx, author, "cached")
    await run_jobs(ctx)  # published: what others see
    await ctx.hydrator.hydrate([post_id], None)
    reads = []
    read = ctx.db.read

    async def counting(unit):
        reads.append(unit)
        return await read(unit)

    ctx.db.read = counting
    await ctx.hydrator.hydrate([post_id], None)
    assert reads == []
