"""Server-Sent Events in tests: opening the live stream, and reading its next event (skipping heartbeats)."""

from __future__ import annotations

import asyncio
import contextlib

import orjson

EVENT_TIMEOUT_SECONDS = 10


async def next_event(response, timeout: float = EVENT_TIMEOUT_SECONDS) -> tuple[str, dict]:
    """(event name, data) of the next event on an open ``text/event-stream`` response."""

    async def read() -> tuple[str, dict]:
        name, data = "message", b""
        while True:
            line = (await response.content.readline()).rstrip(b"\r\n")
            if not line:
                if data:
                    return name, orjson.loads(data)
                if response.content.at_eof():
                    raise EOFError("the event stream ended")
                continue
            if line.startswith(b":"):
                continue  # a heartbeat comment
            field, _, value = line.partition(b":")
            value = value.removeprefix(b" ")
            if field == b"event":
                name = value.decode()
            elif field == b"data":
                data += value

    return await asyncio.wait_for(read(), timeout)


LIVE_PATH = "/api/v1/notifications/live"


async def open_stream(api, token: str):
    """An open live stream (``GET /notifications/live``) on the in-process test server, as ``token``'s account."""
    response = await api.client.get(LIVE_PATH, headers={"Authorization": f"Bearer {token}"})
    assert response.status == 200 and response.content_type == "text/event-stream"
    return response


@contextlib.asynccontextmanager
async def live_stream(api, token: str):
    """``open_stream`` for the length of a ``with`` block: closed however the block ends."""
    response = await open_stream(api, token)
    try:
        yield response
    finally:
        response.close()


# No post has this id: the marker ``assert_nothing_sent`` sends.
MARKER_POST_ID = 2**62


async def assert_nothing_sent(api, stream, user_id) -> None:
    """The stream carried nothing since the last event read from it, proved without waiting out a clock.

    A feed hint for ``user_id`` goes out now through the server's broker, which delivers in order: it must be
    the very next event, and alone. News sent before it would come first, or in the same event (a stream
    merges what is due into one ``unread`` and one ``feed`` event)."""
    from server.broker.base import NOTIFY_CHANNEL

    api.ctx.broker.publish(NOTIFY_CHANNEL, {"feed": [int(user_id)], "post": MARKER_POST_ID})
    assert await next_event(stream) == ("feed", {"post_ids": [str(MARKER_POST_ID)]})
