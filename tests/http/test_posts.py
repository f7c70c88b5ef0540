"""Publishing posts: multipart intake, validation, idempotency, processing, reading and deleting."""

import asyncio
import io
import json

import aiohttp
import pytest
from PIL import Image

from tests.conftest import jpeg_bytes


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (10, 200, 30, 128)).save(out, "PNG")
    return out.getvalue()


def exif_jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (120, 80), (90, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    gps = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 36.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


async def test_publish_returns_201_with_the_post_and_processes_it(api):
    user, token = await api.register()
    status, body = await api.post_photo(token, "Sunday lunch #family @nobody", images=[jpeg_bytes(), png_bytes()], alt_texts=["a table", "a cake"])
    assert status == 201, body
    post = body["post"]
    assert body["post_id"] == post["post_id"] and "created_at" in body  # the seed's flat fields too
    assert post["user_id"] == user["user_id"] and post["username"] == user["username"]
    assert post["caption"] == "Sunday lunch #family @nobody"
    assert post["hashtags"] == ["family"]
    assert [m["status"] for m in post["media"]] == ["processing", "processing"]
    assert [m["alt_text"] for m in post["media"]] == ["a table", "a cake"]
    assert post["media_url"] is None  # no original is ever served while processing
    assert post["like_count"] == 0 and post["liked_by_me"] is False

    await api.run_jobs()
    status, body = await api.call("GET", f"/api/v1/posts/{post['post_id']}", token)
    assert status == 200
    ready = body["post"]
    assert [m["status"] for m in ready["media"]] == ["ready", "ready"]
    assert ready["media"][0]["width"] == 64 and ready["media"][0]["height"] == 48
    assert ready["media"][0]["placeholder"]
    assert set(ready["media"][0]["variants"]) == {"thumb", "320", "640", "1080", "1440"}
    assert ready["media_url"] == ready["media"][0]["variants"]["1080"]


async def test_served_variant_has_no_metadata_and_is_upright(api):
    _, token = await api.register()
    status, body = await api.post_photo(token, images=[exif_jpeg_with_gps()])
    assert status == 201
    await api.run_jobs()
    post = (await api.call("GET", f"/api/v1/posts/{body['post_id']}", token))[1]["post"]
    assert (post["media"][0]["width"], post["media"][0]["height"]) == (80, 120)  # orientation 6 applied
    response = await api.client.get(post["media_url"], headers={"Accept": "image/jpeg"})
    data = await response.read()
    image = Image.open(io.BytesIO(data))
    assert image.size == (80, 120)
    assert not image.getexif() and b"GPS" not in data and b"PhoneMaker" not in data


async def test_idempotency_key_returns_the_same_post(api):
    _, token = await api.register()
    first = await api.post_photo(token, "once", idempotency_key="c0ffee-1")
    again = await api.post_photo(token, "once", idempotency_key="c0ffee-1")
    assert first[0] == again[0] == 201
    assert first[1]["post_id"] == again[1]["post_id"]
    me = (await api.call("GET", "/api/v1/me", token))[1]["user"]
    assert me["post_count"] == 1


async def test_parallel_retries_with_one_key_make_one_post(api):
    _, token = await api.register()
    results = await asyncio.gather(*(api.post_photo(token, "race", idempotency_key="same-key") for _ in range(5)))
    assert {status for status, _ in results} == {201}
    assert len({body["post_id"] for _, body in results}) == 1
    assert (await api.call("GET", "/api/v1/me", token))[1]["user"]["post_count"] == 1


async def test_carousel_of_ten_is_accepted_and_eleven_refused(api):
    _, token = await api.register()
    assert (await api.post_photo(token, images=[jpeg_bytes()] * 10))[0] == 201
    status, body = await api.post_photo(token, images=[jpeg_bytes()] * 11)
    assert status == 400 and body["error"]["code"] == "too_many_media"


@pytest.mark.parametrize("data, code", [
    (b"GIF89a" + b"\x00" * 10, "invalid_media"),  # truncated GIF
    (b"\xff\xd8\xff\xe0" + b"\x00" * 100, "invalid_media"),  # a JPEG header and nothing else
    (b"%PDF-1.7 definitely a document" * 4, "unsupported_media"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>" * 3, "unsupported_media"),
    (b"", "invalid_media"),
])
async def test_hostile_uploads_are_400_and_leave_nothing(api, data, code):
    _, token = await api.register()
    form = aiohttp.FormData()
    form.add_field("media", data, filename="innocent.jpg", content_type="image/jpeg")
    status, body = await api.call("POST", "/api/v1/posts", token, data=form)
    assert status == 400 and body["error"]["code"] == code, body
    assert (await api.call("GET", "/api/v1/me", token))[1]["user"]["post_count"] == 0
    leftovers = list(api.ctx.media.tmp_dir().iterdir())  # this process's temporary folder
    assert leftovers == []


async def test_a_png_named_jpg_is_sniffed_as_png(api):
    _, token = await api.register()
    form = aiohttp.FormData()
    form.add_field("media", png_bytes(), filename="photo.jpg", content_type="image/jpeg")
    status, body = await api.call("POST", "/api/v1/posts", token, data=form)
    assert status == 201 and body["post"]["media"][0]["type"] == "photo"


async def test_oversize_photo_is_refused_while_streaming(api):
    api.ctx.settings.values["max_photo_bytes"] = 50_000
    _, token = await api.register()
    big = jpeg_bytes(64, 48)[:-2] + b"\x00" * 60_000 + b"\xff\xd9"
    status, body = await api.post_photo(token, images=[big])
    assert status == 400 and body["error"]["code"] == "too_large"
    assert list(api.ctx.media.tmp_dir().iterdir()) == []


async def test_decompression_bomb_is_refused(api):
    _, token = await api.register()
    out = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(out, "PNG")  # 144 megapixels in a few kilobytes
    status, body = await api.post_photo(token, images=[out.getvalue()])
    assert status == 400 and body["error"]["code"] in {"too_large", "invalid_media"}


async def test_caption_and_alt_text_limits(api):
    _, token = await api.register()
    status, body = await api.post_photo(token, caption="x" * 2201)
    assert status == 400 and body["error"]["code"] == "caption_too_long"
    assert (await api.post_photo(token, caption="x" * 2200))[0] == 201
    status, _ = await api.post_photo(token, alt_texts=["a" * 1001])
    assert status == 400
    status, _ = await api.post_photo(token, alt_texts=["one", "two"])
    assert status == 400


async def test_post_without_media_or_not_multipart(api):
    _, token = await api.register()
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("caption", "no photo")
    status, body = await api.call("POST", "/api/v1/posts", token, data=form)
    assert status == 400 and body["error"]["code"] == "no_media"
    status, body = await api.call("POST", "/api/v1/posts", token, json={"caption": "json"})
    assert status == 400


async def test_posting_needs_a_token(api):
    status, _ = await api.post_photo(None)
    assert status == 401


async def test_get_unknown_and_malformed_post_ids(api):
    _, token = await api.register()
    for post_id in ("123", "abc", "-5", str(1 << 64)):
        status, body = await api.call("GET", f"/api/v1/posts/{post_id}", token)
        assert status == 404 and body["error"]["code"] == "not_found"


async def test_delete_post_by_author_only_and_its_files_go(api):
    _, author = await api.register()
    _, other = await api.register()
    status, body = await api.post_photo(author, "to delete #gone")
    await api.run_jobs()
    post_id = body["post_id"]
    post = (await api.call("GET", f"/api/v1/posts/{post_id}", author))[1]["post"]
    urls = list(post["media"][0]["variants"].values())
    assert (await api.client.get(urls[0])).status == 200

    status, body = await api.call("DELETE", f"/api/v1/posts/{post_id}", other)
    assert status == 403
    assert (await api.call("DELETE", f"/api/v1/posts/{post_id}", author))[0] == 204
    assert (await api.call("DELETE", f"/api/v1/posts/{post_id}", author))[0] == 404
    await api.run_jobs()
    assert (await api.call("GET", f"/api/v1/posts/{post_id}", author))[0] == 404
    for url in urls:
        assert (await api.client.get(url)).status == 404
    assert (await api.call("GET", "/api/v1/me", author))[1]["user"]["post_count"] == 0


async def test_deleting_one_of_two_identical_uploads_keeps_the_other_servable(api):
    _, token = await api.register()
    photo = jpeg_bytes(90, 60, color=(1, 2, 3))
    first = (await api.post_photo(token, images=[photo]))[1]["post_id"]
    second = (await api.post_photo(token, images=[photo]))[1]["post_id"]
    await api.run_jobs()
    url = (await api.call("GET", f"/api/v1/posts/{second}", token))[1]["post"]["media_url"]
    assert (await api.call("DELETE", f"/api/v1/posts/{first}", token))[0] == 204
    await api.run_jobs()
    assert (await api.client.get(url)).status == 200
    # Stored once for both posts (one content-addressed key), and kept for the survivor.
    [key] = await api.ctx.db.read(lambda conn: [row[0] for row in conn.fetch_all("SELECT DISTINCT original_key FROM media")])
    assert await api.ctx.blobs.exists(key)


async def test_a_file_that_fails_processing_is_marked_failed_with_a_reason(api):
    _, token = await api.register()
    status, body = await api.post_photo(token)
    # Damage the stored original after intake, as a disk fault would.
    row = await api.ctx.db.read(lambda conn: conn.fetch_one("SELECT original_key FROM media"))
    damaged = api.ctx.settings.data_path / "damaged"
    await api.ctx.blobs.fetch_to_file(row["original_key"], str(damaged))
    with open(damaged, "r+b") as handle:
        handle.truncate(200)
    await api.ctx.blobs.put_file(row["original_key"], str(damaged), "image/jpeg")
    for _ in range(10):
        await api.run_jobs()
        await api.ctx.db.write(lambda conn: conn.execute("UPDATE jobs SET run_at = 0"))
    post = (await api.call("GET", f"/api/v1/posts/{body['post_id']}", token))[1]["post"]
    assert post["media"][0]["status"] == "failed"
    assert post["media"][0]["failure_reason"]
    assert (await api.call("GET", "/healthz"))[0] == 200
