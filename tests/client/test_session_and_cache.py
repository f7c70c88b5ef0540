"""Session file privacy, and the offline cache of feed pages and media."""

from __future__ import annotations

import asyncio
import stat
import uuid

from app.api_client import ApiClient, OfflineError
from app.cache import ClientCache
from app.session import SessionData, SessionStore, normalise_server_url
from tests.client.photos import write_photo
from tests.ports import free_port


def test_token_file_is_readable_by_its_owner_only(client_dir):
    store = SessionStore()
    store.save(SessionData(server_url="http://photos.local:8080", token="secret", username="ana"))
    mode = stat.S_IMODE(store.path.stat().st_mode)
    assert mode == 0o600
    assert store.path.parent == client_dir
    assert store.load().token == "secret"


def test_sign_out_keeps_the_server_address(client_dir):
    store = SessionStore()
    store.save(SessionData(server_url="http://photos.local:8080", token="secret"))
    assert store.sign_out() == SessionData(server_url="http://photos.local:8080")
    assert not store.load().signed_in


def test_server_addresses_are_normalised():
    assert normalise_server_url("photos.local:8080/") == "http://photos.local:8080"
    assert normalise_server_url(" https://x.example ") == "https://x.example"


async def test_feed_and_media_can_be_read_back_with_no_network(api, tmp_path, client_dir):
    await api.create_post([write_photo(tmp_path / "a.jpg")], "cached", idempotency_key=str(uuid.uuid4()))
    cache = ClientCache(client_dir / "cache")
    page = await api.feed()
    cache.save_posts("feed", list(page.items), page.next_cursor)
    post = await api.post(page.items[0].post_id)
    for _ in range(100):  # wait for the server's variants
        if post.first_media and post.first_media.status == "ready":
            break
        await asyncio.sleep(0.1)
        post = await api.post(post.post_id)
    url = post.first_media.variants["640"]
    online = await cache.fetch_media(api, url)
    assert online[:2] == b"\xff\xd8"  # JPEG: every decoder reads it

    async with ApiClient(f"http://127.0.0.1:{free_port()}") as offline:
        try:
            await offline.feed()
        except OfflineError:
            pass
        posts, _ = cache.load_posts("feed")
        assert posts[0].caption == "cached"
        assert await cache.fetch_media(offline, url) == online
    cache.close()
