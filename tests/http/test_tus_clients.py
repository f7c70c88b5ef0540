"""Real tus clients against /api/v1/uploads/tus: tuspy (Python) and tus-js-client (Node.js, the client Uppy
uses), on local disk and on S3 (a multipart upload through moto), and through a link cut every megabyte.

The finished upload then becomes a post as a direct upload does, its bytes checked and stored as the original.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from tusclient.client import TusClient
from tusclient.uploader import Uploader

from tests.cutting_proxy import CuttingProxy
from tests.fixtures.videos import padded_video
from tests.services import require

TUS = "/api/v1/uploads/tus"
MB = 1024 * 1024
TUS_JS = Path(__file__).resolve().parents[1] / "tus_js"
NODE_TIMEOUT_SECONDS = 120


@pytest.fixture(params=["embedded", "scaled"])
def stack(request):
    return request.param


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> Path:
    """12 MB: on S3, two full 5 MiB parts and a last, smaller one."""
    path = tmp_path_factory.mktemp("tus-video") / "clip.mp4"
    padded_video(path, 12 * MB)
    return path


class Sha256Uploader(Uploader):
    CHECKSUM_ALGORITHM_PAIR = ("sha256", hashlib.sha256)  # tuspy sends SHA-1 unless told; the server takes sha256


def tuspy_upload(url: str, token: str, path: Path, chunk_size: int, checksum: bool = False) -> str:
    client = TusClient(url, headers={"Authorization": f"Bearer {token}"})
    uploader = Sha256Uploader(file_path=str(path), client=client, chunk_size=chunk_size, upload_checksum=checksum,
                              metadata={"filename": path.name, "filetype": "video/mp4"}, retries=5, retry_delay=0)
    uploader.upload()
    return uploader.url


async def publish(api, token, url: str) -> dict:
    status, body = await api.call("POST", "/api/v1/posts", token, json={"upload_ids": [url.rsplit("/", 1)[1]]})
    assert status == 201, body
    return body["post"]


async def assert_original_is(api, post: dict, path: Path) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    original = await api.ctx.db.read(lambda conn: conn.fetch_val("SELECT original_key FROM media WHERE post_id = ?",
                                                                 (int(post["post_id"]),)))
    assert original.endswith(digest) and await api.ctx.blobs.exists(original)
    assert post["media"][0]["type"] == "video"


async def test_tuspy_uploads_in_checksummed_chunks(api, video):
    _, token = await api.register()
    url = await asyncio.to_thread(tuspy_upload, str(api.client.make_url(TUS)), token, video, 1 * MB, True)
    post = await publish(api, token, url)
    await assert_original_is(api, post, video)


async def test_tus_js_client_uploads_in_chunks(api, video):
    _, token = await api.register()
    node = shutil.which("node")
    require(node is not None and (TUS_JS / "node_modules" / "tus-js-client").is_dir(),
            "tus-js-client needs Node.js and `npm ci` in tests/tus_js (.ci/run does both)")
    process = await asyncio.create_subprocess_exec(
        node, str(TUS_JS / "upload.mjs"), str(api.client.make_url(TUS)), token, str(video), str(2 * MB), "video/mp4",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), NODE_TIMEOUT_SECONDS)
    assert process.returncode == 0, err.decode()
    answer = json.loads(out)
    assert answer["progressCalls"] > 1
    post = await publish(api, token, answer["url"])
    await assert_original_is(api, post, video)


async def test_a_link_cut_every_megabyte_still_delivers_each_byte_once(api, video):
    _, token = await api.register()
    chunk = MB // 2  # tuspy's retries count per chunk: smaller than the cut interval, every chunk can finish
    async with CuttingProxy(api.client.port, cut_every=1 * MB) as proxy:
        url = await asyncio.to_thread(tuspy_upload, f"{proxy.url}{TUS}", token, video, chunk)
    size = video.stat().st_size
    assert proxy.cuts >= size // MB - 1
    # What reached the server: the file once, at most one chunk again, and the requests' own headers.
    header_allowance = 2048 * (proxy.connections + 2 * size // chunk)
    assert proxy.forwarded_up <= size + chunk + header_allowance, (proxy.forwarded_up, size)
    post = await publish(api, token, url)
    await assert_original_is(api, post, video)
