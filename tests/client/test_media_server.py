"""The local media endpoint: photos reach the app's screen by URL, from the cache or fetched once,
never for a URL this process did not hand out."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from app.api_client import ApiClient
from app.cache import ClientCache
from app.media_server import PATH_PREFIX, LocalMedia
from tests.client.photos import write_photo
from tests.ports import free_port


async def ready_post(api: ApiClient, tmp_path, *, files: int = 1):
    paths = [write_photo(tmp_path / f"m{i}.jpg", seed=20 + i) for i in range(files)]
    post = await api.create_post(paths, "served locally", idempotency_key=str(uuid.uuid4()))
    for _ in range(200):
        post = await api.post(post.post_id)
        if all(m.status == "ready" for m in post.media):
            return post
        await asyncio.sleep(0.1)
    raise AssertionError("the server never finished the photos")


@pytest.fixture
async def cache(client_dir):
    cache = ClientCache(client_dir / "cache")
    yield cache
    cache.close()


@pytest.fixture
async def loopback(cache, api):
    media = LocalMedia(cache, lambda: api)
    await media.serve_loopback()
    yield media
    await media.close()


async def test_a_photo_is_fetched_once_then_served_from_the_cache(api, tmp_path, cache, loopback):
    post = await ready_post(api, tmp_path)
    remote = post.first_media.variants["640"]
    local = loopback.url_for(remote)
    assert local.startswith("http://127.0.0.1:") and PATH_PREFIX in local and remote not in local

    async with httpx.AsyncClient() as browser:
        first = await browser.get(local)
        assert first.status_code == 200
        assert first.headers["content-type"] == "image/jpeg"
        assert first.content == await api.media_bytes(remote)
        assert cache.media_bytes(remote) == first.content  # kept for offline use
        # The screen may be a page isolated with COEP, or on another origin: it may still draw these.
        assert first.headers["access-control-allow-origin"] == "*"
        assert first.headers["cross-origin-resource-policy"] == "cross-origin"
        assert "immutable" in first.headers["cache-control"]
        head = await browser.head(local)
        assert head.status_code == 200 and head.headers["content-length"] == str(len(first.content))

    # The server is gone: the same URL still answers, from the disk cache.
    async with ApiClient(f"http://127.0.0.1:{free_port()}") as offline:
        later = LocalMedia(cache, lambda: offline)
        await later.serve_loopback()
        try:
            async with httpx.AsyncClient() as browser:
                again = await browser.get(later.url_for(remote))
            assert again.status_code == 200 and again.content == first.content
        finally:
            await later.close()


async def test_only_urls_handed_out_are_served(api, tmp_path, loopback):
    post = await ready_post(api, tmp_path)
    handed_out = loopback.url_for(post.first_media.variants["thumb"])
    base = handed_out.rsplit("/", 1)[0]
    async with httpx.AsyncClient() as browser:
        assert (await browser.get(base + "/" + "0" * 32 + ".jpg")).status_code == 404
        assert (await browser.get(base.replace(PATH_PREFIX.rstrip("/"), "/api/v1") + "/feed")).status_code == 404
        assert (await browser.post(handed_out)).status_code == 405
        assert (await browser.get(handed_out)).status_code == 200


async def test_offline_and_not_cached_leaves_the_placeholder(cache):
    async with ApiClient(f"http://127.0.0.1:{free_port()}") as offline:
        media = LocalMedia(cache, lambda: offline)
        await media.serve_loopback()
        try:
            async with httpx.AsyncClient() as browser:
                response = await browser.get(media.url_for(f"http://127.0.0.1:1/media/{'a' * 64}"))
            assert response.status_code == 503 and response.headers["retry-after"]
            assert response.headers["cache-control"] == "no-store"  # asked again once back online
        finally:
            await media.close()


async def test_many_requests_for_one_photo_download_it_once(api, tmp_path, cache, loopback, monkeypatch):
    post = await ready_post(api, tmp_path)
    remote = post.first_media.variants["1080"]
    downloads = []
    original = api.media_bytes

    async def counting(url, fmt="jpeg"):
        downloads.append(url)
        return await original(url, fmt)

    monkeypatch.setattr(api, "media_bytes", counting)
    local = loopback.url_for(remote)
    async with httpx.AsyncClient() as browser:
        answers = await asyncio.gather(*(browser.get(local) for _ in range(6)))
    assert {a.status_code for a in answers} == {200}
    assert downloads == [remote]


async def test_the_web_apps_origin_gets_the_same_answers(api, tmp_path, cache):
    """``photoshare web`` routes PATH_PREFIX to ``LocalMedia.asgi``: relative URLs on the page's own origin."""
    post = await ready_post(api, tmp_path)
    media = LocalMedia(cache, lambda: api)
    local = media.url_for(post.first_media.variants["320"])
    assert local.startswith(PATH_PREFIX)
    sent = []

    async def send(message):
        sent.append(message)

    await media.asgi({"type": "http", "method": "GET", "path": local}, None, send)
    headers = dict(sent[0]["headers"])
    assert sent[0]["status"] == 200 and headers[b"content-type"] == b"image/jpeg"
    assert sent[1]["body"][:2] == b"\xff\xd8"


