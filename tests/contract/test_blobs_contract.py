"""One contract for every blob store: local disk and S3 (moto's S3 server, driven through the minio client)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os

import aiohttp
import pytest

from server.blobs.base import BlobNotFound
from server.bootstrap import open_blobs
from server.config import load

BACKENDS = ["local", "s3"]
VARIANT = "v/ab/" + "ab" * 32 + ".jpg"
ORIGINAL = "o/1/cd/" + "cd" * 32


def make_store(kind: str, tmp_path, s3_settings: dict | None):
    overrides = {"data_dir": str(tmp_path / "data")}
    if kind == "s3":
        overrides.update(s3_settings)
    return open_blobs(load(overrides=overrides, environ={}, config_file=None))


@pytest.fixture
def s3_settings():
    from tests.backends.s3 import fresh_s3

    with fresh_s3() as overrides:
        yield overrides


@pytest.fixture(params=BACKENDS)
async def store(request, tmp_path):
    overrides = request.getfixturevalue("s3_settings") if request.param == "s3" else None
    blobs = make_store(request.param, tmp_path, overrides)
    await blobs.open()
    yield blobs
    await blobs.close()


def source_file(tmp_path, data: bytes, name: str = "source") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


async def read_all(store, key: str, start: int = 0, length: int | None = None) -> bytes:
    return b"".join([chunk async for chunk in store.read_chunks(key, start, length)])


async def test_put_file_then_fetch_returns_the_same_bytes(store, tmp_path):
    data = os.urandom(300_000)
    await store.put_file(ORIGINAL, source_file(tmp_path, data), "image/jpeg")
    await store.fetch_to_file(ORIGINAL, str(tmp_path / "back"))
    assert (tmp_path / "back").read_bytes() == data
    info = await store.stat(ORIGINAL)
    assert info.size == len(data) and info.etag


async def test_put_bytes_stat_and_ranges(store):
    await store.put_bytes(VARIANT, b"0123456789", "image/jpeg")
    assert await store.exists(VARIANT)
    assert await read_all(store, VARIANT) == b"0123456789"
    assert await read_all(store, VARIANT, 2, 3) == b"234"
    assert await read_all(store, VARIANT, 7) == b"789"


async def test_a_large_file_is_streamed_in_parts(store, tmp_path):
    from server.blobs.s3 import PART_BYTES

    data = os.urandom(PART_BYTES + 1024 * 1024)  # just over one part: S3 takes it as a multipart upload
    await store.put_file(ORIGINAL, source_file(tmp_path, data), "video/mp4")
    await store.fetch_to_file(ORIGINAL, str(tmp_path / "back"))
    assert hashlib.sha256((tmp_path / "back").read_bytes()).digest() == hashlib.sha256(data).digest()


async def test_missing_blobs(store, tmp_path):
    assert await store.stat("o/1/zz/missing") is None
    assert not await store.exists("o/1/zz/missing")
    with pytest.raises(BlobNotFound):
        await store.fetch_to_file("o/1/zz/missing", str(tmp_path / "never"))
    assert not (tmp_path / "never").exists()
    with pytest.raises(BlobNotFound):
        await read_all(store, "o/1/zz/missing")


async def test_delete_is_idempotent(store):
    await store.put_bytes(VARIANT, b"bytes", "image/jpeg")
    await store.delete(VARIANT)
    await store.delete(VARIANT)
    await store.delete("v/00/never-existed.jpg")
    assert not await store.exists(VARIANT)


async def test_acknowledged_writes_survive_the_writer(store, tmp_path):
    """Once put_file returns, the blob is the store's: the source may go, and a fresh client sees it."""
    path = source_file(tmp_path, b"kept safe")
    await store.put_file(ORIGINAL, path, "image/jpeg")
    if os.path.exists(path):
        os.unlink(path)  # callers remove their temp files right after
    kind = "s3" if store.serve_mode != "local" else "local"
    other = make_store(kind, tmp_path, {"blob_url": store.url, "s3_access_key": "photoshare-test",
                                         "s3_secret_key": "photoshare-test-secret"} if kind == "s3" else None)
    await other.open()
    try:
        assert await read_all(other, ORIGINAL) == b"kept safe"
    finally:
        await other.close()


async def test_writing_a_key_again_is_harmless(store):
    # Content-addressed keys: a retried job writes the same bytes under the same key.
    await store.put_bytes(VARIANT, b"same", "image/jpeg")
    await store.put_bytes(VARIANT, b"same", "image/jpeg")
    assert await read_all(store, VARIANT) == b"same"


async def test_ping_and_open_are_repeatable(store):
    await store.ping()
    await store.open()
    await store.ping()


async def test_variant_info_notices_a_new_variant_written_here(store):
    assert await store.variant_info(VARIANT) is None
    await store.put_bytes(VARIANT, b"avif later", "image/avif")
    info = await store.variant_info(VARIANT)
    assert info is not None and info.size == len(b"avif later")


async def test_only_the_server_endpoint_receives_local_uploads(store):
    url = await store.presigned_put("u/1", "image/jpeg", 10, 60)
    if store.serve_mode == "local":
        assert url is None  # the server's own signed PUT endpoint takes direct uploads (tests/http)
    else:
        assert "X-Amz-Signature=" in url and "content-length%3Bcontent-type%3Bhost" in url


