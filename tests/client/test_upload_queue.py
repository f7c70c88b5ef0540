"""The offline upload queue against a real server: nothing lost, nothing sent twice."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from dataclasses import replace

import pytest

from app.api_client import ApiClient, ApiError
from app.upload_queue import ITEM_PREFIX, ItemState, UploadQueue
from tests.client.photos import write_big_photo, write_photo
from tests.e2e.servers import ROOT, ServerProcess
from tests.ports import free_port

# Slow enough that a 3 MB upload takes several seconds, so the test can act while it is in flight.
SLOW_BYTES_PER_SECOND = 400_000
WAIT_SECONDS = 60


def no_wait(attempts: int, retry_after: float | None) -> float:
    return 0.2


async def wait_for(predicate, timeout: float = WAIT_SECONDS, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def wait_for_offset(api: ApiClient, url: str, what: str) -> int:
    deadline = time.monotonic() + WAIT_SECONDS
    while (offset := await api.tus_offset(url)) == 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
    return offset


async def my_post_count(api: ApiClient) -> int:
    me = await api.me()
    return len((await api.user_posts(me.username, limit=50)).items)


async def test_item_is_delivered_with_progress(api, tmp_path):
    queue = UploadQueue(tmp_path / "queue", api)
    seen = []
    queue.subscribe(lambda item: seen.append((item.state, item.bytes_sent)))
    item = queue.enqueue([write_photo(tmp_path / "a.jpg")], "first light", ["a lake"])
    await queue.run(until_idle=True)
    done = queue.get(item.item_id)
    assert done.state == ItemState.DONE and done.post_id
    assert (await api.post(done.post_id)).caption == "first light"
    assert ItemState.UPLOADING in [state for state, _ in seen]
    assert max(sent for _, sent in seen) == done.bytes_total
    assert not (queue.spool / item.item_id).exists()  # delivered files are not kept twice
    queue.close()


async def test_killed_mid_upload_then_restarted_delivers_exactly_once(api, live_server, tmp_path):
    folder = tmp_path / "queue"
    queue = UploadQueue(folder, api)
    item = queue.enqueue([write_big_photo(tmp_path / "big.jpg")], "survives a crash")
    queue.close()
    worker = subprocess.Popen([sys.executable, "-m", "tests.client.queue_process", str(folder), live_server.url,
                               api.token, str(SLOW_BYTES_PER_SECOND)], cwd=ROOT)
    try:
        observer = UploadQueue(folder, api)
        await wait_for(lambda: observer.get(item.item_id).bytes_sent > 256 * 1024, what="upload in flight")
        assert observer.get(item.item_id).state == ItemState.UPLOADING
        worker.kill()
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert await my_post_count(api) == 0  # the half-sent body made nothing
    url = observer.get(item.item_id).tus_urls[0]
    assert url, "the upload's URL was recorded before its bytes went out"
    await wait_for_offset(api, url, what="the bytes that arrived before the crash kept by the server")
    observer.close()

    kept = await api.tus_offset(url)
    restarted = UploadQueue(folder, api)
    resumed_from = []
    restarted.subscribe(lambda current: resumed_from.append(current.bytes_sent) if current.state == ItemState.UPLOADING else None)
    await restarted.run(until_idle=True)
    done = restarted.get(item.item_id)
    assert done.state == ItemState.DONE
    assert done.idempotency_key == item.idempotency_key and done.tus_urls == (url,)
    assert done.attempts == 2
    assert [sent for sent in resumed_from if sent][0] == kept, "the restarted app went on from the server's offset"
    assert await my_post_count(api) == 1
    restarted.close()


async def test_answer_lost_after_server_committed_is_not_posted_twice(api, tmp_path):
    """The crash window after the server made the post but before the queue wrote it down."""
    folder = tmp_path / "queue"
    queue = UploadQueue(folder, api)
    item = queue.enqueue([write_photo(tmp_path / "a.jpg")], "once only")
    await queue.run(until_idle=True)
    first_post = queue.get(item.item_id).post_id
    # Put the record back as the crash would have left it (files still spooled, state uploading).
    write_photo(tmp_path / "again.jpg")
    (queue.spool / item.item_id).mkdir()
    (tmp_path / "again.jpg").rename(queue.spool / item.item_id / "0.jpg")
    queue.db.set(ITEM_PREFIX + item.item_id, replace(queue.get(item.item_id), state=ItemState.UPLOADING, post_id=None).to_record())
    queue.close()

    restarted = UploadQueue(folder, api)
    await restarted.run(until_idle=True)
    assert restarted.get(item.item_id).post_id == first_post
    assert await my_post_count(api) == 1
    restarted.close()


async def test_offline_items_wait_and_go_out_when_the_server_comes_back(api, live_server, tmp_path):
    port = free_port()
    offline_api = ApiClient(f"http://127.0.0.1:{port}", api.token)
    queue = UploadQueue(tmp_path / "queue", offline_api, delay=no_wait)
    item = queue.enqueue([write_photo(tmp_path / "a.jpg")], "written on a plane")
    stop = asyncio.Event()
    runner = asyncio.create_task(queue.run(stop))
    await wait_for(lambda: queue.get(item.item_id).attempts >= 2, what="retries while offline")
    waiting = queue.get(item.item_id)
    assert waiting.state in (ItemState.QUEUED, ItemState.UPLOADING)
    assert waiting.error_code in ("offline", None)

    # A server appearing on the address stands in for "the network is back". It has its own accounts,
    # so the queue may meet a 401 before the new token is set: that pauses the item until sign-in.
    second = ServerProcess(tmp_path / "second-data", port=port).start()
    try:
        async with ApiClient(second.url) as fresh:
            session = await fresh.register("backonline", "correct horse battery")
        offline_api.token = session.token
        queue.resume_after_sign_in()
        queue.retry_now()
        await wait_for(lambda: queue.get(item.item_id).state == ItemState.DONE, what="delivery once online")
        assert queue.get(item.item_id).idempotency_key == item.idempotency_key
        async with ApiClient(second.url, session.token) as check:
            assert await my_post_count(check) == 1
    finally:
        stop.set()
        await runner
        second.stop()
        await offline_api.aclose()
        queue.close()


async def test_cancel_stops_an_upload_in_flight(api, tmp_path):
    queue = UploadQueue(tmp_path / "queue", api, max_bytes_per_second=SLOW_BYTES_PER_SECOND)
    item = queue.enqueue([write_big_photo(tmp_path / "big.jpg")], "never mind")
    runner = asyncio.create_task(queue.run(until_idle=True))
    await wait_for(lambda: queue.get(item.item_id).bytes_sent > 128 * 1024, what="upload in flight")
    url = queue.get(item.item_id).tus_urls[0]
    assert queue.cancel(item.item_id).state == ItemState.CANCELLED
    await asyncio.wait_for(runner, WAIT_SECONDS)
    assert queue.get(item.item_id).state == ItemState.CANCELLED
    assert not (queue.spool / item.item_id).exists()
    assert await my_post_count(api) == 0
    with pytest.raises(ApiError) as gone:  # cancelled on the server too: the upload and its bytes are gone
        await api.tus_offset(url)
    assert gone.value.status == 404
    queue.close()


async def test_pause_and_resume_keep_the_idempotency_key(api, tmp_path):
    queue = UploadQueue(tmp_path / "queue", api)
    item = queue.enqueue([write_photo(tmp_path / "a.jpg")], "later")
    assert queue.pause(item.item_id).state == ItemState.PAUSED
    await queue.run(until_idle=True)
    assert queue.get(item.item_id).state == ItemState.PAUSED
    queue.resume(item.item_id)
    await queue.run(until_idle=True)
    done = queue.get(item.item_id)
    assert done.state == ItemState.DONE and done.idempotency_key == item.idempotency_key
    queue.close()


async def test_refused_file_fails_with_the_servers_reason(api, tmp_path):
    fake = tmp_path / "notes.jpg"
    fake.write_text("this is not a photo at all")
    queue = UploadQueue(tmp_path / "queue", api)
    item = queue.enqueue([fake], "oops")
    await queue.run(until_idle=True)
    failed = queue.get(item.item_id)
    assert failed.state == ItemState.FAILED
    assert failed.error_code in ("unsupported_media", "invalid_media")
    assert failed.error_message and "photo" not in (failed.error_code or "")
    assert failed.attempts == 1  # a refusal is not retried


async def test_expired_token_pauses_until_signed_in_again(live_server, tmp_path):
    api = ApiClient(live_server.url, "not-a-real-token")
    queue = UploadQueue(tmp_path / "queue", api)
    item = queue.enqueue([write_photo(tmp_path / "a.jpg")], "after sign in")
    await queue.run(until_idle=True)
    paused = queue.get(item.item_id)
    assert paused.state == ItemState.PAUSED and paused.error_code == "unauthorized"
    await api.register("signedagain" + item.item_id[:6], "correct horse battery")
    queue.resume_after_sign_in()
    await queue.run(until_idle=True)
    assert queue.get(item.item_id).state == ItemState.DONE
    await api.aclose()
    queue.close()


@pytest.mark.parametrize("state", [ItemState.DONE, ItemState.CANCELLED])
def test_finished_items_can_be_cleared(api, tmp_path, state):
    queue = UploadQueue(tmp_path / "queue", api)
    item = queue.enqueue([write_photo(tmp_path / "a.jpg")])
    queue.db.set(ITEM_PREFIX + item.item_id, replace(item, state=state).to_record())
    queue.clear_finished()
    assert queue.items() == []
    queue.close()
