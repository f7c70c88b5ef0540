"""Fan-out, follows, the timeline manager and the feed service on the in-memory timelines and a real SQLite file."""

from __future__ import annotations

import asyncio

import pytest

from server.bootstrap import build_context, close_context
from server.broker.base import CELEBRITY_CHANNEL
from server.timelines.manager import FANOUT_BATCH_SIZE
from server.timelines.memory import MemoryTimelines
from tests.feed_data import add_followers, add_post, add_user, publish, run_jobs


@pytest.fixture
async def ctx(settings):
    context = await build_context(settings.replace(celebrity_threshold=50), run_jobs=False)
    yield context
    await close_context(context)


async def warm_feed(ctx, user_id: int) -> list[int]:
    """The ids of the feed's first page as the user sees it (hydrated: what they may not see is left out)."""
    posts, _ = await ctx.feed.home(user_id, None, 50)
    return [int(post["post_id"]) for post in posts]


async def feed_ids(ctx, user_id: int) -> list[int]:
    """The page's ids before hydration (the object the feed may keep and reuse)."""
    return await ctx.feed.home_ids(user_id, None, 50)


async def timeline_ids(ctx, user_id: int) -> list[int] | None:
    page = await ctx.timelines.read(user_id, before=None, limit=1000)
    return None if page is None else page.post_ids


async def test_a_post_reaches_every_warm_follower_and_no_cold_one(ctx):
    author = await add_user(ctx, "author")
    followers = [await add_user(ctx, f"fan{i}") for i in range(4)]
    for follower in followers:
        await ctx.follows.follow(follower, str(author))
    for follower in followers[:2]:
        await warm_feed(ctx, follower)
    post = await add_post(ctx, author)
    await run_jobs(ctx)
    assert [await timeline_ids(ctx, f) for f in followers] == [[post], [post], None, None]
    for follower in followers:  # the cold ones find it when their timeline is rebuilt
        assert await warm_feed(ctx, follower) == [post]


async def test_fanout_walks_followers_in_batches(ctx):
    author = await add_user(ctx, "author")
    followers = [await add_user(ctx, f"fan{i}") for i in range(FANOUT_BATCH_SIZE + 7)]
    ctx.settings = ctx.settings.replace(celebrity_threshold=10_000)
    await add_followers(ctx, author, followers)
    for follower in followers:
        await warm_feed(ctx, follower)
    post = await add_post(ctx, author)
    await run_jobs(ctx)
    assert [await timeline_ids(ctx, f) for f in followers] == [[post]] * len(followers)


async def test_the_job_is_idempotent_and_skips_deleted_posts(ctx):
    author, fan = await add_user(ctx, "author"), await add_user(ctx, "fan")
    await ctx.follows.follow(fan, str(author))
    await warm_feed(ctx, fan)
    post = await add_post(ctx, author)
    await run_jobs(ctx)
    await ctx.fanout._publish({"post_id": post, "author_id": author})  # delivered twice
    assert await timeline_ids(ctx, fan) == [post]
    gone = await add_post(ctx, author)
    await ctx.db.write(lambda conn: conn.execute("DELETE FROM posts WHERE id = ?", (gone,)))
    await run_jobs(ctx)
    assert await timeline_ids(ctx, fan) == [post]


async def test_a_processing_post_is_the_authors_alone_until_published(ctx):
    author, fan = await add_user(ctx, "author"), await add_user(ctx, "fan")
    await ctx.follows.follow(fan, str(author))
    await warm_feed(ctx, fan)
    await warm_feed(ctx, author)
    post = await add_post(ctx, author, processing=True)
    await run_jobs(ctx)
    assert await warm_feed(ctx, author) == [post]
    assert await warm_feed(ctx, fan) == []
    ctx.timelines = MemoryTimelines()  # cold rebuilds agree
    assert await warm_feed(ctx, author) == [post]
    assert await warm_feed(ctx, fan) == []
    await publish(ctx, post)
    await run_jobs(ctx)
    assert await warm_feed(ctx, fan) == [post]


async def test_celebrities_are_not_pushed_but_merged_at_read_time(ctx):
    star, fan, friend = await add_user(ctx, "star"), await add_user(ctx, "fan"), await add_user(ctx, "friend")
    crowd = [await add_user(ctx, f"crowd{i}") for i in range(60)]
    await add_followers(ctx, star, crowd)
    await ctx.follows.follow(fan, str(star))
    await ctx.follows.follow(fan, str(friend))
    await warm_feed(ctx, fan)
    older = await add_post(ctx, friend, "friend 1")
    star_post = await add_post(ctx, star, "star")
    newer = await add_post(ctx, friend, "friend 2")
    await run_jobs(ctx)
    assert star_post not in await timeline_ids(ctx, fan)
    assert await warm_feed(ctx, fan) == [newer, star_post, older]


