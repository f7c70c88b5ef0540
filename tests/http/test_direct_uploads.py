"""Direct uploads: a signed, expiring PUT URL, then a post made from finished uploads.

On local storage the URL is the server's own endpoint, which checks the bytes as they arrive. On S3
it is a presigned URL to the store, which enforces the URL's terms itself; the server checks the
bytes when the post is made. Tests that are about one of the two say so and skip the other.
"""

import hashlib
from urllib.parse import urlsplit

import pytest

from server.services.direct_uploads import staged_key
from tests.conftest import jpeg_bytes


async def reserve(api, token, data: bytes, content_type="image/jpeg", **extra):
    return await api.call("POST", "/api/v1/uploads", token, json={"content_type": content_type, "size": len(data), **extra})


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def sent_to_store(api) -> bool:
    return api.ctx.blobs.serve_mode != "local"


async def put(api, url: str, data: bytes, content_type: str = "image/jpeg"):
    if "/api/v1/uploads/" in url:
        return await api.call("PUT", local_path(url), data=data, headers={"Content-Type": content_type})
    async with api.client.session.put(url, data=data, headers={"Content-Type": content_type}) as response:
        return response.status, await response.read()


async def post_uploads(api, token, upload_ids, **extra):
    return await api.call("POST", "/api/v1/posts", token, json={"upload_ids": upload_ids, **extra})


async def test_reserve_put_and_post(api):
    _, token = await api.register()
    photos = [jpeg_bytes(80, 60), jpeg_bytes(60, 80, color=(9, 9, 200))]
    upload_ids = []
    for photo in photos:
        status, reservation = await reserve(api, token, photo, sha256=hashlib.sha256(photo).hexdigest())
        assert status == 201, reservation
        assert reservation["method"] == "PUT" and reservation["headers"] == {"Content-Type": "image/jpeg"}
        assert reservation["upload_url"].startswith("http://127.0.0.1:")
        status, body = await put(api, reservation["upload_url"], photo)
        assert status == 200, body
        if not sent_to_store(api):
            assert body["status"] == "uploaded"
        upload_ids.append(reservation["upload_id"])

    status, body = await api.call("POST", "/api/v1/posts", token, json={"upload_ids": upload_ids, "caption": "direct #fast", "alt_text": ["one", "two"]},
                                  headers={"Idempotency-Key": "direct-1"})
    assert status == 201, body
    assert [m["alt_text"] for m in body["post"]["media"]] == ["one", "two"]
    assert (body["post"]["media"][0]["width"], body["post"]["media"][1]["width"]) == (80, 60)
    again = await api.call("POST", "/api/v1/posts", token, json={"upload_ids": upload_ids, "caption": "direct #fast"}, headers={"Idempotency-Key": "direct-1"})
    assert again[0] == 201 and again[1]["post_id"] == body["post_id"]
    await api.run_jobs()
    post = (await api.call("GET", f"/api/v1/posts/{body['post_id']}", token))[1]["post"]
    assert post["media_url"] and all(m["status"] == "ready" for m in post["media"])

    # A used upload cannot make a second post.
    status, body = await api.call("POST", "/api/v1/posts", token, json={"upload_ids": upload_ids[:1]})
    assert status == 409 and body["error"]["code"] == "upload_used"


@pytest.mark.backends(lacks=["s3"])  # S3 refuses tampered and expired presigned URLs itself: tests/contract/test_blobs_contract.py
async def test_tampered_expired_and_reused_urls_are_refused(api):
    _, token = await api.register()
    photo = jpeg_bytes()
    _, reservation = await reserve(api, token, photo)
    url = reservation["upload_url"]

    tampered = url[:-4] + ("0000" if not url.endswith("0000") else "1111")
    status, body = await put(api, tampered, photo)
    assert status == 403 and body["error"]["code"] == "signature_invalid"
    other_id = url.replace(reservation["upload_id"], str(int(reservation["upload_id"]) + 1))
    assert (await put(api, other_id, photo))[0] == 403
    later = url.replace("expires=", "expires=9")
    assert (await put(api, later, photo))[1]["error"]["code"] == "signature_invalid"
    unsigned = url.split("?")[0]
    assert (await put(api, unsigned, photo))[0] == 403

    assert (await put(api, url, photo))[0] == 200
    status, body = await put(api, url, photo)
    assert status == 409 and body["error"]["code"] == "upload_used"

    # An expired URL, with a valid signature for its expiry time.
    _, second = await reserve(api, token, photo)
    upload_id = int(second["upload_id"])
    await api.ctx.db.write(lambda conn: conn.execute("UPDATE uploads SET expires_at = 1000 WHERE id = ?", (upload_id,)))
    from server.services.direct_uploads import _signature

    expired = f"/api/v1/uploads/{upload_id}/data?expires=1000&signature={_signature(api.ctx.secret_key, upload_id, 1000)}"
    status, body = await put(api, expired, photo)
    assert status == 403 and body["error"]["code"] == "signature_expired"


