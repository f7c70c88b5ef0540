"""Reporting a post, a comment or an account: POST /reports."""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..web.http import json_response, read_json
from ..web.middlewares import require_user
from ..web.routing import doc

routes = web.RouteTableDef()
TAG = "safety"


@routes.post("/api/v1/reports")
@doc("Report a post, a comment or an account you can see. Reported by enough people, it is hidden until a moderator"
     " reviews it; you hear the outcome in your notifications.", tag=TAG,
     body={"target_type": "string", "target_id": "string", "reason": "string", "note": "string?"},
     responses={201: "{report_id}", 400: "bad target type, id or reason, or your own", 401: "no or bad token",
                404: "no such target (or one you cannot see)", 409: "already reported by you",
                429: "too many reports; Retry-After says when to try again"})
async def report(request: web.Request) -> web.Response:
    user_id = require_user(request)
    data = await read_json(request)
    return json_response(await request.app[CONTEXT].moderation.report(user_id, data), status=201)
