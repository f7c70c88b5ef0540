"""Kill -9 the server during a burst of uploads: every post that got a 201 survives and finishes processing,
no helper process (media workers, multiprocessing's resource tracker) outlives it, and the next start removes
the partial uploads it left in ``tmp/``."""

from __future__ import annotations

import asyncio
import signal
import time

import aiohttp
import pytest

from tests.conftest import jpeg_bytes
from tests.e2e.servers import ServerProcess, alive, descendants

pytestmark = pytest.mark.slow

UPLOADS = 60
CONCURRENCY = 6
KILL_AFTER_ACKNOWLEDGED = 15
READY_TIMEOUT_SECONDS = 120
ORPHAN_TIMEOUT_SECONDS = 5  # helpers notice their server died within a second (server/ops/lifeline.py)


async def upload_burst(url: str, token: str, acknowledged: list[str], killed: asyncio.Event, kill) -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(UPLOADS):
        queue.put_nowait(index)

    async def uploader(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            index = queue.get_nowait()
            form = aiohttp.FormData()
            form.add_field("media", jpeg_bytes(320, 240, color=(index * 4 % 256, 90, 160)), filename="p.jpg", content_type="image/jpeg")
            form.add_field("caption", f"burst {index} #crashtest")
            try:
                async with session.post(f"{url}/api/v1/posts", data=form, headers={"Authorization": f"Bearer {token}", "Idempotency-Key": f"burst-{index}"}) as response:
                    body = await response.json()
                    if response.status == 201:
                        acknowledged.append(body["post_id"])
                        if len(acknowledged) == KILL_AFTER_ACKNOWLEDGED and not killed.is_set():
                            killed.set()
                            kill()
            except (aiohttp.ClientError, asyncio.TimeoutError):
                if not killed.is_set():
                    raise

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        await asyncio.gather(*(uploader(session) for _ in range(CONCURRENCY)))


async def test_acknowledged_uploads_survive_sigkill(tmp_path):
    data_dir = tmp_path / "data"
    server = ServerProcess(data_dir).start()
    try:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{server.url}/api/v1/auth/register", json={"username": "crashy", "password": "survives everything"}) as response:
                assert response.status == 201
                token = (await response.json())["token"]

        acknowledged: list[str] = []
        killed = asyncio.Event()
        helpers: set[int] = set()

        def kill() -> None:
            helpers.update(descendants(server.process.pid))
            server.process.send_signal(signal.SIGKILL)

        await upload_burst(server.url, token, acknowledged, killed, kill)
        assert killed.is_set(), "the server should have been killed mid-burst"
        server.process.wait(10)
        assert len(acknowledged) >= KILL_AFTER_ACKNOWLEDGED
        assert helpers, "the media workers were running when the server was killed"
        deadline = time.monotonic() + ORPHAN_TIMEOUT_SECONDS
        while alive(helpers) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        assert not alive(helpers), f"processes outlived their server: {sorted(alive(helpers))}"
        left = [folder for folder in (data_dir / "tmp").iterdir() if folder.name.startswith(f"p{server.process.pid}-")]
        assert left, "the killed server's temporary folder is still there before the restart"

        server = ServerProcess(data_dir, port=server.port).start()
        assert not [path for path in left if path.exists()], "the restart removes what the killed server left in tmp/"
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        pending = set(acknowledged)
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as session:
            for post_id in acknowledged:
                async with session.get(f"{server.url}/api/v1/posts/{post_id}") as response:
                    assert response.status == 200, f"acknowledged post {post_id} was lost"
            while pending and time.monotonic() < deadline:
                for post_id in list(pending):
                    async with session.get(f"{server.url}/api/v1/posts/{post_id}") as response:
                        post = (await response.json())["post"]
                    if all(media["status"] == "ready" for media in post["media"]):
                        pending.discard(post_id)
                await asyncio.sleep(0.5)
            assert not pending, f"{len(pending)} acknowledged posts never finished processing"
            async with session.get(f"{server.url}/api/v1/users/@crashy/posts?limit=50") as response:
                listed = {post["post_id"] for post in (await response.json())["posts"]}
            assert set(acknowledged) <= listed
    finally:
        server.stop()
