"""`photoshare admin migrate-to-postgres`: an embedded deployment moves to PostgreSQL with nothing lost.

An embedded server (SQLite, local media) gets users, posts, follows, likes, comments, saves,
notifications and a queued job through its API; the command copies it into a fresh PostgreSQL
database; a server on PostgreSQL (same media folder) then shows the same feed, profile, counts and
notifications, honours the old sign-in tokens, and finishes the queued job.
"""

from __future__ import annotations

import sqlite3

import pytest
from aiohttp.test_utils import TestClient, TestServer
from click.testing import CliRunner

from app.cli import main
from server.bootstrap import build_context, close_context, job_handlers
from server.config import load
from server.jobs.runner import JobRunner
from server.web.app import create_app
from tests.conftest import Api

API = "/api/v1"


@pytest.fixture
def target_url():
    from tests.backends.postgres import fresh_postgres

    with fresh_postgres() as overrides:
        yield overrides["database_url"]


def embedded_settings(data_dir, **more):
    overrides = {"data_dir": str(data_dir), "job_workers": 0, "media_processes": 1, "rate_limit_user_writes": 100_000,
                 "rate_limit_ip_writes": 100_000, "rate_limit_user_posts": 100_000, **more}
    return load(overrides=overrides, environ={}, config_file=None)


async def build_embedded_deployment(settings, media_pool) -> dict:
    """Through the HTTP API, as people would; returns what the checks need."""
    async with TestClient(TestServer(create_app(settings, media_pool=media_pool))) as client:
        api = Api(client)
        alice, alice_token = await api.register("alice")
        bob, bob_token = await api.register("bob")
        carol, carol_token = await api.register("carol")
        for token, user in ((bob_token, alice), (carol_token, alice), (alice_token, bob)):
            status, body = await api.call("POST", f"{API}/users/{user['user_id']}/follow", token)
            assert status == 200, body
        status, body = await api.post_photo(alice_token, caption="Sunset at the lake #sunset with @bob")
        assert status == 201, body
        first = body["post"]["post_id"]
        await api.run_jobs()  # processed and fanned out
        assert (await api.call("POST", f"{API}/posts/{first}/likes", bob_token))[0] == 201
        assert (await api.call("POST", f"{API}/posts/{first}/likes", carol_token))[0] == 201
        status, body = await api.call("POST", f"{API}/posts/{first}/comments", carol_token, json={"text": "Lovely! #sunset"})
        assert status in (200, 201), body
        assert (await api.call("POST", f"{API}/posts/{first}/save", bob_token))[0] == 200
        # A second post whose processing job is still queued when the server stops.
        status, body = await api.post_photo(alice_token, caption="Still processing")
        assert status == 201, body
        second = body["post"]["post_id"]
        return {"alice": alice, "bob": bob, "bob_token": bob_token, "alice_token": alice_token,
                "first": first, "second": second}


def table_counts(sqlite_path) -> dict[str, int]:
    raw = sqlite3.connect(sqlite_path)
    try:
        names = [row[0] for row in raw.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_migrations'")]
        return {name: raw.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0] for name in names}
    finally:
        raw.close()


