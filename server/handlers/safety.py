"""Blocks and mutes: /users/{user}/block, /users/{user}/mute, and the caller's lists of both."""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..web.http import decode_cursor, encode_cursor, json_response, page_limit
from ..web.middlewares import require_user
from ..web.routing import doc

routes = web.RouteTableDef()
TAG = "safety"
PAGE_QUERY = {"cursor": "opaque cursor from the previous page", "limit": "1..50, default 20"}


@routes.post("/api/v1/users/{user}/block")
@doc("Block a user: follows and requests end both ways, each leaves the other's feed, and neither sees the other.",
     tag=TAG, responses={200: "{blocking: true}", 400: "cannot block yourself", 401: "no or bad token", 404: "no such user"})
async def block(request: web.Request) -> web.Response:
    return json_response(await request.app[CONTEXT].safety.block(require_user(request), request.match_info["user"]))


@routes.delete("/api/v1/users/{user}/block")
@doc("Unblock a user.", tag=TAG,
     responses={200: "{blocking: false}", 400: "cannot block yourself", 401: "no or bad token", 404: "no such user",
                409: "not blocking"})
async def unblock(request: web.Request) -> web.Response:
    return json_response(await request.app[CONTEXT].safety.unblock(require_user(request), request.match_info["user"]))


@routes.post("/api/v1/users/{user}/mute")
@doc("Mute a user: their posts leave the caller's home feed and their stories the tray; nothing else changes.",
     tag=TAG, responses={200: "{muting: true}", 400: "cannot mute yourself", 401: "no or bad token", 404: "no such user"})
async def mute(request: web.Request) -> web.Response:
    return json_response(await request.app[CONTEXT].safety.mute(require_user(request), request.match_info["user"]))


@routes.delete("/api/v1/users/{user}/mute")
@doc("Unmute a user.", tag=TAG,
     responses={200: "{muting: false}", 400: "cannot mute yourself", 401: "no or bad token", 404: "no such user",
                409: "not muting"})
async def unmute(request: web.Request) -> web.Response:
    return json_response(await request.app[CONTEXT].safety.unmute(require_user(request), request.match_info["user"]))


async def _listed(request: web.Request, which: str) -> web.Response:
    users, after = await request.app[CONTEXT].safety.listed(
        require_user(request), which, decode_cursor(request, 2), page_limit(request))
    return json_response({"users": users, "next_cursor": encode_cursor(*after) if after else None})


@routes.get("/api/v1/me/blocks")
@doc("Whom the caller blocks, most recent first.", tag=TAG, query=PAGE_QUERY,
     responses={200: "{users, next_cursor}", 400: "bad cursor or limit", 401: "no or bad token"})
async def my_blocks(request: web.Request) -> web.Response:
    return await _listed(request, "blocks")


@routes.get("/api/v1/me/mutes")
@doc("Whom the caller mutes, most recent first.", tag=TAG, query=PAGE_QUERY,
     responses={200: "{users, next_cursor}", 400: "bad cursor or limit", 401: "no or bad token"})
async def my_mutes(request: web.Request) -> web.Response:
    return await _listed(request, "mutes")
