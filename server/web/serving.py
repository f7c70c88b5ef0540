"""Serving the app over HTTP: aiohttp's server with two guards it lacks.

- **JSON errors below the app.** A request aiohttp cannot parse (a bad request line, a header line
  over 8,190 bytes, a NUL in a header) never reaches the app's middleware; aiohttp answers it with
  plain text. ``GuardedRequestHandler.handle_error`` answers those with the API's error shape
  ``{"error": {"code", "message", "request_id"}}`` like every other failure.
- **Read timeouts.** aiohttp 3.14 has a keep-alive timeout for idle connections but no timeout for
  a request's head or body (its old ``slow_request_timeout`` went in 2.0), so a client sending its
  headers a byte at a time, or stalling in its body, holds a connection and a task for ever. Each
  connection here has a watchdog: the head must be complete ``header_timeout_seconds`` after its
  first byte (a new connection's, after it opens), and a body may go ``body_timeout_seconds``
  without a byte while the server is ready to read it; otherwise the connection is closed.

``run_app`` replaces ``aiohttp.web.run_app`` (which cannot take another runner) and ``GuardedAppRunner``
replaces ``web.AppRunner`` for tests that serve the app on a real port.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import LineTooLong
from aiohttp.web_protocol import RequestHandler

from .middlewares import REQUEST_ID_HEADER, _HTTP_CODES, _new_request_id, error_response

log = logging.getLogger("photoshare.http")

# How often, as a share of the shorter timeout, each connection's watchdog looks: a slow client is
# closed between 1 and 1.25 timeouts after its deadline, for one timer call per connection per tick.
WATCH_TICKS_PER_TIMEOUT = 4
MIN_WATCH_SECONDS = 0.05
KEEPALIVE_SECONDS = 75  # an idle keep-alive connection's life, as web.run_app sets it


class ReadTimeouts:
    def __init__(self, header_seconds: float, body_seconds: float) -> None:
        if header_seconds <= 0 or body_seconds <= 0:
            raise ValueError("read timeouts must be positive")
        self.header_seconds = header_seconds
        self.body_seconds = body_seconds
        self.tick_seconds = max(MIN_WATCH_SECONDS, min(header_seconds, body_seconds) / WATCH_TICKS_PER_TIMEOUT)

    @classmethod
    def from_settings(cls, settings) -> "ReadTimeouts":
        return cls(float(settings.header_timeout_seconds), float(settings.body_timeout_seconds))


class GuardedRequestHandler(RequestHandler):
    """aiohttp's per-connection protocol, plus JSON parse errors and the read watchdog.

    Relies on aiohttp's ``_request_count`` (one more per parsed request head) and ``_messages`` (the
    parsed heads with their body streams, in order); both are pinned with aiohttp in pyproject.toml.
    """

    def __init__(self, manager: web.Server, *, timeouts: ReadTimeouts, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._timeouts = timeouts
        self._head_started: float | None = None  # loop time of the first byte of an unfinished request head
        self._last_data = 0.0
        self._body: Any = None  # the body stream of the latest request
        self._watch_handle: asyncio.TimerHandle | None = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        now = self._loop.time()
        self._head_started = now  # a new connection owes its first request head
        self._last_data = now
        self._watch_handle = self._loop.call_at(now + self._timeouts.tick_seconds, self._watch)

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._watch_handle is not None:
            self._watch_handle.cancel()
            self._watch_handle = None
        body, self._body = self._body, None
        super().connection_lost(exc)
        # aiohttp ends the body of the request whose handler is running; a request whose handler has not
        # started yet (on Python < 3.12 it starts a loop turn later) would wait for the rest of its body
        # for ever. End that one too: its handler then sees the connection lost, with what had arrived.
        if body is not None and not body.is_eof() and body.exception() is None:
            body.set_exception(ConnectionResetError("Connection lost"))

    def data_received(self, data: bytes) -> None:
        if self._upgraded or self._payload_parser is not None:  # a websocket: its own pings govern it
            self._head_started = None
            self._body = None
            super().data_received(data)
            return
        now = self._loop.time()
        self._last_data = now
        in_body = self._body is not None and not self._body.is_eof()
        heads = self._request_count
        super().data_received(data)
        if self._request_count != heads:  # a head completed: its body (if any) is what comes next
            self._head_started = None
            self._body = self._messages[-1][1] if self._messages else None
        elif not in_body and self._head_started is None and data:
            self._head_started = now  # bytes outside a body: the start of the next request's head

    def _watch(self) -> None:
        self._watch_handle = None
        transport = self.transport
        if transport is None or self._force_close:
            return
        now = self._loop.time()
        if self._head_started is not None and now - self._head_started > self._timeouts.header_seconds:
            log.info("closing a connection from %s: no complete request head within %.1f s",
                     _peer(transport), self._timeouts.header_seconds)
            self.force_close()
            return
        body = self._body
        # The client is late only while the server is ready for more (reading not paused by a full buffer).
        if body is not None and not body.is_eof() and transport.is_reading() \
                and now - self._last_data > self._timeouts.body_seconds:
            log.info("closing a connection from %s: its request body stalled for %.1f s",
                     _peer(transport), self._timeouts.body_seconds)
            self.force_close()
            return
        self._watch_handle = self._loop.call_at(now + self._timeouts.tick_seconds, self._watch)

    def handle_error(self, request, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        """aiohttp's own failures (requests it cannot parse, errors outside the app) as JSON errors."""
        if request.writer.output_size > 0:  # an answer already began: the connection can only be dropped
            raise ConnectionError("Response is sent already, cannot send another response with the error message")
        if status >= 500:
            self.log_exception("Error handling request from %s", request.remote, exc_info=exc)
        else:  # a stranger's malformed request is theirs to fix, not the operator's: no traceback in the log
            log.debug("unreadable request from %s: %s", request.remote, _plain(message))
        request_id = _new_request_id()
        if status >= 500:
            code = "internal_error"
            text = f"Something went wrong on the server. Quote request id {request_id} when you report it."
        else:
            code = "headers_too_large" if isinstance(exc, LineTooLong) else _HTTP_CODES.get(status, "bad_request")
            text = _plain(message) or "The request could not be read."
        response = error_response(status, code, text, request_id)
        response.headers[REQUEST_ID_HEADER] = request_id
        response.force_close()
        return response


