"""A fresh Redis namespace per test: a unique key prefix on the shared server, deleted afterwards.

A prefix (not a database number) keeps concurrent test runs on one Redis apart without FLUSHDB, which
would wipe everyone else's keys. Channels carry the prefix too, so pub/sub messages stay private as well.
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Iterator
from urllib.parse import urlencode, urlsplit, urlunsplit

import redis

from tests.services import REDIS_URL, unavailable

CONNECT_TIMEOUT_SECONDS = 2.0
DELETE_BATCH = 500


def with_prefix(url: str, prefix: str) -> str:
    parts = urlsplit(url)
    query = "&".join(filter(None, [parts.query, urlencode({"prefix": prefix})]))
    return urlunsplit(parts._replace(query=query))


def delete_prefixed(client: redis.Redis, prefix: str) -> None:
    batch = []
    for key in client.scan_iter(match=prefix + "*", count=DELETE_BATCH):
        batch.append(key)
        if len(batch) >= DELETE_BATCH:
            client.delete(*batch)
            batch = []
    if batch:
        client.delete(*batch)


@contextlib.contextmanager
def fresh_redis(base_url: str = REDIS_URL) -> Iterator[dict]:
    client = redis.Redis.from_url(base_url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS, socket_timeout=CONNECT_TIMEOUT_SECONDS)
    try:
        client.ping()
    except redis.RedisError as exc:
        client.close()
        unavailable("Redis", f"{base_url}: {exc}")
    prefix = f"ptest:{uuid.uuid4().hex[:12]}:"
    try:
        yield {"redis_url": with_prefix(base_url, prefix)}
    finally:
        with contextlib.suppress(redis.RedisError):
            delete_prefixed(client, prefix)
        client.close()


@contextlib.asynccontextmanager
async def fresh_redis_link(timeout_seconds: float = CONNECT_TIMEOUT_SECONDS):
    """The server's own ``RedisLink`` on a fresh namespace, closed afterwards (for the backends' contract tests)."""
    from server.redislink import RedisLink

    with fresh_redis() as overrides:
        link = RedisLink(overrides["redis_url"], timeout_seconds=timeout_seconds)
        try:
            yield link
        finally:
            await link.close()
