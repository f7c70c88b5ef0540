"""Back up with Litestream while serving, lose the database, restore it from the replica: every post is back."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import aiohttp
import pytest

from tests.conftest import jpeg_bytes
from tests.e2e.servers import ROOT, ServerProcess

pytestmark = pytest.mark.slow

POSTS = 6
READY_TIMEOUT_SECONDS = 90


def admin_restore(replica, data_dir, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", "admin", "restore", str(replica), "--data-dir", str(data_dir)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, **(env or {})})


@pytest.fixture(params=["folder", "s3"])
def replica(request, tmp_path):
    """(replica URL, environment) for a folder replica, or one in a bucket of the test S3 server."""
    if request.param == "folder":
        yield str(tmp_path / "replica"), {}
        return
    from tests.backends.s3 import ACCESS_KEY, SECRET_KEY, admin_client, empty_and_remove, endpoint, unique_bucket

    bucket = unique_bucket()
    admin_client().make_bucket(bucket)
    try:
        yield (f"s3://{bucket}/photoshare-db?endpoint={endpoint()}",
               {"PHOTOSHARE_S3_ACCESS_KEY": ACCESS_KEY, "PHOTOSHARE_S3_SECRET_KEY": SECRET_KEY})
    finally:
        empty_and_remove(bucket)


async def write_posts(url: str) -> tuple[str, list[str]]:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{url}/api/v1/auth/register", json={"username": "archivist", "password": "keeps every photo"}) as response:
            assert response.status == 201
            token = (await response.json())["token"]
        headers = {"Authorization": f"Bearer {token}"}
        post_ids = []
        for index in range(POSTS):
            form = aiohttp.FormData()
            form.add_field("media", jpeg_bytes(160, 120, color=(index * 40, 90, 160)), filename="p.jpg", content_type="image/jpeg")
            form.add_field("caption", f"backed up {index} #litestream")
            async with session.post(f"{url}/api/v1/posts", data=form, headers=headers) as response:
                assert response.status == 201, await response.text()
                post_ids.append((await response.json())["post_id"])
        async with session.post(f"{url}/api/v1/posts/{post_ids[0]}/comments", json={"text": "the last write before the crash"},
                                headers=headers) as response:
            assert response.status == 201
        async with session.get(f"{url}/metrics") as response:
            assert "photoshare_replication_up 1" in await response.text()
    return token, post_ids


async def read_back(url: str, token: str, post_ids: list[str]) -> None:
    headers = {"Authorization": f"Bearer {token}"}  # sessions live in the database too: the old token still works
    async with aiohttp.ClientSession(headers=headers) as session:
        async with session.get(f"{url}/api/v1/users/@archivist/posts?limit=50") as response:
            assert response.status == 200
            listed = [post["post_id"] for post in (await response.json())["posts"]]
        assert sorted(listed) == sorted(post_ids), "every post is back"
        async with session.get(f"{url}/api/v1/posts/{post_ids[0]}/comments") as response:
            assert [c["text"] for c in (await response.json())["comments"]] == ["the last write before the crash"]
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while True:
            async with session.get(f"{url}/api/v1/posts/{post_ids[-1]}") as response:
                post = (await response.json())["post"]
            if post["media"][0]["status"] == "ready" or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert post["media"][0]["status"] == "ready"
        async with session.get(url + post["media_url"], headers={"Accept": "image/jpeg"}) as response:
            assert response.status == 200 and (await response.read())[:3] == b"\xff\xd8\xff"


async def test_restore_from_the_litestream_replica_brings_every_post_back(tmp_path, replica):
    replica, env = replica
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir, env=env, args=["--replicate", replica]).start()
    try:
        token, post_ids = await write_posts(server.url)
    finally:
        server.stop()
    assert server.process.returncode == 0, server.log_path.read_text()[-3000:]
    assert "litestream" in server.log_path.read_text()

    refused = admin_restore(replica, data_dir, env)
    assert refused.returncode != 0 and "already exists" in refused.stderr

    for name in ("photoshare.db", "photoshare.db-wal", "photoshare.db-shm"):
        (data_dir / name).unlink(missing_ok=True)  # the disk under the database is lost; media survive elsewhere
    restored = admin_restore(replica, data_dir, env)
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert f"1 accounts, {POSTS} posts" in restored.stdout

    server = ServerProcess(data_dir, port=server.port, env=env, args=["--replicate", replica]).start()
    try:
        await read_back(server.url, token, post_ids)
    finally:
        server.stop()


def test_restore_explains_a_missing_replica(tmp_path):
    result = admin_restore(tmp_path / "no-such-replica", tmp_path / "data")
    assert result.returncode != 0 and "could not restore" in result.stderr
