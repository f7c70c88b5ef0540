"""Damaged media through the real intake: every decoder failure is 400 invalid_media, never a 500 or a hang.

Seeds are real files of every accepted format (JPEG, PNG, HEIC, AVIF, WebP, GIF, MP4), made here;
Hypothesis drives random damage to them (changed, overwritten, inserted and deleted bytes, truncation) and posts each
as a photo or video. The example count is bounded and the examples are derandomized, so the run is
the same on every machine and takes well under a minute.
"""

from __future__ import annotations

import asyncio
import functools
import random

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.images import encoded, photographic
from tests.fixtures.videos import make_video

API = "/api/v1"
EXAMPLES_PER_FORMAT = 60
CASE_SECONDS = 30  # a case taking longer counts as a hang (the video probe's own limit is 20 s)
MEDIA_CODES = {"invalid_media", "unsupported_media", "too_large"}


@functools.cache
def seed(fmt: str) -> tuple[bytes, str]:
    """A small valid file of ``fmt`` and its content type."""
    picture = photographic((48, 36), 7)
    if fmt == "heic":
        import pillow_heif

        pillow_heif.register_heif_opener()
        return encoded(picture, "HEIF", quality=60), "image/heic"
    if fmt == "mp4":
        import tempfile
        from pathlib import Path

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "seed.mp4"
            make_video(path, 0.4, size=(64, 48), fps=10, audio=False)
            return path.read_bytes(), "video/mp4"
    params = {"quality": 70} if fmt in ("jpeg", "webp", "avif") else {}
    return encoded(picture, fmt.upper(), **params), f"image/{fmt}"


def mutate(data: bytes, rng: random.Random) -> bytes:
    """A few random damages: mostly changed bytes (which keep a file's structure, so the decoder gets far),
    sometimes overwritten, inserted or deleted runs, or a truncation."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        at = rng.randrange(len(out)) if out else 0
        kind = rng.choices(["change", "overwrite", "insert", "delete", "truncate"], weights=[12, 2, 2, 2, 1])[0]
        if kind == "change":
            out[at:at + 1] = bytes([rng.randrange(256)])
        elif kind == "overwrite":
            out[at:at + 8] = rng.randbytes(rng.randint(1, 8))
        elif kind == "insert":
            out[at:at] = rng.randbytes(rng.randint(1, 64))
        elif kind == "delete":
            del out[at:at + rng.randint(1, 64)]
        else:
            del out[max(at, 1):]
    return bytes(out)


FORMATS = ["jpeg", "png", "heic", "avif", "webp", "gif", "mp4"]


async def post_file(api, token: str, data: bytes, content_type: str) -> tuple[int, dict]:
    form = aiohttp.FormData()
    form.add_field("media", data, filename="fuzzed", content_type=content_type)
    return await asyncio.wait_for(api.call("POST", f"{API}/posts", token, data=form), CASE_SECONDS)


async def token_for(api) -> str:
    """One account per app: Hypothesis runs every example against the same test's app."""
    if not hasattr(api, "fuzz_token"):
        _, api.fuzz_token = await api.register()
    return api.fuzz_token


@pytest.mark.parametrize("fmt", FORMATS)
async def test_seeds_are_accepted(api, fmt):
    """The unmutated seeds are good files: the mutations below start from media the server takes."""
    data, content_type = seed(fmt)
    status, body = await post_file(api, await token_for(api), data, content_type)
    assert status == 201, body


@pytest.mark.parametrize("fmt", FORMATS)
@settings(max_examples=EXAMPLES_PER_FORMAT, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rng=st.randoms(use_true_random=True))
async def test_mutated_media_never_errors_the_server(api, fmt, rng):
    seed_bytes, content_type = seed(fmt)
    data = mutate(seed_bytes, rng)
    status, body = await post_file(api, await token_for(api), data, content_type)
    assert status in (201, 400), (status, body)
    if status == 400:
        assert body["error"]["code"] in MEDIA_CODES, body


async def test_an_avif_whose_primary_item_is_missing_is_invalid_media(api):
    """The probe's case: libavif raises RuntimeError for it, which was a 500 during inspection."""
    data, content_type = seed("avif")
    at = data.index(b"pitm") + 8  # after the box's size, type, version and flags: the primary item's id
    damaged = data[:at] + b"\x77\x77" + data[at + 2:]
    status, body = await post_file(api, await token_for(api), damaged, content_type)
    assert status == 400 and body["error"]["code"] == "invalid_media", body
    assert "AVIF" in body["error"]["message"]
