"""The upload queue sends by tus: a big video survives a link that keeps dropping, a server restart and
an app restart, sending each part once, with a flat memory footprint."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from app.api_client import ApiClient
from app.upload_queue import ItemState, UploadQueue
from tests.client.photos import write_big_photo
from tests.client.test_upload_queue import SLOW_BYTES_PER_SECOND, my_post_count, no_wait, wait_for
from tests.cutting_proxy import CuttingProxy
from tests.e2e.servers import ROOT, ServerProcess
from tests.fixtures.videos import padded_video

MB = 1024 * 1024
VIDEO_BYTES = 100 * 1000 * 1000  # "100 MB", under the 100 MiB video limit
DROP_EVERY = 5 * MB
MEMORY_HEADROOM = 30 * MB  # the app may use this much above its idle footprint while sending
DELIVERY_SECONDS = 600


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


async def test_a_100_mb_video_over_a_link_dropping_every_5_mb(api, live_server, tmp_path):
    video = tmp_path / "ride.mp4"
    padded_video(video, VIDEO_BYTES)
    folder = tmp_path / "queue"
    queue = UploadQueue(folder, api)
    item = queue.enqueue([video], "a long ride", move=True)
    queue.close()

    async with CuttingProxy(port_of(live_server.url), cut_every=DROP_EVERY) as proxy:
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.client.queue_process", str(folder), proxy.url, api.token, "0", "--wait",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, cwd=ROOT)
        try:
            assert (await asyncio.wait_for(child.stdout.readline(), 30)).strip() == b"ready"
            idle = rss(child.pid)
            child.stdin.write(b"go\n")
            await child.stdin.drain()
            observer = UploadQueue(folder, api)
            peak, seen = idle, []
            deadline = time.monotonic() + DELIVERY_SECONDS
            while child.returncode is None:
                assert time.monotonic() < deadline, "the video was not delivered in time"
                try:
                    peak = max(peak, rss(child.pid))
                except (FileNotFoundError, AssertionError):
                    pass  # it has just exited
                seen.append(observer.get(item.item_id).bytes_sent)
                try:
                    await asyncio.wait_for(child.wait(), 0.1)
                except asyncio.TimeoutError:
                    pass
        finally:
            if child.returncode is None:
                child.kill()
                await child.wait()

    done = observer.get(item.item_id)
    observer.close()
    assert done.state == ItemState.DONE, (done.error_code, done.error_message)
    assert proxy.cuts >= VIDEO_BYTES // DROP_EVERY - 1, "the link dropped all along"
    assert proxy.forwarded_up < VIDEO_BYTES * 1.05, "after each drop only the rest was sent"
    # Polled while the app ran (its last poll may come just before the last part is acknowledged), then the end.
    progress = sorted(set(seen))
    assert len(progress) >= 10, f"progress was reported along the way: {progress}"
    assert done.bytes_sent == VIDEO_BYTES and progress[-1] <= VIDEO_BYTES, (done.bytes_sent, progress[-1])
    assert peak - idle <= MEMORY_HEADROOM, f"the app grew {(peak - idle) / MB:.1f} MB while sending"
    post = await api.post(done.post_id)
    assert post.caption == "a long ride" and post.media[0].type == "video"


async def test_a_server_restart_mid_upload_resumes_from_its_offset(tmp_path):
    server = ServerProcess(tmp_path / "data").start()
    api = ApiClient(server.url)
    try:
        await api.register("restarts", "correct horse battery")
        api.tus_chunk_bytes = 512 * 1024  # several PATCHes, so the server has recorded some before it dies
        queue = UploadQueue(tmp_path / "queue", api, max_bytes_per_second=SLOW_BYTES_PER_SECOND, delay=no_wait)
        item = queue.enqueue([write_big_photo(tmp_path / "big.jpg")], "after the restart")
        stop = asyncio.Event()
        runner = asyncio.create_task(queue.run(stop))
        await wait_for(lambda: queue.get(item.item_id).bytes_sent > 1200 * 1024, what="upload in flight")
        server.kill()
        server.start()
        url = queue.get(item.item_id).tus_urls[0]
        resumed_at = await api.tus_offset(url)
        assert resumed_at >= 1024 * 1024, "what the server had recorded survived its death"
        queue.retry_now()
        await wait_for(lambda: queue.get(item.item_id).state == ItemState.DONE, what="delivery after the restart")
        stop.set()
        await runner
        done = queue.get(item.item_id)
        assert done.idempotency_key == item.idempotency_key and done.tus_urls == (url,)  # the same upload, resumed
        assert await my_post_count(api) == 1
        queue.close()
    finally:
        await api.aclose()
        server.stop()
