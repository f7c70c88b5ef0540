"""Notifications: /notifications (newest first, with the unread count) and /notifications/read.

Live nudges about new notifications are in ``live.py`` (/notifications/live).
"""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..web.http import decode_cursor, json_response, page_limit, read_json
from ..web.middlewares import require_user
from ..web.routing import doc
from .discovery import PAGE_QUERY

routes = web.RouteTableDef()


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
