"""One Redis connection pool per process, and what every Redis user does when Redis is away.

Timelines, the job queue, rate limits and pub/sub all reach Redis through ``RedisLink.run``. A
connection error or timeout *opens the circuit*: for a backoff period (doubling up to a few seconds)
calls fail at once with ``RedisUnavailable`` instead of each waiting out a timeout, so callers fall back
(feeds from the database, rate limits open) at full speed. After the backoff the next call probes with
a PING; when it answers, the recovery hooks run (timelines forget what they may have missed) before
anything else uses Redis again. No restart is ever needed.

The URL is redis-py's (``redis://[user:password@]host:6379/0``, ``rediss://`` for TLS, ``unix://``) plus
one PhotoShare option, ``prefix``: every key and channel name starts with it, so one Redis can hold
several deployments (or test runs) side by side.

Hot single commands (a feed read's timeline script) go through ``call``: every ``call`` made during one
turn of the event loop is sent in one pipeline, on one pooled connection, in one round trip. redis-py spends
tens of microseconds a command on the pool, retries and bookkeeping around a command that Redis answers in
a few; under load, many requests share that cost instead of each paying it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Awaitable, Callable, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
T = TypeVar("T")

DEFAULT_PREFIX = "photoshare:"
# Connections per process. Requests take one for a command or a pipeline and give it back at once;
# the pub/sub listener holds one for good. Past this, callers wait (up to the command timeout) rather
# than open sockets without bound.
MAX_CONNECTIONS = 64
# One immediate retry on a fresh connection: after a Redis restart every pooled socket is dead, and
# the first command on each would otherwise fail although Redis is back.
COMMAND_RETRIES = 1
# Circuit backoff after a failure: short at first (a blip heals fast), never longer than the time a
# load balancer would tolerate /healthz failing after Redis is back.
# When every connection is busy a caller waits this long for one; longer means Redis or this process is
# overloaded, which callers then treat like an outage (fall back) instead of queueing without bound.
POOL_WAIT_SECONDS = 2.0
BACKOFF_FIRST_SECONDS = 0.25
BACKOFF_MAX_SECONDS = 4.0

CONNECTION_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError, asyncio.TimeoutError)


class RedisUnavailable(ConnectionError):
    """Redis cannot be reached right now; the message says why. Callers fall back or report it.

    A ``ConnectionError``, so code that knows nothing of Redis (the job runner, /healthz) can tell an
    unreachable backend from a bug."""


RecoveryHook = Callable[[aioredis.Redis], Awaitable[None]]


def split_url(url: str) -> tuple[str, str]:
    """(the URL redis-py understands, the key prefix) — ``prefix`` is ours, redis-py would refuse it."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefix = next((value for key, value in query if key == "prefix"), DEFAULT_PREFIX)
    rest = urlencode([(key, value) for key, value in query if key != "prefix"])
    return urlunsplit(parts._replace(query=rest)), prefix