async def test_a_celebritys_deleted_post_leaves_feeds(ctx):
    star, fan = await add_user(ctx, "star"), await add_user(ctx, "fan")
    await add_followers(ctx, star, [await add_user(ctx, f"crowd{i}") for i in range(60)])
    await ctx.follows.follow(fan, str(star))
    post = await add_post(ctx, star)
    await run_jobs(ctx)
    assert await warm_feed(ctx, fan) == [post]

    def delete(conn):
        conn.execute("DELETE FROM posts WHERE id = ?", (post,))
        ctx.fanout.enqueue_retract(conn, post, star)

    await ctx.db.write(delete)
    await run_jobs(ctx)
    assert await warm_feed(ctx, fan) == []


async def test_retract_takes_a_post_out_of_every_timeline(ctx):
    author, fan = await add_user(ctx, "author"), await add_user(ctx, "fan")
    await ctx.follows.follow(fan, str(author))
    await warm_feed(ctx, fan)
    await warm_feed(ctx, author)
    post = await add_post(ctx, author)
    await run_jobs(ctx)

    def delete(conn):
        conn.execute("DELETE FROM posts WHERE id = ?", (post,))
        ctx.fanout.enqueue_retract(conn, post, author)

    await ctx.db.write(delete)
    await run_jobs(ctx)
    assert await timeline_ids(ctx, fan) == [] and await timeline_ids(ctx, author) == []


async def test_an_unfollow_wins_over_a_fanout_batch_read_before_it(ctx):
    """The fan-out read its followers while the fan still followed; the whole unfollow (commit and removal)
    lands before the fan-out's push. The manager's re-read after the push takes the post back out."""
    author, fan = await add_user(ctx, "author"), await add_user(ctx, "fan")
    await ctx.follows.follow(fan, str(author))
    await warm_feed(ctx, fan)
    post = await add_post(ctx, author)
    push = ctx.timelines.push

    async def push_after_an_unfollow(user_ids, post_ids):
        if fan in user_ids and post in post_ids and not unfollowed:
            unfollowed.append(await ctx.follows.unfollow(fan, str(author)))
        return await push(user_ids, post_ids)

    unfollowed: list = []
    ctx.timelines.push = push_after_an_unfollow
    await run_jobs(ctx)
    assert unfollowed == [{"following": False}]
    assert await timeline_ids(ctx, fan) == []
    assert await warm_feed(ctx, fan) == []
    await ctx.follows.follow(fan, str(author))  # a re-follow brings it back
    assert await warm_feed(ctx, fan) == [post]


async def test_a_follow_between_the_fanout_reading_followers_and_pushing_keeps_the_post(ctx):
    """The opposite order: the fan-out read no fan, the fan follows (and merges the author's posts) before the
    fan-out publishes: the post is in the fan's feed once it is published."""
    author, fan = await add_user(ctx, "author"), await add_user(ctx, "fan")
    await warm_feed(ctx, fan)
    post = await add_post(ctx, author)
    manager = ctx.timeline_manager
    read_followers = manager._follower_batches
    followed: list = []

    async def follow_once_followers_were_read(author_id):
        async for batch in read_followers(author_id):
            yield batch
        followed.append(await ctx.follows.follow(fan, str(author)))

    manager._follower_batches = follow_once_followers_were_read
    await run_jobs(ctx)
    assert followed == [{"following": True}]
    assert await warm_feed(ctx, fan) == [post]


async def test_follow_backfills_and_unfollow_removes(ctx):
    author, fan = await add_user(ctx, "author"), await add_user(ctx, "fan")
    posts = [await add_post(ctx, author) for _ in range(3)]
    await run_jobs(ctx)
    assert await warm_feed(ctx, fan) == []
    await ctx.follows.follow(fan, str(author))
    assert await timeline_ids(ctx, fan) == posts[::-1]
    await ctx.follows.unfollow(fan, str(author))
    assert await timeline_ids(ctx, fan) == []
    assert await warm_feed(ctx, fan) == []


async def test_a_cold_rebuild_is_written_back(ctx):
    author, fan = await add_user(ctx, "author"), await add_user(ctx, "fan")
    await ctx.follows.follow(fan, str(author))
    posts = [await add_post(ctx, author) for _ in range(3)]
    await run_jobs(ctx)
    assert await timeline_ids(ctx, fan) is None
    assert await warm_feed(ctx, fan) == posts[::-1]
    assert await timeline_ids(ctx, fan) == posts[::-1]


async def test_can_view_follows_privacy_and_approval(ctx):
    owner, fan, stranger = await add_user(ctx, "owner", private=True), await add_user(ctx, "fan"), await add_user(ctx, "stranger")
    assert await ctx.follows.can_view(owner, owner)
    assert not await ctx.follows.can_view(fan, owner)
    assert not await ctx.follows.can_view(None, owner)
    assert await ctx.follows.follow(fan, str(owner)) == {"requested": True}
    assert not await ctx.follows.can_view(fan, owner)
    await ctx.follows.approve(owner, fan)
    assert await ctx.follows.can_view(fan, owner)
    assert not await ctx.follows.can_view(stranger, owner)
    await ctx.follows.unfollow(fan, str(owner))
    assert not await ctx.follows.can_view(fan, owner)
    assert await ctx.follows.can_view(None, fan)  # public


