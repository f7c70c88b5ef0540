"""A real PhotoShare server process for the client core's tests, and signed-in API clients."""

from __future__ import annotations

import itertools
import os

import pytest

from app.api_client import ApiClient
from tests.e2e.servers import ServerProcess

# Tests post and like far faster than people do; the server's per-user limits would get in the way.
GENEROUS_LIMITS = {
    "PHOTOSHARE_RATE_LIMIT_USER_WRITES": "100000",
    "PHOTOSHARE_RATE_LIMIT_IP_WRITES": "100000",
    "PHOTOSHARE_RATE_LIMIT_USER_POSTS": "100000",
}
PASSWORD = "correct horse battery"
_names = itertools.count(1)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    server = ServerProcess(tmp_path_factory.mktemp("client-server") / "data", env=GENEROUS_LIMITS).start()
    yield server
    server.stop()


def unique_username(prefix: str = "user") -> str:
    return f"{prefix}{os.getpid() % 10000}_{next(_names)}"


@pytest.fixture
async def api(live_server):
    client = ApiClient(live_server.url)
    await client.register(unique_username(), PASSWORD)
    yield client
    await client.aclose()


@pytest.fixture
async def other_api(live_server):
    client = ApiClient(live_server.url)
    await client.register(unique_username("friend"), PASSWORD)
    yield client
    await client.aclose()


@pytest.fixture
def client_dir(tmp_path, monkeypatch):
    folder = tmp_path / "client"
    folder.mkdir()
    monkeypatch.setenv("PHOTOSHARE_CLIENT_DIR", str(folder))
    return folder
