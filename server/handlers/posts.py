"""Posts: create (multipart), read, delete."""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..services.posts import check_idempotency_key
from ..web.http import json_response, no_content, path_id, read_json
from ..web.middlewares import current_user, require_user
from ..web.routing import doc
from ..web.uploads import receive_post_form

routes = web.RouteTableDef()
TAG = "posts"


@routes.post("/api/v1/posts")
@doc("Publish a post: multipart 'media' (1–10 photos or videos), 'caption', 'alt_text' (one per file); "
     "or JSON {upload_ids, caption, alt_text} after direct uploads. "
     "Send an Idempotency-Key header so a retry returns the same post.", tag=TAG, content_type="multipart/form-data",
     responses={201: "{post} (media may still be processing)", 400: "invalid_media, unsupported_media, too_large, caption_too_long…",
                401: "no or bad token", 404: "unknown upload id", 409: "upload not sent yet or already used", 429: "rate limited"})
async def create_post(request: web.Request) -> web.Response:
    user_id = require_user(request)
    ctx = request.app[CONTEXT]
    key = check_idempotency_key(request.headers.get("Idempotency-Key"))
    existing = await ctx.posts.existing_for_key(user_id, key)
    if existing is not None:
        return json_response({"post": existing, **existing}, status=201)
    await ctx.posts.check_rate(user_id)
    if request.content_type == "application/json":
        post, _ = await ctx.posts.publish_from_uploads(user_id, await read_json(request), key)
    else:
        form = await receive_post_form(request, ctx)
        post, _ = await ctx.posts.publish(user_id, form, key)
    # The seed's flat upload answer ({post_id, media_url, created_at}) stays at the top level.
    return json_response({"post": post, **post}, status=201)


@routes.get("/api/v1/posts/{post_id}")
@doc("One post.", tag=TAG, responses={200: "{post}", 401: "no or bad token", 404: "no such post, or not visible to you"})
async def get_post(request: web.Request) -> web.Response:
    require_user(request)
    post = await request.app[CONTEXT].posts.get(current_user(request), path_id(request, "post_id", "post"))
    return json_response({"post": post})


@routes.delete("/api/v1/posts/{post_id}")
@doc("Delete a post and its media files (author only).", tag=TAG,
     responses={204: "deleted", 401: "no or bad token", 403: "not the author", 404: "no such post"})
async def delete_post(request: web.Request) -> web.Response:
    user_id = require_user(request)
    await request.app[CONTEXT].posts.delete(user_id, path_id(request, "post_id", "post"))
    return no_content()
