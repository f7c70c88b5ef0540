"""The scaled-out deployment: two `serve` processes and one `worker` on PostgreSQL + Redis + S3.

An upload through one server is in a follower's feed read through the other, processed by the
worker (the servers run no jobs): media ready, variants fetchable from the store.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time

import aiohttp
import pytest

from tests.conftest import jpeg_bytes
from tests.e2e.servers import ServerProcess, alive, descendants, started

pytestmark = pytest.mark.slow

READY_TIMEOUT_SECONDS = 90
SHARED_SECRET = "scaled-out-test-secret"  # every process of one deployment signs with the same key


@pytest.fixture
def scaled_env():
    """Environment for processes sharing one fresh PostgreSQL database, Redis namespace and S3 bucket."""
    from tests.backends.postgres import fresh_postgres
    from tests.backends.redis import fresh_redis
    from tests.backends.s3 import fresh_s3

    with fresh_postgres() as database, fresh_redis() as redis, fresh_s3() as s3:
        settings = {**database, **redis, **s3, "secret_key": SHARED_SECRET}
        yield {f"PHOTOSHARE_{name.upper()}": str(value) for name, value in settings.items()}


async def call(session: aiohttp.ClientSession, method: str, url: str, token: str | None = None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.request(method, url, headers=headers, **kwargs) as response:
        body = await response.json() if response.content_type == "application/json" else await response.read()
        return response.status, body


async def upload_directly(session, server_url: str, token: str, photo: bytes) -> str:
    """POST /uploads on a server, PUT the bytes straight to S3, return the upload id."""
    status, reservation = await call(session, "POST", f"{server_url}/api/v1/uploads", token,
                                     json={"content_type": "image/jpeg", "size": len(photo)})
    assert status == 201, reservation
    assert "X-Amz-Signature=" in reservation["upload_url"], "on S3 the client uploads to the store, not the server"
    async with session.put(reservation["upload_url"], data=photo, headers=reservation["headers"]) as response:
        assert response.status == 200
    return reservation["upload_id"]


async def wait_for_processed_feed(session, server_url: str, token: str, post_ids: set[str]) -> list[dict]:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        status, body = await call(session, "GET", f"{server_url}/api/v1/feed?limit=20", token)
        assert status == 200, body
        posts = [post for post in body["posts"] if post["post_id"] in post_ids]
        if len(posts) == len(post_ids) and all(m["status"] == "ready" for post in posts for m in post["media"]):
            return posts
        if time.monotonic() > deadline:
            raise AssertionError(f"feed through the other server never showed the processed posts: {body}")
        await asyncio.sleep(0.5)


async def test_upload_through_one_server_is_processed_by_the_worker_and_read_through_the_other(tmp_path, scaled_env):
    servers_env = {**scaled_env, "PHOTOSHARE_JOB_WORKERS": "0"}  # only the worker may process media
    with started(ServerProcess(tmp_path / "a" / "data", env=servers_env),
                 ServerProcess(tmp_path / "b" / "data", env=servers_env),
                 ServerProcess(tmp_path / "w" / "data", env={**scaled_env, "PHOTOSHARE_JOB_WORKERS": "2"},
                               command="worker")) as processes:
        server_a, server_b, _ = processes
        async with aiohttp.ClientSession() as session:
            status, alice = await call(session, "POST", f"{server_a.url}/api/v1/auth/register",
                                       json={"username": "alice", "password": "two servers one truth"})
            assert status == 201
            status, bob = await call(session, "POST", f"{server_b.url}/api/v1/auth/register",
                                     json={"username": "bob", "password": "reads from the other one"})
            assert status == 201
            assert (await call(session, "POST", f"{server_b.url}/api/v1/users/@alice/follow", bob["token"]))[0] in (200, 201)

            form = aiohttp.FormData()
            form.add_field("media", jpeg_bytes(640, 480, color=(30, 120, 200)), filename="a.jpg", content_type="image/jpeg")
            form.add_field("caption", "through server A #scaled")
            status, multipart = await call(session, "POST", f"{server_a.url}/api/v1/posts", alice["token"], data=form)
            assert status == 201, multipart
            upload_id = await upload_directly(session, server_a.url, alice["token"], jpeg_bytes(480, 640, color=(200, 60, 20)))
            status, direct = await call(session, "POST", f"{server_a.url}/api/v1/posts", alice["token"],
                                        json={"upload_ids": [upload_id], "caption": "straight to S3"})
            assert status == 201, direct

            posts = await wait_for_processed_feed(session, server_b.url, bob["token"], {multipart["post_id"], direct["post_id"]})
            for post in posts:
                async with session.get(server_b.url + post["media_url"], headers={"Accept": "image/webp"}, allow_redirects=False) as answer:
                    assert answer.status == 302 and answer.headers["Vary"] == "Accept"
                    location = answer.headers["Location"]
                async with session.get(location) as variant:
                    assert variant.status == 200 and variant.headers["Content-Type"] == "image/webp"
                    assert (await variant.read())[8:12] == b"WEBP"
            for process in (server_a, server_b):
                status, health = await call(session, "GET", f"{process.url}/healthz")
                assert status == 200 and health["checks"]["storage"] == "ok", health
    assert all(process.process.returncode == 0 for process in processes), [p.log_path.read_text()[-2000:] for p in processes]


def child_pids(pid: int) -> list[int]:
    result = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(line) for line in result.stdout.split()]


async def test_serve_workers_runs_several_processes_on_one_port(tmp_path, scaled_env):
    server = ServerProcess(tmp_path / "data", env=scaled_env, args=["--workers", "2"]).start()
    try:
        children = child_pids(server.process.pid)
        # Two servers (plus, perhaps, multiprocessing's resource tracker).
        servers = [pid for pid in children if b"spawn_main" in open(f"/proc/{pid}/cmdline", "rb").read()]
        assert len(servers) >= 2, children
        async with aiohttp.ClientSession() as session:
            for _ in range(20):
                assert (await call(session, "GET", f"{server.url}/healthz"))[0] == 200
            # A dead child is replaced, and the port keeps answering meanwhile.
            os.kill(servers[0], signal.SIGKILL)
            await asyncio.sleep(0.2)
            assert (await call(session, "GET", f"{server.url}/healthz"))[0] == 200
    finally:
        server.stop()
    assert server.process.returncode == 0, server.log_path.read_text()[-3000:]
    for pid in servers:
        assert not os.path.exists(f"/proc/{pid}") or b"zombie" in open(f"/proc/{pid}/status", "rb").read().lower()


async def test_a_killed_supervisor_takes_its_server_processes_and_their_helpers_with_it(tmp_path, scaled_env):
    server = ServerProcess(tmp_path / "data", env=scaled_env, args=["--workers", "2"]).start()
    try:
        async with aiohttp.ClientSession() as session:
            status, body = await call(session, "POST", f"{server.url}/api/v1/auth/register",
                                      json={"username": "orphan", "password": "nobody left behind"})
            assert status == 201, body
            form = aiohttp.FormData()
            form.add_field("media", jpeg_bytes(200, 150), filename="p.jpg", content_type="image/jpeg")
            status, body = await call(session, "POST", f"{server.url}/api/v1/posts", body["token"], data=form)
            assert status == 201, body  # the taking process has started its media workers for the inspection
        helpers = descendants(server.process.pid)
        assert len(helpers) >= 3, helpers  # two server processes, and media workers
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(10)
        deadline = time.monotonic() + 5
        while alive(helpers) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert not alive(helpers), f"processes outlived the killed supervisor: {sorted(alive(helpers))}"
    finally:
        server.stop()