def _plain(message: str | None) -> str:
    """aiohttp's parser message as one readable line (it may quote raw bytes over several lines)."""
    if not message:
        return ""
    return " ".join(message.split())[:300]


def _peer(transport) -> str:
    peer = transport.get_extra_info("peername")
    return str(peer[0]) if isinstance(peer, tuple) and peer else "unknown"


class GuardedServer(web.Server):
    """aiohttp's low-level server, making ``GuardedRequestHandler`` protocols."""

    def __init__(self, handler, *, timeouts: ReadTimeouts, **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self.timeouts = timeouts

    def __call__(self) -> RequestHandler:
        return GuardedRequestHandler(self, timeouts=self.timeouts, loop=self._loop, **self._kwargs)


class GuardedAppRunner(web.AppRunner):
    """``web.AppRunner`` serving through ``GuardedServer``."""

    def __init__(self, app: web.Application, *, timeouts: ReadTimeouts, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        self._timeouts = timeouts

    async def _make_server(self) -> web.Server:
        plain = await super()._make_server()  # runs the app's startup; its server is built as aiohttp would
        return GuardedServer(plain.request_handler, request_factory=plain.request_factory,
                             handler_cancellation=plain.handler_cancellation, loop=asyncio.get_running_loop(),
                             timeouts=self._timeouts, **plain._kwargs)


async def _serve(runner: GuardedAppRunner, host: str, port: int, reuse_port: bool | None) -> None:
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port, reuse_port=reuse_port).start()
        await asyncio.Event().wait()  # until a signal raises GracefulExit
    finally:
        await runner.cleanup()


def run_app(app: web.Application, settings, *, host: str, port: int, reuse_port: bool | None = None,
            shutdown_timeout: float = 10.0) -> None:
    """Serve ``app`` until SIGINT or SIGTERM, as ``web.run_app`` does, through the guarded server."""
    runner = GuardedAppRunner(app, timeouts=ReadTimeouts.from_settings(settings), handle_signals=True,
                              access_log=None, keepalive_timeout=KEEPALIVE_SECONDS, shutdown_timeout=shutdown_timeout)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    main = loop.create_task(_serve(runner, host, port, reuse_port))
    try:
        loop.run_until_complete(main)
    except (web.GracefulExit, KeyboardInterrupt):
        pass
    finally:
        main.cancel()
        with contextlib.suppress(asyncio.CancelledError, web.GracefulExit, KeyboardInterrupt):
            loop.run_until_complete(main)  # runs runner.cleanup(): shutdown hooks, then the app's cleanup
        rest = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in rest:
            task.cancel()
        if rest:
            loop.run_until_complete(asyncio.gather(*rest, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        asyncio.set_event_loop(None)
        loop.close()
