"""Editing a post: PATCH /posts/{post_id} (caption and alt texts)."""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..web.http import json_response, path_id, read_json
from ..web.middlewares import require_user
from ..web.routing import doc

routes = web.RouteTableDef()


@routes.patch("/api/v1/posts/{post_id}")
@doc("Edit your post: its caption (hashtags and mentions follow; only newly mentioned people are notified) and/or "
     "its alt texts (one per photo or video, in order). The post then carries edited_at.", tag="posts",
     body={"caption": "string?", "alt_text": "[string]?"},
     responses={200: "{post}", 400: "caption_too_long, too many hashtags, alt texts not one per medium", 401: "no or bad token",
                403: "not the author", 404: "no such post, or not visible to you"})
async def edit_post(request: web.Request) -> web.Response:
    user_id = require_user(request)
    post_id = path_id(request, "post_id", "post")
    post = await request.app[CONTEXT].post_edits.edit(user_id, post_id, await read_json(request))
    return json_response({"post": post})
