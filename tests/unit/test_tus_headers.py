"""tus request headers parsed strictly: a malformed one is a clear 400, never a 500 or a guess."""

from __future__ import annotations

import base64
import hashlib
import os

import pytest

from server.jobs.database import HOST, process_identity
from server.services.resumable_uploads import _holder_is_dead, parse_checksum, parse_metadata
from server.web.errors import InvalidInput


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_metadata_pairs_and_keys_without_values():
    assert parse_metadata(f"filename {b64('ride é.mp4')},filetype {b64('video/mp4')},is_draft") == {
        "filename": "ride é.mp4", "filetype": "video/mp4", "is_draft": ""}
    assert parse_metadata(None) == {} and parse_metadata("") == {}


@pytest.mark.parametrize("header", [
    "filename not-base64!", f"filename {b64('a')},filename {b64('b')}", f",filename {b64('a')}", f"a {b64('x')} extra",
    f"name {b64(chr(0))}", "k " + "A" * 5000,
])
def test_malformed_metadata_is_refused(header):
    with pytest.raises(InvalidInput):
        parse_metadata(header)


def test_checksums_are_sha256_only():
    digest = hashlib.sha256(b"chunk").digest()
    assert parse_checksum("sha256 " + base64.b64encode(digest).decode()) == digest
    assert parse_checksum(None) is None
    for header in ("sha1 " + base64.b64encode(hashlib.sha1(b"x").digest()).decode(), "sha256 short", "sha256", "sha256 !!!!"):
        with pytest.raises(InvalidInput):
            parse_checksum(header)


def test_a_lock_held_by_a_dead_process_on_this_host_is_free():
    assert not _holder_is_dead(f"{process_identity()}#abc")  # this very process: alive
    assert _holder_is_dead(f"{HOST}:{os.getpid()}:1#abc")  # this pid in an earlier run
    assert _holder_is_dead(f"{HOST}:999999999:1#abc")  # no such process
    assert not _holder_is_dead(f"elsewhere:1:1#abc")  # another host's: only its lease can tell
    assert not _holder_is_dead(None) and not _holder_is_dead("garbage")
