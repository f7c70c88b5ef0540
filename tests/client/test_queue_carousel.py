"""A carousel through the offline queue: every photo, in order, with its alt text, across a restart."""

from __future__ import annotations

import subprocess
import sys

from app.upload_queue import ItemState, UploadQueue
from tests.client.photos import write_big_photo, write_photo
from tests.client.test_upload_queue import SLOW_BYTES_PER_SECOND, my_post_count, wait_for
from tests.e2e.servers import ROOT

ALTS = ["a landscape lake", "noise, square", "a tall tree"]


async def test_a_carousel_killed_during_its_second_photo_resumes_and_posts_all_three_in_order(api, live_server, tmp_path):
    files = [write_photo(tmp_path / "wide.jpg", size=(640, 480), seed=1), write_big_photo(tmp_path / "square.jpg"),
             write_photo(tmp_path / "tall.jpg", size=(480, 640), seed=3)]
    folder = tmp_path / "queue"
    queue = UploadQueue(folder, api)
    item = queue.enqueue(files, "three in one", ALTS)
    queue.close()
    first_size = files[0].stat().st_size
    worker = subprocess.Popen([sys.executable, "-m", "tests.client.queue_process", str(folder), live_server.url,
                               api.token, str(SLOW_BYTES_PER_SECOND)], cwd=ROOT)
    try:
        observer = UploadQueue(folder, api)
        await wait_for(lambda: observer.get(item.item_id).bytes_sent > first_size + 256 * 1024,
                       what="the second photo in flight")
        worker.kill()
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    crashed = observer.get(item.item_id)
    assert len(crashed.files) == 3 and crashed.alt_texts == tuple(ALTS)
    assert crashed.tus_urls[0] and crashed.tus_urls[1], "both started uploads were written down"
    assert await my_post_count(api) == 0
    observer.close()

    restarted = UploadQueue(folder, api)
    await restarted.run(until_idle=True)
    done = restarted.get(item.item_id)
    assert done.state == ItemState.DONE
    assert done.tus_urls[:2] == crashed.tus_urls[:2], "the photos already sent were not sent again"
    post = await api.post(done.post_id)
    assert [m.alt_text for m in post.media] == ALTS
    shapes = [(m.width > m.height) - (m.width < m.height) for m in post.media]
    assert shapes == [1, 0, -1], "the photos keep the order they were picked in"
    assert await my_post_count(api) == 1
    restarted.close()