async def test_approve_all_requests_when_an_account_turns_public(ctx):
    owner = await add_user(ctx, "owner", private=True)
    fans = [await add_user(ctx, f"fan{i}") for i in range(3)]
    post = await add_post(ctx, owner)
    await run_jobs(ctx)
    for fan in fans:
        await ctx.follows.follow(fan, str(owner))
        await warm_feed(ctx, fan)
    assert await ctx.follows.approve_all_requests(owner) == 3
    for fan in fans:
        assert await warm_feed(ctx, fan) == [post]
    counts = await ctx.db.read(lambda conn: conn.fetch_one("SELECT follower_count, following_count FROM users WHERE id = ?", (owner,)))
    assert tuple(counts) == (3, 0)


async def test_the_merged_top_page_is_reused_only_while_its_sources_are_unchanged(ctx, monkeypatch):
    """Each viewer's merged top page is kept between reads; every change to what it was merged from shows
    on the next read: a celebrity's post, a followee's post, an unfollow, and (after the cache's time
    limit) a celebrity's post made by another process whose messages never arrived here."""
    from server.timelines import manager as manager_module
    from server.timelines import recent as recent_module

    star, fan, friend = await add_user(ctx, "star"), await add_user(ctx, "fan"), await add_user(ctx, "friend")
    await add_followers(ctx, star, [await add_user(ctx, f"crowd{i}") for i in range(60)])
    await ctx.follows.follow(fan, str(star))
    await ctx.follows.follow(fan, str(friend))
    first = await add_post(ctx, star, "star 1")
    await run_jobs(ctx)
    assert await warm_feed(ctx, fan) == [first]
    assert await feed_ids(ctx, fan) is await feed_ids(ctx, fan)  # reused, not merged again

    second = await add_post(ctx, star, "star 2")
    await run_jobs(ctx)
    assert await warm_feed(ctx, fan) == [second, first]
    friends = await add_post(ctx, friend, "friend")
    await run_jobs(ctx)
    assert await warm_feed(ctx, fan) == [friends, second, first]

    clock = [recent_module.time.monotonic()]
    monkeypatch.setattr(recent_module.time, "monotonic", lambda: clock[0])
    ctx.broker.publish(CELEBRITY_CHANNEL, {"author": star})  # the star's list is loaded again now, at the clock's start
    await asyncio.sleep(0)  # the local broker delivers on the next turn of the loop
    assert await warm_feed(ctx, fan) == [friends, second, first]
    elsewhere = await add_post(ctx, star, "published by another process", announce=False)
    clock[0] += manager_module.CELEBRITY_CACHE_SECONDS / 2
    await ctx.follows.unfollow(fan, str(friend))  # the fan's own list of celebrities is loaded again, later
    await ctx.follows.follow(fan, str(friend))
    assert await warm_feed(ctx, fan) == [friends, second, first]
    clock[0] += manager_module.CELEBRITY_CACHE_SECONDS / 2 + 1  # the star's list is past its limit; the fan's is not
    assert await warm_feed(ctx, fan) == [elsewhere, friends, second, first]

    await ctx.follows.unfollow(fan, str(star))
    assert await warm_feed(ctx, fan) == [friends]


async def test_a_demoted_celebritys_posts_reach_followers_whose_timelines_never_held_them(ctx):
    """A celebrity's posts are merged at read time, so no timeline holds them; when an unfollow takes the author
    below the threshold, a durable job pushes their recent posts to every follower (rule 4)."""
    star, fan = await add_user(ctx, "star"), await add_user(ctx, "fan")
    crowd = [await add_user(ctx, f"crowd{i}") for i in range(49)]
    for person in [fan, *crowd]:
        await ctx.follows.follow(person, str(star))  # 50 followers: the threshold
    await warm_feed(ctx, fan)
    post = await add_post(ctx, star)
    await run_jobs(ctx)
    assert post not in (await timeline_ids(ctx, fan)) and await warm_feed(ctx, fan) == [post]
    await ctx.follows.unfollow(crowd[0], str(star))  # 49: pushed from now on, and the past too
    await run_jobs(ctx)
    assert post in await timeline_ids(ctx, fan)
    assert await warm_feed(ctx, fan) == [post]
    await ctx.follows.follow(crowd[0], str(star))  # a celebrity again
    newer = await add_post(ctx, star)
    await run_jobs(ctx)
    assert newer not in await timeline_ids(ctx, fan)
    assert await warm_feed(ctx, fan) == [newer, post]
