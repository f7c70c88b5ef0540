"""Search, hashtag pages and notifications: /search, /tags/{tag}/posts, /notifications."""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..http import decode_cursor, json_response, page_limit, read_json
from ..middlewares import require_user
from ..routing import doc

routes = web.RouteTableDef()
PAGE_QUERY = {"cursor": "next_cursor of the previous page", "limit": "1..50, default 20"}


@routes.get("/api/v1/search")
@doc("Usernames and hashtags starting with q ('@ab' users only, '#ab' hashtags only).", tag="discovery",
     query={"q": "a prefix, optionally starting with @ or #"},
     responses={200: "{users, hashtags: [{tag, post_count}]}", 400: "empty or too long q", 401: "no or bad token"})
async def search(request: web.Request) -> web.Response:
    require_user(request)
    return json_response(await request.app[CONTEXT].search.search(request.query.get("q")))


@routes.get("/api/v1/tags/{tag}/posts")
@doc("Posts with a hashtag that you may see, newest first.", tag="discovery", query=PAGE_QUERY,
     responses={200: "{tag, posts, next_cursor}", 400: "not a hashtag, bad cursor or limit", 401: "no or bad token"})
async def tagged_posts(request: web.Request) -> web.Response:
    user_id = require_user(request)
    result = await request.app[CONTEXT].search.tagged_posts(
        user_id, request.match_info["tag"], decode_cursor(request), page_limit(request))
    return json_response(result)


@routes.get("/api/v1/notifications")
@doc("Your notifications, newest first, and how many are unread.", tag="notifications", query=PAGE_QUERY,
     responses={200: "{notifications, next_cursor, unread_count}", 400: "bad cursor or limit", 401: "no or bad token"})
async def notifications(request: web.Request) -> web.Response:
    user_id = require_user(request)
    result = await request.app[CONTEXT].notifications.recent(user_id, decode_cursor(request), page_limit(request))
    return json_response(result)


@routes.post("/api/v1/notifications/read")
@doc("Mark notifications read: the listed notification ids, or all of them without a body (or without 'ids').",
     tag="notifications", body={"ids": "[string]?"},
     responses={200: "{unread_count}", 400: "ids is not a list of ids", 401: "no or bad token"})
async def mark_read(request: web.Request) -> web.Response:
    user_id = require_user(request)
    data = await read_json(request, required=False)
    return json_response(await request.app[CONTEXT].notifications.mark_read(user_id, data.get("ids")))
