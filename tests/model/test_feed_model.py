"""The feed invariant, checked by a model under any interleaving (a Hypothesis stateful test).

A handful of accounts register, follow (public and private accounts, so requests and approvals too),
unfollow, block and unblock, mute and unmute, post (each post processing until it finishes ready or failed),
report posts (a report hides a post at once: a hide threshold of 1) and have reports dismissed, delete posts and
accounts and read their feeds page by page, with a celebrity threshold of 2 so authors cross it up and down all
the time.
Background jobs (fan-out, retraction, account cleanup, a demotion's backfill) run when the test says: a few
at a time, or one of them *together with* each request, on a schedule Hypothesis picks (every database and
timeline call yields to the other side a chosen number of times), so the manager's writes interleave with
requests in orders a plain run rarely produces.

What is checked, against a plain model of who follows whom and which posts exist:
- every read: a page never shows a post twice, pages go newest first, and nothing shown is outside what
  the viewer may see (their own posts; finished, unhidden posts of accounts they follow and do not mute now;
  a block removes the follows both ways);
- whenever no job is pending: every feed, read to its end in pages, is exactly the model (own posts plus the
  finished posts not hidden by reports of the accounts followed and not muted, newest first); every warm
  timeline holds what the manager promises above its floor; every cached list of followed celebrities is right;
- follower counts match the model.

It runs on the embedded stack (memory timelines + SQLite) and on Redis timelines + PostgreSQL, with the real
services; a failure shrinks to a short sequence of steps that shows it.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import importlib
import itertools
import os
import shutil
import tempfile

import orjson
import pytest
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test

from server.bootstrap import build_context, close_context, job_handlers
from server.config import load
from server.jobs.runner import JobRunner
from server.web.errors import Conflict, InvalidInput, NotFound
from tests.feed_data import add_post, add_user

MAX_USERS = 4
CELEBRITY_THRESHOLD = 2
# Bounded so the two stacks together take well under a minute or two in CI; a developer hunting a bug
# multiplies them with PHOTOSHARE_MODEL_EXAMPLES_FACTOR.
EXAMPLES = {"embedded": 150, "redis+postgres": 30}
EXAMPLES_FACTOR = float(os.environ.get("PHOTOSHARE_MODEL_EXAMPLES_FACTOR", "1"))
STEPS = 40
STACKS = {"embedded": (), "redis+postgres": ("postgres", "redis")}
USER = st.integers(0, MAX_USERS - 1)
PAUSES = st.lists(st.integers(0, 4), min_size=1, max_size=12)


def _cursor_before(cursor: str) -> int:
    return int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())


class FeedMachine(RuleBasedStateMachine):
    stack = "embedded"

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.backends = contextlib.ExitStack()
        self.folder = tempfile.mkdtemp(prefix="feed-model-")
        overrides = {"data_dir": self.folder, "job_workers": 0, "media_processes": 1,
                     "celebrity_threshold": CELEBRITY_THRESHOLD, "report_hide_threshold": 1,
                     "rate_limit_user_reports": 100_000}
        for backend in STACKS[self.stack]:
            module = importlib.import_module(f"tests.backends.{backend}")
            overrides.update(self.backends.enter_context(getattr(module, f"fresh_{backend}")()))
        self.ctx = self.run(build_context(load(overrides=overrides, environ={}, config_file=None), run_jobs=False))
        self.runner = JobRunner(self.ctx.jobs, job_handlers(self.ctx), workers=0)
        self.users: list[int] = []
        self.private: set[int] = set()
        self.follows: set[tuple[int, int]] = set()  # (follower, followee)
        self.requests: set[tuple[int, int]] = set()  # (requester, private account)
        self.posts: dict[int, tuple[int, str]] = {}  # post id -> (author, "processing" | "finished")
        self.blocks: set[tuple[int, int]] = set()  # (blocker, blocked)
        self.mutes: set[tuple[int, int]] = set()  # (muter, muted)
        self.hidden: dict[int, str] = {}  # post id hidden by reports -> its open report's id
        self.reported: set[tuple[int, int]] = set()  # (reporter, post id): a second report is refused
        self.registered = 0

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        try:
            self.run(close_context(self.ctx))
        finally:
            self.backends.close()
            self.loop.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    # -- the model ---------------------------------------------------------------------------------
    def allowed(self, viewer: int) -> set[int]:
        return {post_id for post_id, (author, state) in self.posts.items()
                if author == viewer or (state == "finished" and (viewer, author) in self.follows
                                        and (viewer, author) not in self.mutes and post_id not in self.hidden)}

    def sources(self, viewer: int) -> set[int]:
        """Whose posts the viewer's timeline takes: followed and not muted."""
        return {followee for follower, followee in self.follows if follower == viewer and (viewer, followee) not in self.mutes}

    def blocked_either_way(self, a: int, b: int) -> bool:
        return (a, b) in self.blocks or (b, a) in self.blocks

    def user(self, index: int) -> int:
        return self.users[index % len(self.users)]

    def post(self, index: int) -> int:
        ids = sorted(self.posts)
        return ids[index % len(ids)]

    # -- steps -------------------------------------------------------------------------------------
    @initialize()
    def three_accounts(self) -> None:
        for _ in range(3):
            self.register(False)

    @precondition(lambda self: len(self.users) < MAX_USERS)
    @rule(private=st.booleans())
    def register(self, private: bool) -> None:
        self.registered += 1
        user_id = self.run(add_user(self.ctx, f"user{self.registered}", private=private))
        self.users.append(user_id)
        if private:
            self.private.add(user_id)

    def follow_step(self, a: int, b: int):
        async def step():
            try:
                outcome = await self.ctx.follows.follow(a, str(b))
            except InvalidInput:
                assert a == b
                return
            except NotFound:  # a block either way: each is invisible to the other
                assert self.blocked_either_way(a, b)
                return
            except Conflict:
                assert (a, b) in self.follows or (a, b) in self.requests
                return
            assert not self.blocked_either_way(a, b)
            if outcome == {"following": True}:
                assert b not in self.private
                self.follows.add((a, b))
            else:
                assert outcome == {"requested": True} and b in self.private
                self.requests.add((a, b))
        return step()

    def unfollow_step(self, a: int, b: int):
        async def step():
            try:
                await self.ctx.follows.unfollow(a, str(b))
            except Conflict:
                assert (a, b) not in self.follows and (a, b) not in self.requests
                return
            self.follows.discard((a, b))
            self.requests.discard((a, b))
        return step()

    def delete_post_step(self, post_id: int):
        async def step():
            author, _ = self.posts[post_id]
            await self.ctx.posts.delete(author, post_id)
            del self.posts[post_id]
            self.hidden.pop(post_id, None)
        return step()

    def finish_step(self, post_id: int, failed: bool):
        async def step():
            status = "failed" if failed else "ready"

            def unit(conn):
                conn.execute("UPDATE media SET status = ? WHERE post_id = ?", (status, post_id))
                self.ctx.fanout.enqueue_publish(conn, post_id, self.posts[post_id][0])

            await self.ctx.db.write(unit)  # what the media service does when the last medium is done
            self.ctx.hydrator.forget_post(post_id)
            self.posts[post_id] = (self.posts[post_id][0], "finished")
        return step()

    def block_step(self, a: int, b: int):
        async def step():
            try:
                assert await self.ctx.safety.block(a, str(b)) == {"blocking": True}
            except InvalidInput:
                assert a == b
                return
            self.blocks.add((a, b))
            for pair in ((a, b), (b, a)):
                self.follows.discard(pair)
                self.requests.discard(pair)
        return step()

    def unblock_step(self, a: int, b: int):
        async def step():
            try:
                assert await self.ctx.safety.unblock(a, str(b)) == {"blocking": False}
            except InvalidInput:
                assert a == b
                return
            except Conflict:
                assert (a, b) not in self.blocks
                return
            self.blocks.discard((a, b))
        return step()

    def mute_step(self, a: int, b: int, mute: bool):
        async def step():
            try:
                if mute:
                    assert await self.ctx.safety.mute(a, str(b)) == {"muting": True}
                else:
                    assert await self.ctx.safety.unmute(a, str(b)) == {"muting": False}
            except InvalidInput:
                assert a == b
                return
            except NotFound:
                assert mute and self.blocked_either_way(a, b)
                return
            except Conflict:
                assert not mute and (a, b) not in self.mutes
                return
            if mute:
                self.mutes.add((a, b))
            else:
                self.mutes.discard((a, b))
        return step()

    def hide_step(self, reporter: int, post_id: int):
        """A report by someone who can see the post hides it at once (threshold 1), until it is reviewed."""
        async def step():
            author, _ = self.posts[post_id]
            try:
                answer = await self.ctx.moderation.report(reporter, {"target_type": "post", "target_id": str(post_id),
                                                                     "reason": "spam"})
            except InvalidInput:
                assert reporter == author
                return
            except Conflict:
                assert (reporter, post_id) in self.reported
                return
            except NotFound:  # not visible to the reporter
                assert (self.blocked_either_way(reporter, author) or post_id in self.hidden
                        or (author in self.private and (reporter, author) not in self.follows))
                return
            assert not self.blocked_either_way(reporter, author) and post_id not in self.hidden
            self.reported.add((reporter, post_id))
            self.hidden[post_id] = answer["report_id"]
        return step()

    def dismiss_step(self, post_id: int):
        """A moderator dismisses the report: the post shows again."""
        async def step():
            await self.ctx.moderation.resolve(None, int(self.hidden[post_id]), {"action": "dismiss"})
            del self.hidden[post_id]
        return step()

    def read_step(self, viewer: int, limit: int):
        async def step():
            self.check_feed(viewer, await self.read_feed(viewer, limit), quiet=False)
        return step()

    # Every request below runs together with the next pending job, if any, on a schedule Hypothesis picks.
    @precondition(lambda self: self.users)
    @rule(a=USER, b=USER, pauses=PAUSES)
    def follow(self, a: int, b: int, pauses: list[int]) -> None:
        self.with_a_job(self.follow_step(self.user(a), self.user(b)), pauses)

    @precondition(lambda self: self.users)
    @rule(a=USER, b=USER, pauses=PAUSES)
    def unfollow(self, a: int, b: int, pauses: list[int]) -> None:
        self.with_a_job(self.unfollow_step(self.user(a), self.user(b)), pauses)

    @precondition(lambda self: self.users)
    @rule(a=USER, b=USER, pauses=PAUSES)
    def block(self, a: int, b: int, pauses: list[int]) -> None:
        self.with_a_job(self.block_step(self.user(a), self.user(b)), pauses)

    @precondition(lambda self: self.blocks)
    @rule(index=st.integers(0, 50), pauses=PAUSES)
    def unblock(self, index: int, pauses: list[int]) -> None:
        a, b = sorted(self.blocks)[index % len(self.blocks)]
        self.with_a_job(self.unblock_step(a, b), pauses)

    @precondition(lambda self: self.users)
    @rule(a=USER, b=USER, pauses=PAUSES)
    def mute(self, a: int, b: int, pauses: list[int]) -> None:
        self.with_a_job(self.mute_step(self.user(a), self.user(b), True), pauses)

    @precondition(lambda self: self.mutes)
    @rule(index=st.integers(0, 50), pauses=PAUSES)
    def unmute(self, index: int, pauses: list[int]) -> None:
        a, b = sorted(self.mutes)[index % len(self.mutes)]
        self.with_a_job(self.mute_step(a, b, False), pauses)

    @precondition(lambda self: self.posts and self.users)
    @rule(reporter=USER, index=st.integers(0, 50), pauses=PAUSES)
    def hide(self, reporter: int, index: int, pauses: list[int]) -> None:
        self.with_a_job(self.hide_step(self.user(reporter), self.post(index)), pauses)

    @precondition(lambda self: self.hidden)
    @rule(index=st.integers(0, 50), pauses=PAUSES)
    def dismiss_report(self, index: int, pauses: list[int]) -> None:
        self.with_a_job(self.dismiss_step(sorted(self.hidden)[index % len(self.hidden)]), pauses)

    @precondition(lambda self: self.requests)
    @rule(index=st.integers(0, 50), pauses=PAUSES)
    def approve(self, index: int, pauses: list[int]) -> None:
        requester, owner = sorted(self.requests)[index % len(self.requests)]

        async def step():
            await self.ctx.follows.approve(owner, requester)
            self.requests.discard((requester, owner))
            self.follows.add((requester, owner))
        self.with_a_job(step(), pauses)

    @precondition(lambda self: self.private)
    @rule(index=USER, pauses=PAUSES)
    def go_public(self, index: int, pauses: list[int]) -> None:
        owner = sorted(self.private)[index % len(self.private)]

        async def step():
            await self.ctx.profiles.update_profile(owner, {"is_private": False})
            self.private.discard(owner)
            for requester, target in sorted(self.requests):
                if target == owner:
                    self.requests.discard((requester, target))
                    self.follows.add((requester, target))
        self.with_a_job(step(), pauses)

    @precondition(lambda self: self.users)
    @rule(a=USER)
    def post_something(self, a: int) -> None:
        author = self.user(a)
        post_id = self.run(add_post(self.ctx, author, processing=True))
        self.posts[post_id] = (author, "processing")

    @precondition(lambda self: any(state == "processing" for _, state in self.posts.values()))
    @rule(index=st.integers(0, 50), failed=st.booleans(), pauses=PAUSES)
    def finish_processing(self, index: int, failed: bool, pauses: list[int]) -> None:
        processing = sorted(p for p, (_, state) in self.posts.items() if state == "processing")
        self.with_a_job(self.finish_step(processing[index % len(processing)], failed), pauses)

    @precondition(lambda self: self.posts)
    @rule(index=st.integers(0, 50), pauses=PAUSES)
    def delete_post(self, index: int, pauses: list[int]) -> None:
        self.with_a_job(self.delete_post_step(self.post(index)), pauses)

    @precondition(lambda self: len(self.users) > 1)
    @rule(a=USER, pauses=PAUSES)
    def delete_account(self, a: int, pauses: list[int]) -> None:
        gone = self.user(a)

        async def step():
            await self.ctx.account_deletion.delete_user(gone)
            self.users.remove(gone)
            self.private.discard(gone)
            self.follows = {pair for pair in self.follows if gone not in pair}
            self.requests = {pair for pair in self.requests if gone not in pair}
            self.blocks = {pair for pair in self.blocks if gone not in pair}
            self.mutes = {pair for pair in self.mutes if gone not in pair}
            self.posts = {p: (author, state) for p, (author, state) in self.posts.items() if author != gone}
            self.hidden = {p: report for p, report in self.hidden.items() if p in self.posts}
            self.reported = {(r, p) for r, p in self.reported if r != gone and p in self.posts}
        self.with_a_job(step(), pauses)

    @precondition(lambda self: self.users)
    @rule(viewer=USER, limit=st.integers(1, 6), pauses=PAUSES)
    def read(self, viewer: int, limit: int, pauses: list[int]) -> None:
        viewer = self.user(viewer)

        async def step():
            jobs = await self.ctx.jobs.claim(1)
            if not jobs:  # quiet: the feed must be exactly the model
                self.check_feed(viewer, await self.read_feed(viewer, limit), quiet=True)
                return
            with self.interleaved(pauses):
                await asyncio.gather(self.read_step(viewer, limit), self.runner.run_one(jobs[0]))
        self.run(step())

    @rule(count=st.integers(1, 3))
    def run_some_jobs(self, count: int) -> None:
        async def step():
            for _ in range(count):
                jobs = await self.ctx.jobs.claim(1)
                if not jobs:
                    return
                await self.runner.run_one(jobs[0])
        self.run(step())

    def with_a_job(self, step, pauses: list[int]) -> None:
        """The request and the next pending job (if any) run together, interleaving at every await."""
        async def together():
            jobs = await self.ctx.jobs.claim(1)
            with self.interleaved(pauses):
                await asyncio.gather(step, *(self.runner.run_one(job) for job in jobs))
        self.run(together())

    @contextlib.contextmanager
    def interleaved(self, pauses: list[int]):
        """Hypothesis picks the schedule: before and after every database and timeline call, the caller
        yields to the other coroutine this many times (in turn from ``pauses``), so the two steps'
        reads and writes land in orders a plain run would rarely produce, and a failure shrinks to one."""
        schedule = itertools.cycle(pauses)
        patched = []

        def pause_around(target, name):
            original = getattr(target, name)

            async def paused(*args, **kwargs):
                for _ in range(next(schedule)):
                    await asyncio.sleep(0)
                result = await original(*args, **kwargs)
                for _ in range(next(schedule)):
                    await asyncio.sleep(0)
                return result

            setattr(target, name, paused)
            patched.append((target, name))

        for name in ("read", "write"):
            pause_around(self.ctx.db, name)
        for name in ("read", "begin_rebuild", "store", "push", "remove_posts", "drop"):
            pause_around(self.ctx.timelines, name)
        try:
            yield
        finally:
            for target, name in patched:
                delattr(target, name)

    @rule(limit=st.integers(1, 6))
    def settle_and_check_every_feed(self, limit: int) -> None:
        self.run(self.runner.drain())
        assert self.quiet(), "a job is waiting to be retried: it failed"

        async def step():
            for viewer in self.users:
                self.check_feed(viewer, await self.read_feed(viewer, limit), quiet=True)
        self.run(step())

    @invariant()
    def quiet_feeds_match_the_model(self) -> None:
        """Whenever no job is pending, every feed is exactly the model (read in pages of 3)."""
        async def check():
            for viewer in self.users:
                await self.check_timeline(viewer)
                self.check_feed(viewer, await self.read_feed(viewer, 3), quiet=True)
        if self.users and self.quiet():
            self.run(check())

    async def check_timeline(self, viewer: int) -> None:
        """The manager's own invariant, once quiet: a warm timeline holds every post of the viewer and every
        finished post of the non-celebrities they follow and do not mute at or above its floor, and nothing else
        but such celebrities' posts and those followees' posts still processing (hidden posts may be held: the
        hydrator leaves them out); a cached list of whom the viewer follows (and does not mute) that is a
        celebrity is right."""
        followees = self.sources(viewer)
        celebrities = {author for author in followees
                       if sum(1 for _, followee in self.follows if followee == author) >= CELEBRITY_THRESHOLD}
        cached = self.ctx.timeline_manager._viewer_celebrities.get(viewer)
        assert cached is None or set(cached) == celebrities, f"stale list of celebrities: {cached} != {celebrities}"
        page = await self.ctx.timelines.read(viewer, before=None, limit=100_000)
        if page is None:
            return  # cold: rebuilt from the database on the next read
        held = set(page.post_ids)
        required = {post_id for post_id, (author, state) in self.posts.items() if post_id >= page.floor and (
            author == viewer or (author in followees - celebrities and state == "finished"))}
        # A followee's posts still processing may be there (a rebuild reads them) but are not delivered yet.
        permitted = required | {post_id for post_id, (author, state) in self.posts.items()
                                if author in celebrities or (author in followees and state == "processing")}
        assert required <= held, f"timeline lacks {sorted(required - held)}"
        assert held <= permitted, f"timeline holds {sorted(held - permitted)}"

    @invariant()
    def blocked_pairs_have_no_follows(self) -> None:
        """The database agrees with the model: no follow or request between two accounts with a block between them."""
        if not self.blocks:
            return
        rows = self.run(self.ctx.db.read(lambda conn: conn.fetch_all(
            "SELECT follower_id, followee_id FROM follows UNION ALL SELECT requester_id, target_id FROM follow_requests")))
        for a, b in rows:
            assert not self.blocked_either_way(a, b), f"{a} and {b} are connected across a block"

    def quiet(self) -> bool:
        counts = self.run(self.ctx.jobs.counts())
        assert counts["failed"] == 0, "a job failed"
        return counts["queued"] == 0 and counts["running"] == 0

    @invariant()
    def counts_match_the_model(self) -> None:
        if not self.users:
            return
        counts = self.run(self.ctx.db.read(lambda conn: {row[0]: row[1] for row in conn.fetch_all(
            "SELECT id, follower_count FROM users")}))
        for user_id in self.users:
            assert counts[user_id] == sum(1 for _, followee in self.follows if followee == user_id)

    # -- reading and checking --------------------------------------------------------------------------
    async def read_feed(self, viewer: int, limit: int) -> list[int]:
        """The whole feed as the HTTP handler serves it: the top page as a kept body, then by cursor."""
        feed = self.ctx.feed
        page = orjson.loads(await feed.top_page_body(viewer, limit))
        shown = [int(post["post_id"]) for post in page["posts"]]
        cursor = page["next_cursor"]
        for _ in range(200):
            if cursor is None:
                return shown
            posts, before = await feed.home(viewer, _cursor_before(cursor), limit)
            shown += [int(post["post_id"]) for post in posts]
            cursor = None if before is None else base64.urlsafe_b64encode(str(before).encode()).decode()
        raise AssertionError("the feed's pages never ended")

    def check_feed(self, viewer: int, shown: list[int], *, quiet: bool) -> None:
        assert len(shown) == len(set(shown)), f"a post shown twice: {shown}"
        assert shown == sorted(shown, reverse=True), f"not newest first: {shown}"
        allowed = self.allowed(viewer)
        assert set(shown) <= allowed, f"shown but not allowed: {sorted(set(shown) - allowed)}"
        if quiet:
            assert shown == sorted(allowed, reverse=True), f"missing from the feed: {sorted(allowed - set(shown))}"


@pytest.mark.parametrize("stack", list(STACKS))
def test_every_feed_equals_the_model_after_any_interleaving(stack):
    machine = type(f"FeedMachine_{stack.replace('+', '_')}", (FeedMachine,), {"stack": stack})
    run_state_machine_as_test(machine, settings=settings(
        max_examples=int(EXAMPLES[stack] * EXAMPLES_FACTOR), stateful_step_count=STEPS, deadline=None, database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
