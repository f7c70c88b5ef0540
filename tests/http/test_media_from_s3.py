"""/media on S3 storage, in each serve mode: format by Accept, Vary, caching, 304s and ranges.

Runs in every stack (it makes its own S3 deployment), so the redirect and proxy paths are always covered.
"""

from __future__ import annotations

import pytest

from server.config import load
from server.web.app import create_app
from tests.conftest import Api, jpeg_bytes

IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture(params=["presigned", "redirect", "proxy"])
async def s3_api(request, aiohttp_client, tmp_path, media_pool):
    from tests.backends.s3 import fresh_s3

    with fresh_s3(serve=request.param) as overrides:
        settings = load(overrides={"data_dir": str(tmp_path / "data"), "job_workers": 0, "media_processes": 1, **overrides},
                        environ={}, config_file=None)
        client = await aiohttp_client(create_app(settings, media_pool=media_pool))
        yield Api(client), request.param
        await client.close()


async def ready_url(api: Api) -> str:
    _, token = await api.register()
    status, body = await api.post_photo(token, images=[jpeg_bytes(200, 150)])
    assert status == 201
    await api.run_jobs()
    return (await api.call("GET", f"/api/v1/posts/{body['post_id']}", token))[1]["post"]["media_url"]


async def test_each_mode_serves_the_accepted_format(s3_api):
    api, mode = s3_api
    url = await ready_url(api)
    for accept, content_type in (("image/jpeg", "image/jpeg"), ("image/webp,*/*", "image/webp"), ("image/avif,image/webp", "image/avif")):
        answer = await api.client.get(url, headers={"Accept": accept}, allow_redirects=False)
        assert answer.headers["Vary"] == "Accept"
        if mode == "proxy":
            assert answer.status == 200 and answer.headers["Cache-Control"] == IMMUTABLE
            body = answer
        else:
            assert answer.status == 302 and answer.headers["Cache-Control"] == "public, max-age=600"
            location = answer.headers["Location"]
            assert ("X-Amz-Signature=" in location) == (mode == "presigned")
            body = await api.client.session.get(location)
            assert body.status == 200 and body.headers["Cache-Control"] == IMMUTABLE
        assert body.headers["Content-Type"] == content_type


@pytest.mark.parametrize("s3_api", ["proxy"], indirect=True)  # redirect modes leave validators and ranges to the store
async def test_proxy_answers_304_and_ranges_like_a_local_file(s3_api):
    api, mode = s3_api
    url = await ready_url(api)
    first = await api.client.get(url, headers={"Accept": "image/jpeg"})
    whole = await first.read()
    assert first.headers["Content-Length"] == str(len(whole)) and first.headers["Accept-Ranges"] == "bytes"
    again = await api.client.get(url, headers={"Accept": "image/jpeg", "If-None-Match": first.headers["ETag"]})
    assert again.status == 304 and again.headers["Cache-Control"] == IMMUTABLE
    part = await api.client.get(url, headers={"Accept": "image/jpeg", "Range": "bytes=5-14"})
    assert part.status == 206 and await part.read() == whole[5:15]
    assert part.headers["Content-Range"] == f"bytes 5-14/{len(whole)}"
    tail = await api.client.get(url, headers={"Accept": "image/jpeg", "Range": "bytes=-4"})
    assert tail.status == 206 and await tail.read() == whole[-4:]
    beyond = await api.client.get(url, headers={"Accept": "image/jpeg", "Range": f"bytes={len(whole) + 10}-"})
    assert beyond.status == 416 and beyond.headers["Content-Range"] == f"bytes */{len(whole)}"
    head = await api.client.head(url, headers={"Accept": "image/jpeg"})
    assert head.status == 200 and head.headers["Content-Length"] == str(len(whole))


async def test_unknown_stems_are_404_in_every_mode(s3_api):
    api, _ = s3_api
    response = await api.client.get("/media/" + "0" * 64, allow_redirects=False)
    assert response.status == 404 and (await response.json())["error"]["code"] == "not_found"


async def test_originals_stay_private_in_every_mode(s3_api):
    api, _ = s3_api
    await ready_url(api)
    key = await api.ctx.db.read(lambda conn: conn.fetch_val("SELECT original_key FROM media"))
    scheme, host, path = api.ctx.blobs.location.object_url(key)
    response = await api.client.session.get(f"{scheme}://{host}{path}")
    assert response.status == 403
