"""Live notifications across processes: a client streaming from server A hears of a like made through
server B, and of a followee's post fanned out by server B. The two `serve` processes share one database
file and one Redis namespace, as processes of one deployment behind a load balancer do.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.conftest import jpeg_bytes
from tests.e2e.servers import ServerProcess, started
from tests.sse import next_event

pytestmark = pytest.mark.slow

SHARED_SECRET = "live-test-secret"  # every process of one deployment signs with the same key


@pytest.fixture
def deployment_env(tmp_path):
    from tests.backends.redis import fresh_redis

    with fresh_redis() as redis:
        yield {"PHOTOSHARE_REDIS_URL": redis["redis_url"], "PHOTOSHARE_SECRET_KEY": SHARED_SECRET,
               "PHOTOSHARE_DATABASE_URL": f"sqlite:///{tmp_path / 'shared.db'}"}


async def call(session, method: str, url: str, token: str | None = None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.request(method, url, headers=headers, **kwargs) as response:
        return response.status, await response.json()


async def register(session, server, username: str) -> dict:
    status, account = await call(session, "POST", f"{server.url}/api/v1/auth/register",
                                 json={"username": username, "password": "a long password"})
    assert status == 201, account
    return account


async def share_photo(session, server, token: str) -> dict:
    form = aiohttp.FormData()
    form.add_field("media", jpeg_bytes(), filename="p.jpg", content_type="image/jpeg")
    status, post = await call(session, "POST", f"{server.url}/api/v1/posts", token, data=form)
    assert status == 201, post
    return post


def live_stream(session, server, token: str):
    return session.get(f"{server.url}/api/v1/notifications/live", headers={"Authorization": f"Bearer {token}"})


async def next_unread(stream):
    """The next `unread` event: `feed` events (the owner's own post, fanned out meanwhile) may come between."""
    while True:
        name, data = await next_event(stream)
        if name != "feed":
            return name, data


async def test_a_like_through_one_server_reaches_a_stream_on_the_other(tmp_path, deployment_env):
    with started(ServerProcess(tmp_path / "a" / "data", env=deployment_env),
                 ServerProcess(tmp_path / "b" / "data", env=deployment_env)) as (server_a, server_b):
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            owner = await register(session, server_b, "owner")
            fan = await register(session, server_b, "fan")
            post = await share_photo(session, server_b, owner["token"])

            async with live_stream(session, server_a, owner["token"]) as stream:
                assert stream.status == 200
                assert await next_unread(stream) == ("unread", {"unread_count": 0, "events": ["unread", "feed"]})
                status, _ = await call(session, "POST", f"{server_b.url}/api/v1/posts/{post['post_id']}/likes", fan["token"])
                assert status == 201
                assert await next_unread(stream) == ("unread", {"unread_count": 1})
                status, _ = await call(session, "DELETE", f"{server_b.url}/api/v1/posts/{post['post_id']}/likes", fan["token"])
                assert status == 200
                assert await next_unread(stream) == ("unread", {"unread_count": 0})

            # The like count another process caches is dropped when the count changes elsewhere.
            status, liked = await call(session, "GET", f"{server_a.url}/api/v1/posts/{post['post_id']}", fan["token"])
            assert liked["post"]["like_count"] == 0
            await call(session, "POST", f"{server_b.url}/api/v1/posts/{post['post_id']}/likes", fan["token"])
            for _ in range(50):
                _, seen = await call(session, "GET", f"{server_a.url}/api/v1/posts/{post['post_id']}", fan["token"])
                if seen["post"]["like_count"] == 1:
                    break
                await asyncio.sleep(0.05)
            assert seen["post"]["like_count"] == 1, "server A kept serving a stale like count"


@pytest.mark.parametrize("author_kind", ["pushed", "celebrity"])
async def test_a_post_fanned_out_by_one_server_reaches_a_followers_stream_on_the_other(tmp_path, deployment_env, author_kind):
    """Server A runs no jobs, so the fan-out happens on B and its `feed` message must cross Redis pub/sub.

    A celebrity's post is not pushed but merged at read time from each process's cached list of their recent
    posts: B's message must also make A drop that list, or A's feed would miss the post for up to a minute.
    """
    env = {**deployment_env, "PHOTOSHARE_CELEBRITY_THRESHOLD": "1" if author_kind == "celebrity" else "10000"}
    with started(ServerProcess(tmp_path / "a" / "data", env={**env, "PHOTOSHARE_JOB_WORKERS": "0"}),
                 ServerProcess(tmp_path / "b" / "data", env=env)) as (server_a, server_b):
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            author = await register(session, server_b, "author")
            fan = await register(session, server_b, "fan")
            status, _ = await call(session, "POST", f"{server_b.url}/api/v1/users/@author/follow", fan["token"])
            assert status == 200

            status, feed = await call(session, "GET", f"{server_a.url}/api/v1/feed", fan["token"])
            assert status == 200 and feed["posts"] == []  # A now holds the fan's timeline (and the author's list)

            async with live_stream(session, server_a, fan["token"]) as stream:
                assert stream.status == 200
                assert await next_event(stream) == ("unread", {"unread_count": 0, "events": ["unread", "feed"]})
                post = await share_photo(session, server_b, author["token"])
                assert await next_event(stream, timeout=30) == ("feed", {"post_ids": [post["post"]["post_id"]]})
            status, feed = await call(session, "GET", f"{server_a.url}/api/v1/feed", fan["token"])
            assert status == 200 and feed["posts"][0]["post_id"] == post["post"]["post_id"]
