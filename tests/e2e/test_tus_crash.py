"""A server killed (SIGKILL) in the middle of a resumable upload: after a restart the upload resumes at
the offset the server had recorded, and the file that becomes the post is byte for byte the one sent.
On local disk and on S3 (an S3 multipart upload through moto)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import urllib.request

import pytest
from tusclient.client import TusClient
from tusclient.uploader import Uploader

from tests.e2e.servers import ServerProcess
from tests.fixtures.videos import padded_video

MB = 1024 * 1024
SENT_BEFORE_KILL = 20 * MB  # past the server's first 16 MiB commit point
WAIT_SECONDS = 30


def call(server: ServerProcess, method: str, path: str, token: str | None = None, body: dict | None = None,
         headers: dict | None = None) -> tuple[int, dict, dict]:
    request = urllib.request.Request(server.url + path, method=method, data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json", **(headers or {}),
                                              **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
            return response.status, dict(response.headers), json.loads(raw) if raw else {}
    except urllib.error.HTTPError as error:
        raw = error.read()
        return error.code, dict(error.headers), json.loads(raw) if raw else {}


@pytest.fixture(params=["local", "s3"])
def server_env(request):
    if request.param == "local":
        yield {}
        return
    from tests.backends.s3 import fresh_s3

    with fresh_s3() as settings:
        yield {"PHOTOSHARE_BLOB_URL": settings["blob_url"], "PHOTOSHARE_S3_ACCESS_KEY": settings["s3_access_key"],
               "PHOTOSHARE_S3_SECRET_KEY": settings["s3_secret_key"]}


async def send_part_of_a_patch(port: int, path: str, token: str, data: bytes, sent: int):
    """A PATCH announcing all of ``data`` but sending only its first ``sent`` bytes, then holding the line."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (f"PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Tus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode()
    writer.write(head + data[:sent])
    await writer.drain()
    return writer


async def wait_for_offset(server: ServerProcess, path: str, token: str, at_least: int) -> int:
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        status, headers, _ = await asyncio.to_thread(call, server, "HEAD", path, token, headers={"Tus-Resumable": "1.0.0"})
        offset = int(headers.get("Upload-Offset", 0))
        if status == 200 and offset >= at_least:
            return offset
        assert asyncio.get_running_loop().time() < deadline, f"offset stayed at {offset}"
        await asyncio.sleep(0.05)


async def test_a_killed_server_resumes_at_the_recorded_offset(tmp_path, server_env):
    video = tmp_path / "clip.mp4"
    padded_video(video, 24 * MB)
    data = video.read_bytes()
    server = ServerProcess(tmp_path / "data", env=server_env).start()
    try:
        _, _, answer = call(server, "POST", "/api/v1/auth/register", body={"username": "crashy", "password": "correct horse battery"})
        token = answer["token"]
        status, headers, _ = call(server, "POST", "/api/v1/uploads/tus", token, headers={
            "Tus-Resumable": "1.0.0", "Upload-Length": str(len(data)), "Upload-Metadata": "filetype dmlkZW8vbXA0"})
        assert status == 201
        location = headers["Location"]

        writer = await send_part_of_a_patch(server.port, location, token, data, SENT_BEFORE_KILL)
        recorded = await wait_for_offset(server, location, token, 16 * MB)  # a commit point passed mid-PATCH
        server.kill()  # SIGKILL, the PATCH still open
        writer.transport.abort()
        with contextlib.suppress(Exception):
            writer.close()

        server.start()
        status, headers, _ = call(server, "HEAD", location, token, headers={"Tus-Resumable": "1.0.0"})
        offset = int(headers["Upload-Offset"])
        assert status == 200 and recorded <= offset <= SENT_BEFORE_KILL

        # A real client takes it from there: it asks for the offset and sends only the rest.
        client = TusClient(server.url + "/api/v1/uploads/tus", headers={"Authorization": f"Bearer {token}"})
        uploader = Uploader(file_path=str(video), client=client, url=server.url + location, chunk_size=4 * MB)
        assert uploader.offset == offset
        await asyncio.to_thread(uploader.upload)

        status, _, body = call(server, "POST", "/api/v1/posts", token, body={"upload_ids": [location.rsplit("/", 1)[1]]})
        assert status == 201, body
        digest = hashlib.sha256(data).hexdigest()
        key = f"o/{answer['user']['user_id']}/{digest[:2]}/{digest}"  # originals are keyed by their SHA-256
        if server_env:
            from tests.backends.s3 import admin_client

            bucket = server_env["PHOTOSHARE_BLOB_URL"].split("://", 1)[1].split("?", 1)[0]
            assert admin_client().stat_object(bucket, key).size == len(data), "the original is the file that was sent"
        else:
            assert (server.data_dir / "media" / key).stat().st_size == len(data), "the original is the file that was sent"
    finally:
        server.stop()