# -- S3 only -------------------------------------------------------------------------------------

@pytest.fixture
async def s3_store(tmp_path, s3_settings):
    blobs = make_store("s3", tmp_path, s3_settings)
    await blobs.open()
    yield blobs
    await blobs.close()


async def http(method: str, url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
    async with aiohttp.ClientSession() as session:
        async with session.request(method, url, data=data, headers=headers or {}) as response:
            return response.status, await response.read()


async def test_presigned_put_round_trip(s3_store):
    photo = b"\xff\xd8\xff" + os.urandom(997)
    url = await s3_store.presigned_put("u/7", "image/jpeg", len(photo), 60)
    status, _ = await http("PUT", url, photo, {"Content-Type": "image/jpeg"})
    assert status == 200
    assert await read_all(s3_store, "u/7") == photo


@pytest.mark.parametrize("change", ["other type", "more bytes", "fewer bytes", "tampered signature", "other key"])
async def test_the_store_refuses_a_presigned_put_that_breaks_its_terms(s3_store, change):
    photo = os.urandom(1000)
    url = await s3_store.presigned_put("u/8", "image/jpeg", len(photo), 60)
    data, headers = photo, {"Content-Type": "image/jpeg"}
    if change == "other type":
        headers = {"Content-Type": "text/html"}
    elif change == "more bytes":
        data = photo + b"!"
    elif change == "fewer bytes":
        data = photo[:-1]
    elif change == "tampered signature":
        url = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
    else:
        url = url.replace("/u/8?", "/u/9?")
    status, body = await http("PUT", url, data, headers)
    assert status == 403, body
    assert not await s3_store.exists("u/8") and not await s3_store.exists("u/9")


async def test_an_expired_presigned_put_is_refused(s3_store):
    signed_a_minute_ago = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=60)
    s3_store.clock = lambda: signed_a_minute_ago
    expired = await s3_store.presigned_put("u/10", "image/jpeg", 3, 1)
    status, body = await http("PUT", expired, b"abc", {"Content-Type": "image/jpeg"})
    assert status == 403 and b"expired" in body
    assert not await s3_store.exists("u/10")
    # The same signing time with a term that has not run out yet is accepted: it was the term that was refused.
    current = await s3_store.presigned_put("u/10", "image/jpeg", 3, 600)
    assert (await http("PUT", current, b"abc", {"Content-Type": "image/jpeg"}))[0] == 200


async def test_presigned_mode_serves_variants_by_stable_expiring_urls(s3_store):
    await s3_store.put_bytes(VARIANT, b"variant", "image/jpeg")
    await s3_store.put_bytes(ORIGINAL, b"original", "image/jpeg")
    url = await s3_store.public_url(VARIANT)
    assert url == await s3_store.public_url(VARIANT), "the same URL within a signing window, so caches can keep it"
    assert await http("GET", url) == (200, b"variant")
    plain = url.split("?")[0]
    assert (await http("GET", plain))[0] == 403, "the bucket itself stays private"
    assert (await http("GET", plain.replace(VARIANT, ORIGINAL)))[0] == 403


async def test_redirect_mode_makes_variants_public_and_originals_private(tmp_path):
    from tests.backends.s3 import fresh_s3

    with fresh_s3(serve="redirect") as overrides:
        store = make_store("s3", tmp_path, overrides)
        await store.open()
        try:
            await store.put_bytes(VARIANT, b"variant", "image/jpeg")
            await store.put_bytes(ORIGINAL, b"original", "image/jpeg")
            url = await store.public_url(VARIANT)
            assert "Signature" not in url
            async with aiohttp.ClientSession() as session:
                async with session.get(url) as response:
                    assert response.status == 200 and await response.read() == b"variant"
                    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert (await http("GET", url.replace(VARIANT, ORIGINAL)))[0] == 403
        finally:
            await store.close()


async def test_proxy_mode_has_no_client_url(tmp_path):
    from tests.backends.s3 import fresh_s3

    with fresh_s3(serve="proxy") as overrides:
        store = make_store("s3", tmp_path, overrides)
        await store.open()
        try:
            await store.put_bytes(VARIANT, b"variant", "image/jpeg")
            assert await store.public_url(VARIANT) is None and store.serve_mode == "proxy"
        finally:
            await store.close()


async def test_a_prefix_keeps_photoshare_in_its_own_folder(tmp_path):
    from tests.backends.s3 import admin_client, fresh_s3

    with fresh_s3(prefix="photos") as overrides:
        store = make_store("s3", tmp_path, overrides)
        await store.open()
        try:
            await store.put_bytes(VARIANT, b"variant", "image/jpeg")
            names = [item.object_name for item in admin_client().list_objects(store.location.bucket, recursive=True)]
            assert names == ["photos/" + VARIANT]
        finally:
            await store.close()


async def test_ping_fails_when_the_bucket_is_gone(s3_store):
    from tests.backends.s3 import empty_and_remove

    empty_and_remove(s3_store.location.bucket)
    with pytest.raises(ConnectionError):
        await s3_store.ping()
