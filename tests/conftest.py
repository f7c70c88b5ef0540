"""Shared fixtures: a real server app on a fresh data folder, and a small API helper."""

from __future__ import annotations

import contextlib
import importlib
import io
import itertools
import os
import tempfile

import pytest
from PIL import Image

from server.config import load


@pytest.fixture(scope="session")
def media_pool():
    """One media process pool for the whole run: starting worker processes per test would dominate the suite."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn"))
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)


# Which deployments the HTTP suite runs against. "embedded" is SQLite + memory + local disk; the others
# swap in real PostgreSQL, Redis and/or S3 (see tests/backends/). PHOTOSHARE_TEST_STACKS picks them,
# comma-separated, e.g. "embedded,scaled" or "postgres".
STACK_BACKENDS = {
    "embedded": (),
    "postgres": ("postgres",),
    "redis": ("redis",),
    "s3": ("s3",),
    "scaled": ("postgres", "redis", "s3"),
}
# Every web app the tests start (photoshare web, serve's child) keys its compressed engine files by the files'
# identity: one shared folder compresses them once per machine, not once per test (ui/web_front.py).
os.environ.setdefault("PHOTOSHARE_WEB_CACHE_DIR", os.path.join(tempfile.gettempdir(), f"photoshare-tests-web-cache-{os.getuid()}"))
TEST_STACKS = [name.strip() for name in os.environ.get("PHOTOSHARE_TEST_STACKS", "embedded").split(",") if name.strip()]


@pytest.fixture
def redis_server(tmp_path):
    """A throwaway ``redis-server`` of the test's own, for tests that stop and restart it."""
    from tests.redis_server import ThrowawayRedis

    server = ThrowawayRedis(tmp_path / "redis").start()
    yield server
    server.stop()


@pytest.fixture(params=list(STACK_BACKENDS))
def stack(request):
    """The stack a test runs on: each chosen one (``PHOTOSHARE_TEST_STACKS``); the others are deselected at
    collection, except where a test marked ``backends`` fits none of the chosen (``_stacks_for``)."""
    return request.param


def pytest_configure(config):
    config.addinivalue_line("markers", "backends(has=[], lacks=[]): run only in test stacks that have (or lack) these backends")


def _fits(stack_name: str, marker) -> bool:
    present = set(STACK_BACKENDS[stack_name])
    return set(marker.kwargs.get("has", ())) <= present and not set(marker.kwargs.get("lacks", ())) & present


def _stacks_for(marker) -> list[str]:
    """The chosen stacks a test runs on; for a test marked ``backends`` that fits none of them (the default
    choice is the embedded stack alone), the smallest stack that fits, so a Redis- or S3-only test is never
    left out of a run."""
    if marker is None:
        return TEST_STACKS
    fitting = [name for name in TEST_STACKS if _fits(name, marker)]
    return fitting or [next(name for name in STACK_BACKENDS if _fits(name, marker))]


def pytest_collection_modifyitems(config, items):
    """Each test keeps the stacks it runs on (never skipped): ``_stacks_for`` where the stack comes from the
    fixture above; where a module chooses its own stacks (a ``stack`` fixture of its own), those that fit its
    ``backends`` mark."""
    keep, drop = [], []
    for item in items:
        marker = item.get_closest_marker("backends")
        stack_name = item.callspec.params.get("stack") if hasattr(item, "callspec") else None
        if stack_name is not None:
            definitions = item._fixtureinfo.name2fixturedefs.get("stack", ())
            from_here = bool(definitions) and definitions[-1].func is stack.__wrapped__
            if from_here:
                wanted = stack_name in _stacks_for(marker)
            else:
                wanted = marker is None or _fits(stack_name, marker)
            if not wanted:
                drop.append(item)
                continue
        keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


WARM_WEB_CACHE = pytest.StashKey()


def pytest_collection_finish(session):
    """With browser tests to come, compress the web app's files into the shared folder now, in a process of the
    lowest priority, while the tests before them run (``tests/ui/warm_web_cache.py`` says why)."""
    if session.config.option.collectonly or not any(item.nodeid.startswith("tests/ui/") for item in session.items):
        return
    import subprocess
    import sys

    folder = os.environ["PHOTOSHARE_WEB_CACHE_DIR"]
    os.makedirs(folder, exist_ok=True)
    with open(folder.rstrip(os.sep) + "-warm.log", "ab") as log:  # beside the folder: it keeps only copies
        session.config.stash[WARM_WEB_CACHE] = subprocess.Popen(
            [sys.executable, "-m", "tests.ui.warm_web_cache"], cwd=os.path.dirname(os.path.dirname(__file__)),
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)