@pytest.mark.backends(lacks=["s3"])  # the server's own endpoint; test_bytes_sent_to_the_store_are_checked_when_posted covers S3
async def test_the_put_must_match_what_was_announced(api):
    _, token = await api.register()
    photo = jpeg_bytes()
    _, reservation = await reserve(api, token, photo)
    status, body = await put(api, reservation["upload_url"], photo + b"extra bytes")
    assert status == 400 and body["error"]["code"] == "too_large"
    status, body = await put(api, reservation["upload_url"], photo[:-10])
    assert status == 400 and body["error"]["code"] == "size_mismatch"
    # A failed PUT does not burn the URL: the client can retry the whole file.
    assert (await put(api, reservation["upload_url"], photo))[0] == 200

    _, checked = await reserve(api, token, photo, sha256="0" * 64)
    status, body = await put(api, checked["upload_url"], photo)
    assert status == 400 and body["error"]["code"] == "checksum_mismatch"

    text = b"not a picture at all, just words" * 3
    _, wrong = await reserve(api, token, text)
    status, body = await put(api, wrong["upload_url"], text)
    assert status == 400 and body["error"]["code"] == "unsupported_media"
    assert list(api.ctx.media.tmp_dir().iterdir()) == []


@pytest.mark.parametrize("body, code", [
    ({"content_type": "application/pdf", "size": 10}, "unsupported_media"),
    ({"content_type": "image/jpeg", "size": 30 * 1024 * 1024}, "too_large"),
    ({"content_type": "image/jpeg", "size": -1}, "invalid_input"),
    ({"content_type": "image/jpeg", "size": "12"}, "invalid_input"),
    ({"content_type": "image/jpeg", "size": 12, "sha256": "xyz"}, "invalid_input"),
])
async def test_bad_reservations(api, body, code):
    _, token = await api.register()
    status, answer = await api.call("POST", "/api/v1/uploads", token, json=body)
    assert status == 400 and answer["error"]["code"] == code


async def test_posting_unfinished_or_foreign_uploads(api):
    _, owner = await api.register()
    _, stranger = await api.register()
    photo = jpeg_bytes()
    _, reservation = await reserve(api, owner, photo)
    status, body = await api.call("POST", "/api/v1/posts", owner, json={"upload_ids": [reservation["upload_id"]]})
    assert status == 409 and body["error"]["code"] == "upload_incomplete"
    await put(api, reservation["upload_url"], photo)
    assert (await api.call("POST", "/api/v1/posts", stranger, json={"upload_ids": [reservation["upload_id"]]}))[0] == 404
    for bad in ({"upload_ids": []}, {"upload_ids": "1"}, {"upload_ids": ["x"]}, {"upload_ids": [reservation["upload_id"]] * 2},
                {"upload_ids": [reservation["upload_id"]], "caption": 5}):
        assert (await api.call("POST", "/api/v1/posts", owner, json=bad))[0] == 400, bad
    assert (await api.call("POST", "/api/v1/posts", owner, json={"upload_ids": [reservation["upload_id"]]}))[0] == 201


async def test_unused_uploads_are_removed_after_a_day(api):
    _, token = await api.register()
    photo = jpeg_bytes(33, 33)
    _, reservation = await reserve(api, token, photo)
    await put(api, reservation["upload_url"], photo)
    upload_id = int(reservation["upload_id"])
    # Local storage keeps the checked file as the original; S3 keeps the sent object staged until the post.
    key = await api.ctx.db.read(lambda conn: conn.fetch_val("SELECT original_key FROM uploads WHERE id = ?", (upload_id,)))
    key = key or staged_key(upload_id)
    assert await api.ctx.blobs.exists(key)
    await api.ctx.db.write(lambda conn: conn.execute(
        "UPDATE jobs SET run_at = 0 WHERE kind IN ('expire_upload', 'discard_staged_upload')"))
    await api.run_jobs()
    assert not await api.ctx.blobs.exists(key)
    status, body = await api.call("POST", "/api/v1/posts", token, json={"upload_ids": [reservation["upload_id"]]})
    assert status == 409


