"""A copy of my data: the zip holds my originals and my data as JSON, only I can read it, one at a time."""

from __future__ import annotations

import hashlib
import os
import time
import io
import json
import zipfile
from urllib.parse import urlsplit

import pytest

from server.services.exports import export_key
from tests.conftest import jpeg_bytes
from tests.interaction_helpers import API, follow

PASSWORD = "correct horse battery"


@pytest.fixture(params=["embedded", "scaled"])
def stack(request):
    return request.param


def local(url: str) -> str:
    """The signed link's path and query, asked of the test server."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def ready_export(api, token: str) -> dict:
    status, body = await api.call("POST", f"{API}/me/export", token)
    assert status == 202, body
    export_id = body["export_id"]
    status, pending = await api.call("GET", f"{API}/me/export/{export_id}", token)
    assert status == 200 and pending["status"] == "pending" and "url" not in pending
    await api.run_jobs()
    status, ready = await api.call("GET", f"{API}/me/export/{export_id}", token)
    assert status == 200 and ready["status"] == "ready", ready
    return ready


async def download(api, ready: dict) -> zipfile.ZipFile:
    response = await api.client.get(local(ready["url"]))  # no Authorization header: the signature is the permission
    assert response.status == 200 and response.content_type == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    data = await response.read()
    assert len(data) == ready["size"]
    return zipfile.ZipFile(io.BytesIO(data))


async def test_the_zip_holds_my_originals_and_my_data_as_json(api):
    me, token = await api.register("archivist")
    friend, friend_token = await api.register("friend")
    await follow(api, token, friend["user_id"])
    await follow(api, friend_token, me["user_id"])
    photos = [jpeg_bytes(80, 60, (10, 120, 200)), jpeg_bytes(40, 40, (250, 250, 0))]
    status, mine = await api.post_photo(token, "Beach day #sea", images=photos, alt_texts=["waves", "sun"])
    assert status == 201
    status, theirs = await api.post_photo(friend_token, "Lunch")
    assert status == 201
    their_post = theirs["post"]["post_id"]
    assert (await api.call("POST", f"{API}/posts/{their_post}/likes", token))[0] in (200, 201)
    assert (await api.call("POST", f"{API}/posts/{their_post}/comments", token, json={"text": "Looks tasty"}))[0] == 201

    ready = await ready_export(api, token)
    archive = await download(api, ready)

    assert ready["progress"] == 1.0
    names = set(archive.namelist())
    assert {"profile.json", "posts.json", "comments.json", "likes.json", "follows.json", "README.txt"} <= names
    originals = sorted(name for name in names if name.startswith("media/"))
    assert len(originals) == 2
    # The originals exactly as uploaded (the server strips metadata only from what it serves).
    assert sorted(hashlib.sha256(archive.read(n)).hexdigest() for n in originals) == sorted(hashlib.sha256(p).hexdigest() for p in photos)
    profile = json.loads(archive.read("profile.json"))
    assert profile["username"] == "archivist" and profile["user_id"] == me["user_id"]
    posts = json.loads(archive.read("posts.json"))
    assert [p["caption"] for p in posts] == ["Beach day #sea"]
    assert [m["alt_text"] for m in posts[0]["media"]] == ["waves", "sun"] and {m["file"] for m in posts[0]["media"]} == set(originals)
    comments = json.loads(archive.read("comments.json"))
    assert [(c["text"], c["post_id"], c["post_author"]) for c in comments] == [("Looks tasty", their_post, "friend")]
    likes = json.loads(archive.read("likes.json"))
    assert [(like["post_id"], like["post_author"]) for like in likes] == [(their_post, "friend")]
    follows = json.loads(archive.read("follows.json"))
    assert [f["username"] for f in follows["followers"]] == ["friend"] and [f["username"] for f in follows["following"]] == ["friend"]
    assert "Lunch" not in archive.read("posts.json").decode()  # only mine


async def test_others_cannot_read_my_export_or_forge_its_link(api):
    _, token = await api.register("owner")
    _, other_token = await api.register("snoop")
    await api.post_photo(token, "private things")
    ready = await ready_export(api, token)
    export_id = urlsplit(ready["url"]).path.split("/")[-2]

    status, body = await api.call("GET", f"{API}/me/export/{export_id}", other_token)
    assert status == 404 and body["error"]["code"] == "not_found"
    assert (await api.call("GET", f"{API}/me/export/{export_id}"))[0] == 401
    assert (await api.call("GET", f"{API}/me/export/12345", token))[0] == 404
    assert (await api.call("GET", f"{API}/me/export/nonsense", token))[0] == 404
    # The download link works only as signed.
    path, query = urlsplit(ready["url"]).path, urlsplit(ready["url"]).query
    tampered = query.replace("signature=", "signature=0")
    assert (await api.client.get(f"{path}?{tampered}")).status == 403
    assert (await api.client.get(path)).status == 403
    expires = int(query.split("expires=")[1].split("&")[0])
    later = query.replace(f"expires={expires}", f"expires={expires + 1}")
    assert (await api.client.get(f"{path}?{later}")).status == 403


async def test_a_second_export_while_one_runs_or_soon_after_is_429(api):
    _, token = await api.register("eager")
    status, first = await api.call("POST", f"{API}/me/export", token)
    assert status == 202
    response = await api.client.post(f"{API}/me/export", headers={"Authorization": f"Bearer {token}"})
    body = await response.json()
    assert response.status == 429 and body["error"]["code"] == "export_running" and int(response.headers["Retry-After"]) > 0
    await api.run_jobs()
    status, body = await api.call("POST", f"{API}/me/export", token)
    assert status == 429 and body["error"]["code"] == "export_too_soon"
    # Someone else is not held up by it.
    _, other_token = await api.register("patient")
    assert (await api.call("POST", f"{API}/me/export", other_token))[0] == 202


async def test_deleting_the_account_removes_its_exports(api):
    _, token = await api.register("leaving")
    await api.post_photo(token, "last photo")
    ready = await ready_export(api, token)
    row = await api.ctx.db.read(lambda conn: conn.fetch_one("SELECT blob_key FROM exports"))
    assert await api.ctx.blobs.exists(row["blob_key"])

    assert (await api.call("DELETE", f"{API}/me", token, json={"password": PASSWORD}))[0] == 204
    await api.run_jobs()

    assert await api.ctx.db.read(lambda conn: conn.fetch_val("SELECT COUNT(*) FROM exports")) == 0
    assert not await api.ctx.blobs.exists(row["blob_key"])
    assert (await api.client.get(local(ready["url"]))).status == 404


async def test_an_export_asked_for_before_the_account_went_leaves_nothing(api):
    user, token = await api.register("quick_exit")
    await api.post_photo(token, "a photo")
    status, body = await api.call("POST", f"{API}/me/export", token)
    assert status == 202
    assert (await api.call("DELETE", f"{API}/me", token, json={"password": PASSWORD}))[0] == 204
    await api.run_jobs()
    assert await api.ctx.db.read(lambda conn: conn.fetch_val("SELECT COUNT(*) FROM exports")) == 0
    assert not await api.ctx.blobs.exists(export_key(int(user["user_id"]), int(body["export_id"])))
    failed = await api.ctx.jobs.list_jobs("failed")
    assert not [job for job in failed if job.kind == "build_export"]


async def test_the_admin_check_does_not_take_a_ready_copy_for_garbage(api):
    _, token = await api.register("kept")
    await ready_export(api, token)
    key = await api.ctx.db.read(lambda conn: conn.fetch_val("SELECT blob_key FROM exports"))
    path = api.ctx.blobs.local_path(key)
    if path is not None:  # on local disk: make it older than the grace period for files nothing refers to
        an_hour_and_more = time.time() - 2 * 3600
        os.utime(path, (an_hour_and_more, an_hour_and_more))
    problems, _ = await api.ctx.admin.check(delete_unreferenced=True)
    assert not [p for p in problems if "unreferenced" in p or key in p]
    assert await api.ctx.blobs.exists(key)
