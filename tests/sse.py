"""Reading Server-Sent Events in tests: the next event, skipping heartbeat comments."""

from __future__ import annotations

import asyncio

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
