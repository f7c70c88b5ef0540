"""The home feed and profile timelines."""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..web.http import decode_cursor, encode_cursor, json_body_response, json_response, page_limit
from ..web.middlewares import require_user
from ..web.routing import doc

routes = web.RouteTableDef()
TAG = "feed"
PAGE_QUERY = {"cursor": "opaque cursor from the previous page", "limit": "1..50, default 20"}


def _before(request: web.Request) -> int | None:
    cursor = decode_cursor(request, 1)
    return cursor[0] if cursor else None


@routes.get("/api/v1/feed")
@doc("The home feed: the caller's posts and those of the people they follow, newest first.", tag=TAG, query=PAGE_QUERY,
     responses={200: "{posts, next_cursor}", 400: "bad cursor or limit", 401: "no or bad token"})
async def home(request: web.Request) -> web.Response:
    viewer_id = require_user(request)
    before, limit = _before(request), page_limit(request)
    feed = request.app[CONTEXT].feed
    if before is None:  # the page reloaded most, kept as a whole body
        return json_body_response(await feed.top_page_body(viewer_id, limit))
    posts, next_before = await feed.home(viewer_id, before, limit, serialized=True)
    return json_response({"posts": posts, "next_cursor": encode_cursor(next_before) if next_before else None})


@routes.get("/api/v1/users/{user}/posts")
@doc("A user's posts, newest first, with the user.", tag=TAG, query=PAGE_QUERY,
     responses={200: "{user, posts, next_cursor}", 400: "bad cursor or limit", 401: "no or bad token",
                403: "a private account, and the caller is not an approved follower", 404: "no such user"})
async def profile(request: web.Request) -> web.Response:
    viewer_id = require_user(request)
    before, limit = _before(request), page_limit(request)
    user, posts, next_before = await request.app[CONTEXT].feed.profile(viewer_id, request.match_info["user"], before, limit)
    return json_response({"user": user, "posts": posts, "next_cursor": encode_cursor(next_before) if next_before else None})
