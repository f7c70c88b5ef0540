"""Explore (ranked posts from accounts the caller does not follow) and suggestions of whom to follow."""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..web.http import json_response, page_limit
from ..web.middlewares import require_user
from ..web.routing import doc

routes = web.RouteTableDef()
TAG = "explore"


@routes.get("/api/v1/explore")
@doc("Explore: visible posts from accounts the caller does not follow (not their own, not muted), ranked; "
     "at most two per author on a page, and the pages of one session (one chain of cursors) never repeat a post.",
     tag=TAG, query={"cursor": "opaque cursor from the previous page (it carries the session)", "limit": "1..50, default 20"},
     responses={200: "{posts, next_cursor}", 400: "bad cursor or limit", 401: "no or bad token"})
async def explore(request: web.Request) -> web.Response:
    viewer_id = require_user(request)
    posts, next_cursor = await request.app[CONTEXT].explore.page(viewer_id, request.query.get("cursor") or None, page_limit(request))
    return json_response({"posts": posts, "next_cursor": next_cursor})


@routes.get("/api/v1/suggestions/users")
@doc("Whom to follow: accounts followed by the people the caller follows, then accounts active here, "
     "each with a reason to show.", tag=TAG, query={"limit": "1..50, default 20"},
     responses={200: "{users}", 400: "bad limit", 401: "no or bad token"})
async def suggestions(request: web.Request) -> web.Response:
    viewer_id = require_user(request)
    return json_response({"users": await request.app[CONTEXT].suggestions.users(viewer_id, page_limit(request))})
