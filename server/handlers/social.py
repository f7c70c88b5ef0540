"""Profiles and the follow graph: /users/{user}, followers, following, follow, follow requests.

``{user}`` is a decimal user id, ``@username`` or a plain username (all digits is always an id: see repos/user_refs.py).
"""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..http import decode_cursor, encode_cursor, json_response, page_limit, path_id
from ..middlewares import require_user
from ..routing import doc

routes = web.RouteTableDef()
TAG = "social"
PAGE_QUERY = {"cursor": "opaque cursor from the previous page", "limit": "1..50, default 20"}


def _users_page(users: list[dict], after: tuple[int, int] | None) -> web.Response:
    return json_response({"users": users, "next_cursor": encode_cursor(*after) if after else None})


@routes.get("/api/v1/users/{user}")
@doc("A user's profile, with whether the caller follows them or has asked to.", tag=TAG,
     responses={200: "{user}", 401: "no or bad token", 404: "no such user"})
async def get_user(request: web.Request) -> web.Response:
    view = await request.app[CONTEXT].follows.lookup(require_user(request), request.match_info["user"])
    return json_response({"user": view.user})


@routes.get("/api/v1/users/{user}/followers")
@doc("Who follows this user, newest first.", tag=TAG, query=PAGE_QUERY,
     responses={200: "{users, next_cursor}", 400: "bad cursor or limit", 401: "no or bad token",
                403: "a private account, and the caller is not an approved follower", 404: "no such user"})
async def followers(request: web.Request) -> web.Response:
    viewer_id = require_user(request)
    users, after = await request.app[CONTEXT].follows.followers(
        viewer_id, request.match_info["user"], decode_cursor(request, 2), page_limit(request))
    return _users_page(users, after)


@routes.get("/api/v1/users/{user}/following")
@doc("Whom this user follows, newest first.", tag=TAG, query=PAGE_QUERY,
     responses={200: "{users, next_cursor}", 400: "bad cursor or limit", 401: "no or bad token",
                403: "a private account, and the caller is not an approved follower", 404: "no such user"})
async def following(request: web.Request) -> web.Response:
    viewer_id = require_user(request)
    users, after = await request.app[CONTEXT].follows.following(
        viewer_id, request.match_info["user"], decode_cursor(request, 2), page_limit(request))
    return _users_page(users, after)


@routes.post("/api/v1/users/{user}/follow")
@doc("Follow a user; a private account gets a follow request instead.", tag=TAG,
     responses={200: "{following: true} or {requested: true}", 400: "cannot follow yourself", 401: "no or bad token",
                404: "no such user", 409: "already following, or already requested"})
async def follow(request: web.Request) -> web.Response:
    result = await request.app[CONTEXT].follows.follow(require_user(request), request.match_info["user"])
    return json_response(result)


@routes.delete("/api/v1/users/{user}/follow")
@doc("Unfollow a user, or withdraw a pending follow request.", tag=TAG,
     responses={200: "{following: false}", 401: "no or bad token", 404: "no such user", 409: "not following"})
async def unfollow(request: web.Request) -> web.Response:
    result = await request.app[CONTEXT].follows.unfollow(require_user(request), request.match_info["user"])
    return json_response(result)


@routes.get("/api/v1/me/follow_requests")
@doc("People asking to follow the caller's private account, newest first.", tag=TAG, query=PAGE_QUERY,
     responses={200: "{users, next_cursor}", 400: "bad cursor or limit", 401: "no or bad token"})
async def follow_requests(request: web.Request) -> web.Response:
    users, after = await request.app[CONTEXT].follows.follow_requests(
        require_user(request), decode_cursor(request, 2), page_limit(request))
    return _users_page(users, after)


@routes.post("/api/v1/me/follow_requests/{user_id}/approve")
@doc("Let someone who asked follow the caller.", tag=TAG,
     responses={200: "{approved: true}", 401: "no or bad token", 404: "no such request"})
async def approve(request: web.Request) -> web.Response:
    user_id = require_user(request)
    result = await request.app[CONTEXT].follows.approve(user_id, path_id(request, "user_id", "follow request"))
    return json_response(result)


@routes.post("/api/v1/me/follow_requests/{user_id}/deny")
@doc("Turn down a follow request.", tag=TAG,
     responses={200: "{approved: false}", 401: "no or bad token", 404: "no such request"})
async def deny(request: web.Request) -> web.Response:
    user_id = require_user(request)
    result = await request.app[CONTEXT].follows.deny(user_id, path_id(request, "user_id", "follow request"))
    return json_response(result)
