"""Search and hashtag pages: /search, /tags/{tag}/posts."""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..web.http import decode_cursor, json_response, page_limit
from ..web.middlewares import require_user
from ..web.routing import doc

routes = web.RouteTableDef()
PAGE_QUERY = {"cursor": "next_cursor of the previous page", "limit": "1..50, default 20"}


@routes.get("/api/v1/search")
@doc("Usernames and hashtags starting with q ('@ab' users only, '#ab' hashtags only).", tag="discovery",
     query={"q": "a prefix, optionally starting with @ or #"},
     responses={200: "{users, hashtags: [{tag, post_count}]}", 400: "empty or too long q", 401: "no or bad token"})
async def search(request: web.Request) -> web.Response:
    viewer_id = require_user(request)
    return json_response(await request.app[CONTEXT].search.search(request.query.get("q"), viewer_id))


@routes.get("/api/v1/tags/{tag}/posts")
@doc("Posts with a hashtag that you may see, newest first.", tag="discovery", query=PAGE_QUERY,
     responses={200: "{tag, posts, next_cursor}", 400: "not a hashtag, bad cursor or limit", 401: "no or bad token"})
async def tagged_posts(request: web.Request) -> web.Response:
    user_id = require_user(request)
    result = await request.app[CONTEXT].search.tagged_posts(
        user_id, request.match_info["tag"], decode_cursor(request), page_limit(request))
    return json_response(result)
