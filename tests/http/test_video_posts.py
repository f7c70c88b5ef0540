"""Short videos: intake limits, renditions, poster, and streaming with byte ranges."""

import aiohttp

from tests.fixtures.videos import make_video


async def upload(api, token, path):
    form = aiohttp.FormData()
    form.add_field("media", path.read_bytes(), filename="clip.bin", content_type="application/octet-stream")
    form.add_field("caption", "a clip #video")
    return await api.call("POST", "/api/v1/posts", token, data=form)


async def test_a_rotated_phone_clip_becomes_upright_streams_and_a_poster(api, tmp_path):
    clip = tmp_path / "clip.mp4"
    make_video(clip, 2, size=(320, 240), rotation=90)
    _, token = await api.register()
    status, body = await upload(api, token, clip)
    assert status == 201, body
    assert body["post"]["media"][0]["type"] == "video"
    await api.run_jobs()
    post = (await api.call("GET", f"/api/v1/posts/{body['post_id']}", token))[1]["post"]
    media = post["media"][0]
    assert media["status"] == "ready", media
    assert (media["width"], media["height"]) == (240, 320)  # rotation honoured
    assert 1800 <= media["duration_ms"] <= 2300
    assert media["poster"] and media["placeholder"]
    assert set(media["streams"]) == {"360", "720"}

    stream = await api.client.get(media["streams"]["360"])
    data = await stream.read()
    assert stream.status == 200 and stream.headers["Content-Type"] == "video/mp4"
    assert b"ftyp" in data[:16] and b"SECRET-TITLE" not in data
    assert data.find(b"moov") < data.find(b"mdat")  # fast start: the index comes before the frames
    part = await api.client.get(media["streams"]["360"], headers={"Range": "bytes=100-199"})
    assert part.status == 206 and await part.read() == data[100:200]
    poster = await api.client.get(media["poster"], headers={"Accept": "image/jpeg"})
    assert poster.status == 200 and poster.headers["Content-Type"] == "image/jpeg"


async def test_a_video_over_sixty_seconds_is_refused(api, tmp_path):
    clip = tmp_path / "long.mp4"
    make_video(clip, 62, size=(64, 48), fps=5, audio=False)
    _, token = await api.register()
    status, body = await upload(api, token, clip)
    assert status == 400 and body["error"]["code"] == "too_large"
    assert "60" in body["error"]["message"]