# -- S3: the store takes the bytes, the server checks them when the post is made -------------------

@pytest.mark.backends(has=["s3"])  # on local storage the server's own endpoint receives the bytes
async def test_the_upload_url_is_a_presigned_put_to_a_private_staging_key(api):
    _, token = await api.register()
    photo = jpeg_bytes()
    _, reservation = await reserve(api, token, photo)
    url = reservation["upload_url"]
    assert f"/u/{reservation['upload_id']}?" in url and "X-Amz-Signature=" in url
    assert "content-length%3Bcontent-type%3Bhost" in url, "type and size are signed: the store refuses anything else"
    assert (await put(api, url, photo + b"x"))[0] == 403
    assert (await put(api, url, photo, content_type="image/png"))[0] == 403
    assert (await put(api, url[:-2] + "00", photo))[0] == 403
    status, body = await post_uploads(api, token, [reservation["upload_id"]])
    assert status == 409 and body["error"]["code"] == "upload_incomplete"


@pytest.mark.backends(has=["s3"])  # on local storage the server's own endpoint receives the bytes
async def test_bytes_sent_to_the_store_are_checked_when_posted(api):
    _, token = await api.register()
    photo = jpeg_bytes()

    _, checked = await reserve(api, token, photo, sha256="0" * 64)
    assert (await put(api, checked["upload_url"], photo))[0] == 200
    status, body = await post_uploads(api, token, [checked["upload_id"]])
    assert status == 400 and body["error"]["code"] == "checksum_mismatch"
    assert not await api.ctx.blobs.exists(staged_key(int(checked["upload_id"]))), "a refused object is not kept"

    text = b"not a picture at all, just words" * 3
    _, wrong = await reserve(api, token, text)
    assert (await put(api, wrong["upload_url"], text))[0] == 200
    status, body = await post_uploads(api, token, [wrong["upload_id"]])
    assert status == 400 and body["error"]["code"] == "unsupported_media"

    _, video_declared = await reserve(api, token, photo, content_type="video/mp4")
    assert (await put(api, video_declared["upload_url"], photo, content_type="video/mp4"))[0] == 200
    status, body = await post_uploads(api, token, [video_declared["upload_id"]])
    assert status == 400 and body["error"]["code"] == "unsupported_media"

    # A refused upload can be sent again to the same URL while it is valid, then posted.
    _, retry = await reserve(api, token, photo)
    assert (await put(api, retry["upload_url"], photo))[0] == 200
    await api.ctx.db.write(lambda conn: conn.execute("UPDATE uploads SET declared_sha256 = ? WHERE id = ?",
                                                     ("1" * 64, int(retry["upload_id"]))))
    assert (await post_uploads(api, token, [retry["upload_id"]]))[0] == 400
    await api.ctx.db.write(lambda conn: conn.execute("UPDATE uploads SET declared_sha256 = NULL WHERE id = ?",
                                                     (int(retry["upload_id"]),)))
    assert (await put(api, retry["upload_url"], photo))[0] == 200
    status, body = await post_uploads(api, token, [retry["upload_id"]])
    assert status == 201, body
    original = await api.ctx.db.read(lambda conn: conn.fetch_val("SELECT original_key FROM media"))
    assert original == f"o/{body['post']['user_id']}/{hashlib.sha256(photo).hexdigest()[:2]}/{hashlib.sha256(photo).hexdigest()}"
    assert await api.ctx.blobs.exists(original) and not await api.ctx.blobs.exists(staged_key(int(retry["upload_id"])))
    assert list(api.ctx.media.tmp_dir().iterdir()) == []


@pytest.mark.backends(has=["s3"])  # on local storage the server's own endpoint receives the bytes
async def test_a_decompression_bomb_sent_to_the_store_is_refused(api, tmp_path):
    from tests.fixtures.images import png_header_only

    _, token = await api.register()
    png_header_only(tmp_path / "bomb.png", 30_000, 30_000)  # 900 megapixels in a few bytes
    bomb = (tmp_path / "bomb.png").read_bytes()
    _, reservation = await reserve(api, token, bomb, content_type="image/png")
    assert (await put(api, reservation["upload_url"], bomb, content_type="image/png"))[0] == 200
    status, body = await post_uploads(api, token, [reservation["upload_id"]])
    assert status == 400 and body["error"]["code"] == "too_large" and "megapixels" in body["error"]["message"]