async def test_an_embedded_deployment_moves_to_postgres(tmp_path, media_pool, target_url):
    data_dir = tmp_path / "data"
    made = await build_embedded_deployment(embedded_settings(data_dir), media_pool)
    before = table_counts(data_dir / "photoshare.db")
    assert before["jobs"] >= 1 and before["notifications"] >= 3 and before["likes"] == 2

    result = CliRunner().invoke(main, ["admin", "migrate-to-postgres", "--to", target_url, "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert f"All {len(before)} tables match ({sum(before.values()):,} rows)." in result.output
    for table, rows in before.items():
        assert any(line.split()[:3] == [table, f"{rows:,}", f"{rows:,}"] for line in result.output.splitlines()), table

    # The same data folder (so the same media files), the metadata now in PostgreSQL.
    ctx = await build_context(embedded_settings(data_dir, database_url=target_url), run_jobs=False, media_pool=media_pool)
    try:
        assert type(ctx.db).__name__ == "PostgresDatabase"
        counts = await ctx.db.read(lambda conn: {table: conn.fetch_val(f"SELECT COUNT(*) FROM {table}") for table in before})
        assert counts == before
        bob, alice = int(made["bob"]["user_id"]), int(made["alice"]["user_id"])
        assert await ctx.sessions.user_for_token(made["bob_token"]) == bob  # signed-in devices stay signed in

        feed, _ = await ctx.feed.home(bob, None, 20)
        assert [post["post_id"] for post in feed] == [made["first"]]
        assert (feed[0]["like_count"], feed[0]["comment_count"], feed[0]["liked_by_me"], feed[0]["saved_by_me"]) == (2, 1, True, True)
        assert feed[0]["media"][0]["status"] == "ready"
        user, posts, _ = await ctx.feed.profile(bob, "@alice", None, 20)
        assert (user["follower_count"], user["following_count"], user["post_count"]) == (2, 1, 2)
        assert [post["post_id"] for post in posts] == [made["first"]]  # the second is still processing
        notifications = await ctx.notifications.recent(alice, None, 20)
        assert {n["type"] for n in notifications["notifications"]} >= {"follow", "like", "comment"}
        assert (await ctx.search.search("#sun"))["hashtags"] == [{"tag": "sunset", "post_count": 1}]

        await JobRunner(ctx.jobs, job_handlers(ctx), workers=0).drain()  # the queued job runs on PostgreSQL
        _, posts, _ = await ctx.feed.profile(bob, "@alice", None, 20)
        # Processing read the original from the old media folder: the media references still resolve.
        assert [post["post_id"] for post in posts] == [made["second"], made["first"]]
        assert posts[0]["media"][0]["status"] == "ready"
    finally:
        await close_context(ctx)


async def test_a_target_holding_data_is_refused_unless_forced(tmp_path, media_pool, target_url):
    data_dir = tmp_path / "data"
    async with TestClient(TestServer(create_app(embedded_settings(data_dir), media_pool=media_pool))) as client:
        await Api(client).register("alice")
    runner = CliRunner()
    command = ["admin", "migrate-to-postgres", "--to", target_url, "--data-dir", str(data_dir)]
    assert runner.invoke(main, command).exit_code == 0

    again = runner.invoke(main, command)
    assert again.exit_code == 1
    assert "Nothing was copied" in again.output and "already holds data" in again.output

    forced = runner.invoke(main, [*command, "--force"])
    assert forced.exit_code == 0, forced.output
    ctx = await build_context(embedded_settings(data_dir, database_url=target_url), run_jobs=False, media_pool=media_pool)
    try:
        assert await ctx.db.read(lambda conn: conn.fetch_val("SELECT COUNT(*) FROM users")) == 1
    finally:
        await close_context(ctx)


def test_a_folder_without_an_embedded_database_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["admin", "migrate-to-postgres", "--to", "postgresql://nobody@127.0.0.1/none",
                                       "--data-dir", str(tmp_path / "empty")])
    assert result.exit_code == 2 and "no embedded database" in result.output


async def test_text_postgresql_cannot_hold_is_named_and_nothing_is_copied(tmp_path, media_pool, target_url):
    """A NUL character stored by SQLite before such text was refused (PostgreSQL text cannot hold one)."""
    data_dir = tmp_path / "data"
    async with TestClient(TestServer(create_app(embedded_settings(data_dir), media_pool=media_pool))) as client:
        await Api(client).register("alice")
    raw = sqlite3.connect(data_dir / "photoshare.db")
    raw.execute("UPDATE users SET bio = 'a' || char(0) || 'b'")
    raw.commit()
    raw.close()
    result = CliRunner().invoke(main, ["admin", "migrate-to-postgres", "--to", target_url, "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    assert "users.bio" in result.output and "NUL" in result.output and "Nothing was copied" in result.output
    ctx = await build_context(embedded_settings(data_dir, database_url=target_url), run_jobs=False, media_pool=media_pool)
    try:
        assert await ctx.db.read(lambda conn: conn.fetch_val("SELECT COUNT(*) FROM users")) == 0
    finally:
        await close_context(ctx)
