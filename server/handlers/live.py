"""Live notifications and new-post news as Server-Sent Events: /notifications/live."""

from __future__ import annotations

import contextlib

import orjson
from aiohttp import web

from ..context import CONTEXT
from ..web.middlewares import require_user
from ..web.routing import doc

routes = web.RouteTableDef()

SSE_HEADERS = {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache, no-transform",
    "X-Accel-Buffering": "no",  # nginx would otherwise hold events back in its buffer
}
HEARTBEAT = b": heartbeat\n\n"


def sse_event(name: str, data: dict) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


@routes.get("/api/v1/notifications/live")
@doc("Live news as Server-Sent Events, from any server process: an `unread` event with {unread_count} at once "
     "(the first one also lists the event names this stream sends: {\"events\": [\"unread\", \"feed\"]}) and "
     "whenever the count changes; a `feed` event {post_ids: [newest first]} when posts reach the caller's home "
     "feed (the author's own included; accounts too big to fan out announce nothing, so clients still look now "
     "and then; after a gap in delivery `post_ids` may be empty: look anyway); a heartbeat comment every 15 s.",
     tag="notifications", content_type="text/event-stream",
     responses={200: "text/event-stream of `unread` and `feed` events", 401: "no or bad token",
                429: "too_many_streams: this account already has 5 live connections", 503: "this process is full; retry"})
async def live(request: web.Request) -> web.StreamResponse:
    user_id = require_user(request)

    def gone() -> bool:  # the client closed the connection (aiohttp drops the transport once it has)
        transport = request.transport
        return transport is None or transport.is_closing()

    async with contextlib.aclosing(request.app[CONTEXT].live.events(user_id, gone)) as events:
        first = await anext(events)  # a refusal (too many streams) is still an ordinary JSON error here
        response = web.StreamResponse(headers=SSE_HEADERS)
        await response.prepare(request)
        try:
            await response.write(sse_event(*first))
            async for event in events:
                await response.write(HEARTBEAT if event is None else sse_event(*event))
        except ConnectionResetError:
            pass  # the client went away: the stream is closed by leaving the block
    return response