async def test_an_avatar_shows_on_posts_and_profile_and_is_served_like_photos(api, other_api, tmp_path, loopback):
    user = await api.set_avatar(write_photo(tmp_path / "me.jpg", size=(500, 500), seed=9).read_bytes())
    assert user.avatar_url and user.avatar_url.startswith("http")
    post = await ready_post(api, tmp_path)
    assert post.user.avatar_url == user.avatar_url  # what a post card's header draws
    assert (await other_api.user(user.username)).avatar_url == user.avatar_url  # what a profile draws
    async with httpx.AsyncClient() as browser:
        response = await browser.get(loopback.url_for(user.avatar_url))
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"


async def test_a_video_posts_stream_is_served_as_mp4_with_its_poster(api, tmp_path, loopback):
    """The player gets a video's stream the way photos come: by a local URL, typed as MP4."""
    from tests.fixtures.videos import make_video

    clip = tmp_path / "clip.mp4"
    make_video(clip, 2, size=(320, 240))
    post = await api.create_post([clip], "a clip", idempotency_key=str(uuid.uuid4()))
    for _ in range(300):
        post = await api.post(post.post_id)
        if post.first_media.status != "processing":
            break
        await asyncio.sleep(0.1)
    media = post.first_media
    assert media.type == "video" and media.status == "ready"
    assert media.poster and media.duration_ms and "360" in media.streams
    async with httpx.AsyncClient() as browser:
        stream = await browser.get(loopback.url_for(media.streams["360"]))
        poster = await browser.get(loopback.url_for(media.poster))
    assert stream.status_code == 200 and stream.headers["content-type"] == "video/mp4"
    assert stream.content[4:8] == b"ftyp" and stream.content == await api.media_bytes(media.streams["360"])
    assert poster.status_code == 200 and poster.headers["content-type"] == "image/jpeg"


async def test_a_video_is_served_in_byte_ranges_so_players_start_early_and_seek(api, tmp_path, cache, loopback):
    """A player asks for a clip in pieces: one range is answered 206 with Content-Range, a range past the end
    416, and full answers say ranges are welcome — over real HTTP (loopback) and on the web app's origin (ASGI)."""
    from tests.fixtures.videos import make_video

    clip = tmp_path / "long.mp4"
    make_video(clip, 3, size=(320, 240))
    post = await api.create_post([clip], "a longer clip", idempotency_key=str(uuid.uuid4()))
    for _ in range(300):
        post = await api.post(post.post_id)
        if post.first_media.status != "processing":
            break
        await asyncio.sleep(0.1)
    remote = post.first_media.streams["360"]
    whole = await api.media_bytes(remote)
    size = len(whole)
    local = loopback.url_for(remote)

    async with httpx.AsyncClient() as browser:
        full = await browser.get(local)
        assert full.status_code == 200 and full.headers["accept-ranges"] == "bytes" and full.content == whole

        first = await browser.get(local, headers={"Range": "bytes=0-99"})
        assert first.status_code == 206
        assert first.headers["content-range"] == f"bytes 0-99/{size}"
        assert first.headers["content-length"] == "100" and first.content == whole[:100]
        assert first.headers["content-type"] == "video/mp4"

        rest = await browser.get(local, headers={"Range": "bytes=100-"})  # what a player asks next
        assert rest.status_code == 206 and rest.content == whole[100:]
        assert rest.headers["content-range"] == f"bytes 100-{size - 1}/{size}"

        seek = await browser.get(local, headers={"Range": f"bytes={size // 2}-{size // 2 + 9}"})  # a seek
        assert seek.status_code == 206 and seek.content == whole[size // 2:size // 2 + 10]

        tail = await browser.get(local, headers={"Range": "bytes=-16"})  # the last bytes (the index, for some files)
        assert tail.status_code == 206 and tail.content == whole[-16:]
        assert tail.headers["content-range"] == f"bytes {size - 16}-{size - 1}/{size}"

        beyond = await browser.get(local, headers={"Range": "bytes=0-99999999"})  # clipped to what there is
        assert beyond.status_code == 206 and beyond.content == whole
        assert beyond.headers["content-range"] == f"bytes 0-{size - 1}/{size}"

        past = await browser.get(local, headers={"Range": f"bytes={size}-"})
        assert past.status_code == 416 and past.headers["content-range"] == f"bytes */{size}" and past.content == b""

        several = await browser.get(local, headers={"Range": "bytes=0-9,20-29"})  # not offered: the whole
        assert several.status_code == 200 and several.content == whole
        nonsense = await browser.get(local, headers={"Range": "bytes=50-10"})
        assert nonsense.status_code == 200 and nonsense.content == whole

        head = await browser.head(local, headers={"Range": "bytes=10-19"})
        assert head.status_code == 206 and head.headers["content-length"] == "10" and head.content == b""

        # The same keep-alive connection goes on answering after partial answers.
        again = await browser.get(local, headers={"Range": "bytes=1-2"})
        assert again.status_code == 206 and again.content == whole[1:3]

    sent = []

    async def send(message):
        sent.append(message)

    web = LocalMedia(cache, lambda: api)
    path = web.url_for(remote)
    await web.asgi({"type": "http", "method": "GET", "path": path, "headers": [(b"range", b"bytes=0-99")]}, None, send)
    headers = dict(sent[0]["headers"])
    assert sent[0]["status"] == 206 and headers[b"content-range"] == f"bytes 0-99/{size}".encode()
    assert sent[1]["body"] == whole[:100]
    sent.clear()
    await web.asgi({"type": "http", "method": "GET", "path": path, "headers": [(b"range", f"bytes={size + 5}-".encode())]},
                   None, send)
    assert sent[0]["status"] == 416