class RedisLink:
    def __init__(self, url: str, *, timeout_seconds: float, metrics=None, clock=time.monotonic) -> None:
        plain_url, self.prefix = split_url(url)
        pool = aioredis.BlockingConnectionPool.from_url(
            plain_url,
            max_connections=MAX_CONNECTIONS,
            timeout=max(POOL_WAIT_SECONDS, timeout_seconds),
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            retry=Retry(NoBackoff(), COMMAND_RETRIES),
        )
        self.client = aioredis.Redis.from_pool(pool)
        self.url = plain_url
        self.timeout_seconds = timeout_seconds
        self.metrics = metrics
        self._clock = clock
        self._hooks: list[RecoveryHook] = []
        self._fault: str | None = None  # None while Redis answers
        self._retry_at = 0.0
        self._backoff = BACKOFF_FIRST_SECONDS
        self._probe: asyncio.Lock = asyncio.Lock()
        self._queued: list[tuple[tuple, asyncio.Future]] = []  # ``call``s waiting for this turn's pipeline
        self._sending: set[asyncio.Task] = set()
        self._set_up_gauge(1)

    # -- naming -----------------------------------------------------------------------------------
    def key(self, *parts: object) -> str:
        return self.prefix + ":".join(str(part) for part in parts)

    # -- lifecycle --------------------------------------------------------------------------------
    def on_recovery(self, hook: RecoveryHook) -> None:
        """Run ``hook(client)`` whenever Redis answers again after a fault, before any other use."""
        self._hooks.append(hook)

    async def open(self) -> None:
        """Check Redis once; a server that starts while Redis is down still serves (degraded)."""
        try:
            await self.ping()
        except RedisUnavailable as exc:
            log.warning("Redis is not reachable at start (%s); serving without it until it answers", exc)

    async def close(self) -> None:
        if self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)
        await self.client.aclose()

    # -- use --------------------------------------------------------------------------------------
    @property
    def healthy(self) -> bool:
        return self._fault is None

    @property
    def fault(self) -> str | None:
        return self._fault

    async def run(self, operation: Callable[[aioredis.Redis], Awaitable[T]]) -> T:
        """``await operation(client)``; RedisUnavailable at once while the circuit is open."""
        if self._fault is not None:
            await self._probe_if_due(force=False)
        try:
            return await operation(self.client)
        except CONNECTION_ERRORS as exc:
            self._went_down(exc)
            raise RedisUnavailable(self._fault) from exc

    async def call(self, *command: Any) -> Any:
        """One command's reply, the command sent in one pipeline with every other ``call`` of this loop turn.

        A reply that is an error (``NoScriptError``, a ``ResponseError``) is raised to its own caller only;
        RedisUnavailable, as from ``run``, when Redis cannot be reached."""
        if self._fault is not None:
            await self._probe_if_due(force=False)
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queued.append((command, future))
        if len(self._queued) == 1:
            loop.call_soon(self._send_queued)
        return await future

    def _send_queued(self) -> None:
        batch, self._queued = self._queued, []
        task = asyncio.get_running_loop().create_task(self._send(batch))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(self, batch: list[tuple[tuple, asyncio.Future]]) -> None:
        async def execute(client: aioredis.Redis) -> list:
            pipe = client.pipeline(transaction=False)
            for command, _ in batch:
                pipe.execute_command(*command)
            return await pipe.execute(raise_on_error=False)

        try:
            replies = await self.run(execute)
        except Exception as exc:  # every caller in the batch hears of it, each with its own exception
            for _, future in batch:
                if not future.done():
                    error = RedisUnavailable(str(exc)) if isinstance(exc, RedisUnavailable) else exc
                    future.set_exception(error)
            return
        except BaseException:  # cancelled (the loop is closing): nobody will be answered
            for _, future in batch:
                future.cancel()
            raise
        for (_, future), reply in zip(batch, replies):
            if future.done():
                continue  # its caller gave up (a client went away); the reply is not wanted
            if isinstance(reply, Exception):
                future.set_exception(reply)
            else:
                future.set_result(reply)

    async def ping(self) -> None:
        """For /healthz: probes at once even inside the backoff, so health reflects Redis right now."""
        if self._fault is not None:
            await self._probe_if_due(force=True)
            return
        await self.run(lambda client: client.ping())

    # -- the circuit ------------------------------------------------------------------------------
    async def _probe_if_due(self, *, force: bool) -> None:
        if self._probe.locked():
            # Another call is probing (bounded by the connect timeout): share its answer rather than guess.
            async with self._probe:
                pass
            if self._fault is None:
                return
            raise RedisUnavailable(self._fault)
        if not force and self._clock() < self._retry_at:
            raise RedisUnavailable(self._fault)
        async with self._probe:
            try:
                await self.client.ping()
                for hook in self._hooks:
                    await hook(self.client)
            except CONNECTION_ERRORS as exc:
                self._went_down(exc, probe_failed=True)
                raise RedisUnavailable(self._fault) from exc
            log.warning("Redis answers again at %s; back to normal", self.url)
            self._fault = None
            self._backoff = BACKOFF_FIRST_SECONDS
            self._set_up_gauge(1)

    def _went_down(self, exc: BaseException, *, probe_failed: bool = False) -> None:
        reason = f"{type(exc).__name__}: {exc}"[:200] if str(exc) else type(exc).__name__
        if self.metrics is not None:
            self.metrics.count("redis_errors_total")
        if self._fault is None:
            log.warning("Redis at %s is unreachable (%s); feeds come from the database and rate limits are open until it answers",
                        self.url, reason)
            self._backoff = BACKOFF_FIRST_SECONDS
        elif probe_failed:
            self._backoff = min(self._backoff * 2, BACKOFF_MAX_SECONDS)
        else:
            return  # another call that was already in flight when Redis went away: the circuit is open
        self._fault = reason
        self._retry_at = self._clock() + self._backoff
        self._set_up_gauge(0)

    def _set_up_gauge(self, value: int) -> None:
        if self.metrics is not None:
            self.metrics.set_gauge("redis_up", value)
