"""Resumable uploads (tus 1.0.0) at /api/v1/uploads/tus, spoken by hand: every rule a tus client relies on.

Runs on both stacks: the embedded one (chunks appended to a file on local disk) and the scaled one
(PostgreSQL, and S3 through moto: chunks go to an S3 multipart upload).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import types

import pytest

from server.resumable.s3 import MIN_PART_BYTES, staged_key
from tests.conftest import jpeg_bytes
from tests.fixtures.images import png_header_only

TUS = "/api/v1/uploads/tus"
V = {"Tus-Resumable": "1.0.0"}
OFFSET_TYPE = "application/offset+octet-stream"


@pytest.fixture(params=["embedded", "scaled"])
def stack(request):
    return request.param


def metadata(**values: str) -> str:
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items())


async def create(api, token, length: int, headers: dict | None = None, **meta):
    meta = meta or {"filename": "photo.jpg", "filetype": "image/jpeg"}
    response = await api.client.post(TUS, headers={**V, "Authorization": f"Bearer {token}", "Upload-Length": str(length),
                                                   "Upload-Metadata": metadata(**meta), **(headers or {})})
    return response


async def patch(api, token, location: str, offset: int, data: bytes, headers: dict | None = None):
    return await api.client.patch(location, data=data, headers={
        **V, "Authorization": f"Bearer {token}", "Upload-Offset": str(offset), "Content-Type": OFFSET_TYPE, **(headers or {})})


async def head(api, token, location: str):
    return await api.client.head(location, headers={**V, "Authorization": f"Bearer {token}"})


async def upload_in_chunks(api, token, data: bytes, chunk: int, **meta) -> str:
    response = await create(api, token, len(data), **meta)
    assert response.status == 201, await response.text()
    location = response.headers["Location"]
    offset = 0
    while offset < len(data):
        answer = await patch(api, token, location, offset, data[offset:offset + chunk])
        assert answer.status == 204, await answer.text()
        offset = int(answer.headers["Upload-Offset"])
    return location


def upload_id_of(location: str) -> str:
    return location.rsplit("/", 1)[1]


def hostile_png(tmp_path) -> bytes:
    png_header_only(tmp_path / "bomb.png", 30_000, 30_000)  # 900 megapixels in a few bytes
    return (tmp_path / "bomb.png").read_bytes()


async def test_options_announce_the_protocol_and_allow_browsers(api):
    response = await api.client.options(TUS, headers={"Origin": "https://app.example", "Access-Control-Request-Method": "PATCH"})
    assert response.status == 204
    assert response.headers["Tus-Version"] == "1.0.0" and response.headers["Tus-Resumable"] == "1.0.0"
    assert set(response.headers["Tus-Extension"].split(",")) == {
        "creation", "creation-with-upload", "termination", "expiration", "checksum"}
    assert int(response.headers["Tus-Max-Size"]) == 100 * 1024 * 1024
    assert response.headers["Tus-Checksum-Algorithm"] == "sha256"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"]
    allowed = response.headers["Access-Control-Allow-Headers"]
    assert all(name in allowed for name in ("Authorization", "Upload-Offset", "Upload-Length", "Tus-Resumable", "Upload-Metadata"))
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert all(name in exposed for name in ("Location", "Upload-Offset", "Upload-Expires", "Tus-Resumable"))


async def test_chunks_at_offsets_make_a_post_like_a_direct_upload(api):
    _, token = await api.register()
    photo = jpeg_bytes(300, 200) + b""  # a few KB: sent in 1 KB chunks
    response = await create(api, token, len(photo))
    assert response.status == 201
    location = response.headers["Location"]
    assert location.startswith(TUS + "/") and response.headers["Upload-Offset"] == "0"
    assert response.headers["Tus-Resumable"] == "1.0.0" and "GMT" in response.headers["Upload-Expires"]
    offset = 0
    while offset < len(photo):
        answer = await patch(api, token, location, offset, photo[offset:offset + 1024])
        assert answer.status == 204
        offset = int(answer.headers["Upload-Offset"])
        probe = await head(api, token, location)
        assert probe.status == 200 and int(probe.headers["Upload-Offset"]) == offset
        assert probe.headers["Upload-Length"] == str(len(photo)) and probe.headers["Cache-Control"] == "no-store"
    assert "Upload-Expires" not in (await head(api, token, location)).headers  # finished: no longer expiring

    status, body = await api.call("POST", "/api/v1/posts", token, json={"upload_ids": [upload_id_of(location)], "caption": "resumed"},
                                  headers={"Idempotency-Key": "tus-1"})
    assert status == 201, body
    assert body["post"]["media"][0]["width"] == 300
    original = await api.ctx.db.read(lambda conn: conn.fetch_val("SELECT original_key FROM media"))
    assert original.endswith(hashlib.sha256(photo).hexdigest())
    assert await api.ctx.blobs.exists(original)
    assert (await api.call("POST", "/api/v1/posts", token, json={"upload_ids": [upload_id_of(location)]}))[0] == 409


async def test_a_wrong_offset_is_409_and_a_second_writer_waits(api):
    _, token = await api.register()
    photo = jpeg_bytes()
    location = (await create(api, token, len(photo))).headers["Location"]
    assert (await patch(api, token, location, 0, photo[:100])).status == 204
    wrong = await patch(api, token, location, 50, photo[50:150])
    assert wrong.status == 409 and (await wrong.json())["error"]["code"] == "offset_mismatch"
    assert (await head(api, token, location)).headers["Upload-Offset"] == "100"

    # A PATCH whose body is still arriving holds the upload: another one meanwhile gets 409, nothing is mixed.
    gate = asyncio.Event()

    async def slow_body():
        yield photo[100:200]
        await gate.wait()
        yield photo[200:300]

    first = asyncio.ensure_future(api.client.patch(location, data=slow_body(), headers={
        **V, "Authorization": f"Bearer {token}", "Upload-Offset": "100", "Content-Type": OFFSET_TYPE}))
    tus_row = lambda: api.ctx.db.read(lambda conn: conn.fetch_one("SELECT locked_by FROM tus_uploads"))
    for _ in range(200):
        if (await tus_row())["locked_by"]:
            break
        await asyncio.sleep(0.01)
    second = await patch(api, token, location, 100, photo[100:300])
    assert second.status == 409 and (await second.json())["error"]["code"] in ("upload_locked", "offset_mismatch")
    gate.set()
    assert (await first).status == 204
    rest = await patch(api, token, location, 300, photo[300:])
    assert rest.status == 204 and rest.headers["Upload-Offset"] == str(len(photo))
    status, body = await api.call("POST", "/api/v1/posts", token, json={"upload_ids": [upload_id_of(location)]})
    assert status == 201, body


async def test_checksums_keep_a_chunk_only_when_it_matches(api):
    _, token = await api.register()
    photo = jpeg_bytes()
    location = (await create(api, token, len(photo))).headers["Location"]
    good = "sha256 " + base64.b64encode(hashlib.sha256(photo[:500]).digest()).decode()
    bad = "sha256 " + base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    refused = await patch(api, token, location, 0, photo[:500], {"Upload-Checksum": bad})
    assert refused.status == 460 and (await refused.json())["error"]["code"] == "checksum_mismatch"
    assert (await head(api, token, location)).headers["Upload-Offset"] == "0"
    assert (await patch(api, token, location, 0, photo[:500], {"Upload-Checksum": "md5 AAAA"})).status == 400
    kept = await patch(api, token, location, 0, photo[:500], {"Upload-Checksum": good})
    assert kept.status == 204 and kept.headers["Upload-Offset"] == "500"


async def test_creation_with_upload_and_idempotent_creation(api):
    _, token = await api.register()
    photo = jpeg_bytes()
    response = await api.client.post(TUS, data=photo[:700], headers={
        **V, "Authorization": f"Bearer {token}", "Upload-Length": str(len(photo)), "Content-Type": OFFSET_TYPE,
        "Idempotency-Key": "one-file"})
    assert response.status == 201 and response.headers["Upload-Offset"] == "700"
    again = await create(api, token, len(photo), {"Idempotency-Key": "one-file"})
    assert again.status == 201 and again.headers["Location"] == response.headers["Location"]
    assert again.headers["Upload-Offset"] == "700"  # the retry learns where to go on from


@pytest.mark.parametrize("headers, status", [
    ({"Tus-Resumable": "0.2.2"}, 412),
    ({"Upload-Length": "abc"}, 400),
    ({"Upload-Length": "0"}, 400),
    ({"Upload-Length": str(101 * 1024 * 1024)}, 413),
    ({"Upload-Metadata": "filename not*base64"}, 400),
])
async def test_bad_creations_are_refused(api, headers, status):
    _, token = await api.register()
    base = {**V, "Authorization": f"Bearer {token}", "Upload-Length": "1000"}
    response = await api.client.post(TUS, headers={**base, **headers})
    assert response.status == status
    assert response.headers["Tus-Resumable"] == "1.0.0"


async def test_uploads_are_per_user_and_need_a_token(api):
    _, owner = await api.register()
    _, stranger = await api.register()
    assert (await api.client.post(TUS, headers={**V, "Upload-Length": "10"})).status == 401
    location = (await create(api, owner, 1000)).headers["Location"]
    assert (await head(api, stranger, location)).status == 404
    assert (await patch(api, stranger, location, 0, b"x" * 10)).status == 404
    assert (await api.client.delete(location, headers={**V, "Authorization": f"Bearer {stranger}"})).status == 404
    assert (await api.client.head(location, headers=V)).status == 401
    assert (await patch(api, owner, location, 0, b"x" * 1001)).status == 413  # past Upload-Length
    wrong_type = await api.client.patch(location, data=b"x", headers={**V, "Authorization": f"Bearer {owner}", "Upload-Offset": "0",
                                                                      "Content-Type": "application/octet-stream"})
    assert wrong_type.status == 415


async def test_cancelling_removes_the_bytes(api):
    _, token = await api.register()
    data = os.urandom(MIN_PART_BYTES + 1000)  # on S3: one part stored, the rest buffered
    location = (await create(api, token, len(data) + 10, filename="clip.mp4", filetype="video/mp4")).headers["Location"]
    assert (await patch(api, token, location, 0, data)).status == 204
    upload_id = int(upload_id_of(location))
    row = await api.ctx.db.read(lambda conn: conn.fetch_one("SELECT * FROM tus_uploads WHERE id = ?", (upload_id,)))
    await assert_bytes_present(api, upload_id, row["multipart_id"])
    deleted = await api.client.delete(location, headers={**V, "Authorization": f"Bearer {token}"})
    assert deleted.status == 204
    await assert_bytes_gone(api, upload_id, row["multipart_id"])
    assert (await head(api, token, location)).status == 404
    status, body = await api.call("POST", "/api/v1/posts", token, json={"upload_ids": [str(upload_id)]})
    assert status == 409


async def test_an_expired_upload_is_gone_with_its_bytes(api, monkeypatch):
    _, token = await api.register()
    data = os.urandom(MIN_PART_BYTES + 1000)
    location = (await create(api, token, len(data) * 2, filename="clip.mp4", filetype="video/mp4")).headers["Location"]
    assert (await patch(api, token, location, 0, data)).status == 204
    upload_id = int(upload_id_of(location))
    multipart_id = await api.ctx.db.read(lambda conn: conn.fetch_val("SELECT multipart_id FROM tus_uploads WHERE id = ?", (upload_id,)))
    await assert_bytes_present(api, upload_id, multipart_id)

    await api.run_jobs()
    await assert_bytes_present(api, upload_id, multipart_id)  # not due yet: nothing happens
    later = 25 * 3600  # past the default 24 h lifetime
    real_time = __import__("time").time
    monkeypatch.setattr("server.clock.time", types.SimpleNamespace(time=lambda: real_time() + later))
    gone = await head(api, token, location)
    assert gone.status == 410
    await api.run_jobs()
    await assert_bytes_gone(api, upload_id, multipart_id)
    assert (await patch(api, token, location, len(data), b"late")).status == 410


async def test_a_hostile_file_is_refused_when_published(api, tmp_path):
    _, token = await api.register()
    bomb = hostile_png(tmp_path)
    location = await upload_in_chunks(api, token, bomb, 10, filename="bomb.png", filetype="image/png")
    status, body = await api.call("POST", "/api/v1/posts", token, json={"upload_ids": [upload_id_of(location)]})
    assert status == 400 and body["error"]["code"] == "too_large" and "megapixels" in body["error"]["message"]
    upload_id = int(upload_id_of(location))
    await assert_bytes_gone(api, upload_id, None)
    assert (await head(api, token, location)).status == 410
    assert await api.ctx.db.read(lambda conn: conn.fetch_val("SELECT COUNT(*) FROM posts")) == 0

    text = b"not a picture at all, just words" * 3
    location = await upload_in_chunks(api, token, text, 16, filename="notes.jpg", filetype="image/jpeg")
    status, body = await api.call("POST", "/api/v1/posts", token, json={"upload_ids": [upload_id_of(location)]})
    assert status == 400 and body["error"]["code"] == "unsupported_media"


async def test_an_unfinished_upload_cannot_be_posted(api):
    _, token = await api.register()
    photo = jpeg_bytes()
    location = (await create(api, token, len(photo))).headers["Location"]
    await patch(api, token, location, 0, photo[:10])
    status, body = await api.call("POST", "/api/v1/posts", token, json={"upload_ids": [upload_id_of(location)]})
    assert status == 409 and body["error"]["code"] == "upload_incomplete"


# -- where the bytes are ----------------------------------------------------------------------------

def on_s3(api) -> bool:
    return api.ctx.blobs.url.startswith("s3://")


async def assert_bytes_present(api, upload_id: int, multipart_id: str | None) -> None:
    folder = api.ctx.tus.store.folder
    assert any(path.name.split(".")[0] == str(upload_id) for path in folder.iterdir())
    if on_s3(api):
        assert await api.ctx.blobs.multipart_ids(staged_key(upload_id)) == [multipart_id]


async def assert_bytes_gone(api, upload_id: int, multipart_id: str | None) -> None:
    folder = api.ctx.tus.store.folder
    assert not [path for path in folder.iterdir() if path.name.split(".")[0] == str(upload_id)]
    if on_s3(api):
        assert await api.ctx.blobs.multipart_ids(staged_key(upload_id)) == []
        assert not await api.ctx.blobs.exists(staged_key(upload_id))


async def test_a_chunk_cut_by_the_network_keeps_what_arrived(api):
    _, token = await api.register()
    data = os.urandom(300_000)
    location = (await create(api, token, len(data), filename="clip.mp4", filetype="video/mp4")).headers["Location"]
    reader, writer = await asyncio.open_connection("127.0.0.1", api.client.port)
    writer.write((f"PATCH {location} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nTus-Resumable: 1.0.0\r\n"
                  f"Upload-Offset: 0\r\nContent-Type: {OFFSET_TYPE}\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data[:123_456])
    await writer.drain()
    for _ in range(500):  # until the server is receiving the chunk
        if await api.ctx.db.read(lambda conn: conn.fetch_val("SELECT locked_by FROM tus_uploads")):
            break
        await asyncio.sleep(0.01)
    writer.close()  # the link drops a little over a third of the way through
    probe = await head(api, token, location)  # waits for the cut PATCH to record what it got
    assert probe.status == 200 and probe.headers["Upload-Offset"] == "123456"
    rest = await patch(api, token, location, 123_456, data[123_456:])
    assert rest.status == 204 and rest.headers["Upload-Offset"] == str(len(data))
    upload_id = int(upload_id_of(location))
    if not on_s3(api):
        assert (api.ctx.tus.store.folder / str(upload_id)).read_bytes() == data