def pytest_sessionfinish(session):
    process = session.config.stash.get(WARM_WEB_CACHE, None)
    if process is not None and process.poll() is None:
        process.terminate()
        process.wait(10)


@pytest.fixture
def settings(tmp_path, stack):
    overrides = {"data_dir": str(tmp_path / "data"), "job_workers": 0, "media_processes": 1,
                 "rate_limit_user_writes": 100_000, "rate_limit_ip_writes": 100_000, "rate_limit_user_posts": 100_000}
    with contextlib.ExitStack() as backends:
        for backend in STACK_BACKENDS[stack]:
            module = importlib.import_module(f"tests.backends.{backend}")
            overrides.update(backends.enter_context(getattr(module, f"fresh_{backend}")()))
        yield load(overrides=overrides, environ={}, config_file=None)


def jpeg_bytes(width: int = 64, height: int = 48, color=(200, 80, 40)) -> bytes:
    image = Image.new("RGB", (width, height), color)
    for x in range(0, width, 8):  # some structure so encoders have real work
        for y in range(height):
            image.putpixel((x, y), (x % 256, y % 256, 128))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


class Api:
    """Talks to the app like a client would; every call returns (status, json)."""

    _names = itertools.count(1)

    def __init__(self, client) -> None:
        self.client = client

    @property
    def ctx(self):
        from server.context import CONTEXT

        return self.client.app[CONTEXT]

    async def call(self, method: str, path: str, token: str | None = None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = await self.client.request(method, path, headers=headers, **kwargs)
        body = await response.read()
        if response.content_type == "application/json":
            import orjson

            return response.status, orjson.loads(body)
        return response.status, body

    async def register(self, username: str | None = None, password: str = "correct horse battery") -> tuple[dict, str]:
        username = username or f"user{next(self._names)}"
        status, body = await self.call("POST", "/api/v1/auth/register", json={"username": username, "password": password})
        assert status == 201, body
        return body["user"], body["token"]

    async def post_photo(self, token: str, caption: str = "", images: list[bytes] | None = None, alt_texts: list[str] | None = None,
                         idempotency_key: str | None = None) -> tuple[int, dict]:
        import aiohttp

        form = aiohttp.FormData()
        for index, data in enumerate(images or [jpeg_bytes()]):
            form.add_field("media", data, filename=f"photo{index}.jpg", content_type="image/jpeg")
        for alt in alt_texts or []:
            form.add_field("alt_text", alt)
        form.add_field("caption", caption)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return await self.call("POST", "/api/v1/posts", token, data=form, headers=headers)

    async def run_jobs(self) -> None:
        """Run every queued background job to completion (tests run with no background workers)."""
        from server.bootstrap import job_handlers
        from server.jobs.runner import JobRunner

        runner = JobRunner(self.ctx.jobs, job_handlers(self.ctx), workers=0)
        await runner.drain()


def guarded_test_server(app, settings):
    """aiohttp's TestServer, serving through the production protocol (``server.web.serving``): JSON errors
    for requests aiohttp cannot parse, and the read timeouts."""
    from aiohttp.test_utils import TestServer

    from server.web.serving import GuardedAppRunner, ReadTimeouts

    class GuardedTestServer(TestServer):
        async def _make_runner(self, **kwargs):
            return GuardedAppRunner(self.app, timeouts=ReadTimeouts.from_settings(settings), **kwargs)

    return GuardedTestServer(app)


@pytest.fixture
async def client(settings, aiohttp_client, media_pool):
    # `settings` before `aiohttp_client`: fixtures are torn down in reverse, so the app closes (and lets go of its
    # PostgreSQL connections) before its database is dropped; the other way round every unit run while closing
    # waited for a connection to a database that was gone (30 s per test).
    from server.web.app import create_app

    return await aiohttp_client(guarded_test_server(create_app(settings, media_pool=media_pool), settings))


@pytest.fixture
def api(client):
    return Api(client)
