"""Serving variants: format by Accept, forced formats, caching headers, 304s and ranges."""

import pytest

from tests.conftest import jpeg_bytes


@pytest.fixture
async def ready_post(api):
    _, token = await api.register()
    status, body = await api.post_photo(token, images=[jpeg_bytes(200, 150)])
    assert status == 201
    await api.run_jobs()
    post = (await api.call("GET", f"/api/v1/posts/{body['post_id']}", token))[1]["post"]
    return post


async def fetch_variant(api, url: str, accept: str):
    """(the server's answer, the answer carrying the bytes): the same response, or a redirect to the store and the store's."""
    answer = await api.client.get(url, headers={"Accept": accept}, allow_redirects=False)
    if answer.status != 302:
        return answer, answer
    return answer, await api.client.session.get(answer.headers["Location"])


async def test_accept_picks_the_format(api, ready_post):
    url = ready_post["media_url"]
    jpeg = await fetch_variant(api, url, "image/jpeg")
    assert jpeg[1].headers["Content-Type"] == "image/jpeg" and (await jpeg[1].read())[:3] == b"\xff\xd8\xff"
    webp = await fetch_variant(api, url, "image/webp,image/*")
    assert webp[1].headers["Content-Type"] == "image/webp" and (await webp[1].read())[8:12] == b"WEBP"
    avif = await fetch_variant(api, url, "image/avif,image/webp,*/*")
    assert avif[1].headers["Content-Type"] == "image/avif"
    assert b"ftypavif" in (await avif[1].read())[:32]
    for answer, body in (jpeg, webp, avif):
        assert answer.headers["Vary"] == "Accept"  # the choice depends on Accept, whoever sends the bytes
        assert body.headers["Cache-Control"] == "public, max-age=31536000, immutable"


async def test_format_query_forces_a_format(api, ready_post):
    url = ready_post["media_url"]
    response = await api.client.get(url + "?format=jpg", headers={"Accept": "image/avif"})
    assert response.headers["Content-Type"] == "image/jpeg"
    response = await api.client.get(url + "?format=gif")
    assert response.status == 400


async def test_avif_falls_back_while_it_is_being_made(api):
    _, token = await api.register()
    body = (await api.post_photo(token))[1]
    # Run only the first stage: the AVIF job stays queued.
    job = (await api.ctx.jobs.claim(1))[0]
    assert job.kind == "process_media"
    from server.bootstrap import job_handlers
    from server.jobs.runner import JobRunner

    runner = JobRunner(api.ctx.jobs, job_handlers(api.ctx), workers=0)
    await runner.run_one(job)
    publish = (await api.ctx.jobs.claim(1))[0]  # the fan-out publishes it, ahead of the AVIF stage
    assert publish.kind == "fanout_publish"
    await runner.run_one(publish)
    post = (await api.call("GET", f"/api/v1/posts/{body['post_id']}", token))[1]["post"]
    response = await api.client.get(post["media_url"], headers={"Accept": "image/avif,image/webp"})
    assert response.status == 200 and response.headers["Content-Type"] == "image/webp"


async def test_etag_gives_304(api, ready_post):
    url = ready_post["media_url"]
    first = await api.client.get(url, headers={"Accept": "image/jpeg"})
    etag = first.headers["ETag"]
    again = await api.client.get(url, headers={"Accept": "image/jpeg", "If-None-Match": etag})
    assert again.status == 304


async def test_byte_ranges(api, ready_post):
    url = ready_post["media_url"]
    whole = await (await api.client.get(url, headers={"Accept": "image/jpeg"})).read()
    part = await api.client.get(url, headers={"Accept": "image/jpeg", "Range": "bytes=0-9"})
    assert part.status == 206 and await part.read() == whole[:10]


@pytest.mark.parametrize("name", ["../../etc/passwd", "0" * 64, "abc", "o%2F1%2Fxx", "0" * 64 + ".exe"])
async def test_unknown_or_hostile_media_names_are_404(api, name):
    response = await api.client.get(f"/media/{name}")
    assert response.status in (404,)
    assert (await response.json())["error"]["code"] == "not_found"


async def test_originals_are_never_served(api):
    _, token = await api.register()
    await api.post_photo(token)
    row = await api.ctx.db.read(lambda conn: conn.fetch_one("SELECT original_key, sha256 FROM media"))
    assert (await api.client.get(f"/media/{row['sha256']}")).status == 404
    assert (await api.client.get(f"/media/{row['original_key']}")).status == 404
