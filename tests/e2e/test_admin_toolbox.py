"""Every `photoshare admin` command on a real embedded deployment.

A real `photoshare serve` creates its admin with the printed setup code and takes photo uploads; each
admin command then runs as its own process against that data folder, the way an admin types it:
backup while the server is busy, then (server stopped) users, invites, jobs, reprocess, stats, check,
restore of the backup into a fresh folder, and a server started on the restored folder serves the photos.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.conftest import jpeg_bytes
from tests.e2e.servers import ROOT, ServerProcess

pytestmark = pytest.mark.slow

READY_TIMEOUT_SECONDS = 90
PASSWORD = "correct horse battery"
SETUP_CODE = re.compile(r"/setup\?code=([2-9A-Z-]{14})")


def admin(data_dir: Path, *args: str, input: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "app", "admin", *args, "--data-dir", str(data_dir)], cwd=ROOT,
                          capture_output=True, text=True, input=input, env={**os.environ, **(env or {})}, timeout=300)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


async def call(session, method, url, token=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.request(method, url, headers=headers, **kwargs) as response:
        body = await response.json() if response.content_type == "application/json" else await response.read()
        return response.status, body


async def post_photo(session, url, token, caption, color) -> str:
    form = aiohttp.FormData()
    form.add_field("media", jpeg_bytes(320, 240, color), filename="photo.jpg", content_type="image/jpeg")
    form.add_field("caption", caption)
    status, body = await call(session, "POST", f"{url}/api/v1/posts", token, data=form)
    assert status == 201, body
    return body["post"]["post_id"]


async def wait_processed(session, url, token, count) -> list[dict]:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while True:
        status, body = await call(session, "GET", f"{url}/api/v1/feed?limit=50", token)
        assert status == 200, body
        if len(body["posts"]) >= count and all(m["status"] == "ready" for p in body["posts"] for m in p["media"]):
            return body["posts"]
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.3)


def test_every_admin_command_on_a_real_deployment(tmp_path):
    data = tmp_path / "data"
    backup_dir = tmp_path / "backup"
    server = ServerProcess(data, env={"PHOTOSHARE_REQUIRE_SETUP_CODE": "true"}).start()
    try:
        code = SETUP_CODE.search(server.log_path.read_text()).group(1)

        async def populate_and_back_up():
            async with aiohttp.ClientSession() as session:
                status, body = await call(session, "POST", f"{server.url}/api/v1/auth/register",
                                          json={"username": "grandma", "password": PASSWORD, "setup_code": code})
                assert status == 201 and body["user"]["is_admin"], body
                token = body["token"]
                for index in range(3):
                    await post_photo(session, server.url, token, f"photo {index} #family", (40 * index, 90, 200))
                await wait_processed(session, server.url, token, 3)
                # The backup runs while the server keeps taking uploads.
                backup = asyncio.create_task(asyncio.to_thread(admin, data, "backup", str(backup_dir)))
                during = [await post_photo(session, server.url, token, f"during {index}", (200, 30 * index, 10)) for index in range(3)]
                result = await backup
                await wait_processed(session, server.url, token, 6)
                return result, during

        backup_result, _ = asyncio.run(populate_and_back_up())
        out = ok(backup_result)
        assert "Backed up 1 accounts" in out and "Media:" in out
        manifest = json.loads((backup_dir / "photoshare-backup.json").read_text())
        assert manifest["format"] == 1 and manifest["users"] == 1 and manifest["posts"] >= 3

        refused = admin(data, "setup-link")
        assert refused.returncode == 1 and "already has accounts" in refused.stderr

        # Backing up again into the same folder copies only what is new.
        again = ok(admin(data, "backup", str(backup_dir)))
        assert re.search(r"Backed up 1 accounts and 6 posts", again)
        copied = int(re.search(r", (\d+) copied this time", again).group(1))
        assert copied < int(re.search(r"Media: (\d+) files", again).group(1))
    finally:
        server.stop()

    # ---- users -------------------------------------------------------------------------------------
    ok(admin(data, "users", "create", "grandpa", input="pipe and slippers\npipe and slippers\n"))
    assert "created kid" in ok(admin(data, "users", "create", "kid", env={"PHOTOSHARE_NEW_PASSWORD": "lego bricks 123"}))
    listed = ok(admin(data, "users", "list"))
    assert re.search(r"grandma\s+6\s+0\s+admin", listed) and "3 account(s)" in listed
    ok(admin(data, "users", "disable", "kid"))
    assert re.search(r"kid\s+0\s+0\s+disabled", ok(admin(data, "users", "list")))
    ok(admin(data, "users", "enable", "kid"))
    assert "signed out" in ok(admin(data, "users", "reset-password", "kid", env={"PHOTOSHARE_NEW_PASSWORD": "duplo bricks 456"}))
    missing = admin(data, "users", "disable", "nobody")
    assert missing.returncode == 1 and "No account named" in missing.stderr

    # ---- invites -----------------------------------------------------------------------------------
    codes = ok(admin(data, "invite", "--count", "2")).split()
    assert len(codes) == 2 and codes[0] != codes[1]

    # ---- jobs: a job that failed for good, as a broken disk or bug leaves behind -----------------------
    inject = ("import asyncio, sys\n"
              "from server.bootstrap import build_context, close_context\n"
              "from server.config import load\n"
              "async def main():\n"
              "    ctx = await build_context(load(overrides={'data_dir': sys.argv[1]}), run_jobs=False)\n"
              "    await ctx.jobs.enqueue('process_media', {'post_id': 1}, max_attempts=1)\n"
              "    [job] = await ctx.jobs.claim(1)\n"
              "    await ctx.jobs.fail(job, 'the disk said no')\n"
              "    print(job.id)\n"
              "    await close_context(ctx)\n"
              "asyncio.run(main())\n")
    job_id = subprocess.run([sys.executable, "-c", inject, str(data)], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    listed = ok(admin(data, "jobs", "list", "--status", "failed"))
    assert job_id in listed and "the disk said no" in listed and "failed: 1" in listed
    assert "1 job(s) queued again" in ok(admin(data, "jobs", "retry", "--all"))
    assert "1 job(s) deleted" in ok(admin(data, "jobs", "purge", "--status", "queued", "--yes"))
    assert "0 job(s)" in ok(admin(data, "jobs", "purge", "--yes"))

    # ---- media ---------------------------------------------------------------------------------------
    reprocessed = ok(admin(data, "reprocess", "--user", "grandma"))
    assert "Reprocessing 6 media" in reprocessed and "Done: 6 ready" in reprocessed
    stats = ok(admin(data, "stats"))
    numbers = {line[:22].strip(): line[22:].strip() for line in stats.splitlines()}
    assert numbers["users"] == "3" and numbers["posts"] == "6" and numbers["media failed"] == "0"
    assert "consistent" in ok(admin(data, "check"))

    # ---- restore the backup into a new folder, and serve it ------------------------------------------------
    restored = tmp_path / "restored"
    out = ok(admin(restored, "restore", str(backup_dir)))
    assert "Restored the backup" in out
    assert "consistent" in ok(admin(restored, "check"))
    again = admin(restored, "restore", str(backup_dir))
    assert again.returncode == 1 and "--force" in again.stderr
    assert "Kept the previous photoshare.db" in ok(admin(restored, "restore", str(backup_dir), "--force"))

    server = ServerProcess(restored).start()
    try:
        async def read_back():
            async with aiohttp.ClientSession() as session:
                status, body = await call(session, "POST", f"{server.url}/api/v1/auth/login",
                                          json={"username": "grandma", "password": PASSWORD})
                assert status == 200, body
                posts = await wait_processed(session, server.url, body["token"], 6)
                for post in posts:
                    url = post["media_url"] if "://" in post["media_url"] else server.url + post["media_url"]
                    status, image = await call(session, "GET", url)
                    assert status == 200 and len(image) > 500
                status, body = await call(session, "POST", f"{server.url}/api/v1/auth/login",
                                          json={"username": "grandpa", "password": "pipe and slippers"})
                assert status == 401  # made after the backup: not in it

        asyncio.run(read_back())
    finally:
        server.stop()


def make_database(data_dir: Path) -> None:
    """What the first `photoshare serve` does to a new data folder: make its database (admin commands need one)."""
    script = ("import sys\nfrom server.config import load\nfrom server.ops.first_run import prepare\n"
              "prepare(load(overrides={'data_dir': sys.argv[1]}))\n")
    subprocess.run([sys.executable, "-c", script, str(data_dir)], cwd=ROOT, check=True, timeout=60)


def test_setup_link_on_a_fresh_deployment(tmp_path):
    refused = admin(tmp_path / "data", "setup-link")
    assert refused.returncode == 1 and "There is no PhotoShare database" in refused.stderr
    make_database(tmp_path / "data")
    out = ok(admin(tmp_path / "data", "setup-link"))
    code = SETUP_CODE.search(out).group(1)
    assert "http://127.0.0.1:8080/setup?code=" in out and f"setup code {code}" in out
    second = SETUP_CODE.search(ok(admin(tmp_path / "data", "setup-link"))).group(1)
    assert second != code


def test_backup_refusals(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "holiday.txt").write_text("not a backup")
    make_database(tmp_path / "data")
    ok(admin(tmp_path / "data", "users", "create", "owner", env={"PHOTOSHARE_NEW_PASSWORD": "long enough pw"}))
    busy = admin(tmp_path / "data", "backup", str(tmp_path / "elsewhere"))
    assert busy.returncode == 1 and "holds other files" in busy.stderr
    inside = admin(tmp_path / "data", "backup", str(tmp_path / "data" / "backup"))
    assert inside.returncode == 1 and "outside the data folder" in inside.stderr
    postgres = admin(tmp_path / "data", "backup", str(tmp_path / "b"), env={"PHOTOSHARE_DATABASE_URL": "postgresql://db.example/photoshare"})
    assert postgres.returncode == 1 and "pg_dump" in postgres.stderr
    not_a_backup = admin(tmp_path / "new", "restore", str(tmp_path / "elsewhere"))
    assert not_a_backup.returncode == 1  # no manifest: taken for a Litestream replica, which it is not either
