"""Stories: post, the tray, a user's active stories, seen marks, viewers, delete, and the author's archive."""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..web.http import decode_cursor, encode_cursor, json_body_response, json_response, no_content, page_limit, path_id
from ..web.middlewares import require_user
from ..web.routing import doc
from ..web.uploads import receive_post_form

routes = web.RouteTableDef()
TAG = "stories"
PAGE_QUERY = {"cursor": "opaque cursor from the previous page", "limit": "1..50, default 20"}


@routes.post("/api/v1/stories")
@doc("Post a story: multipart 'media' (one photo, or a video of at most 60 s) and an optional 'caption'. "
     "It is shown for story_hours (24 by default), then only in the author's archive.", tag=TAG,
     content_type="multipart/form-data",
     responses={201: "{story} (media may still be processing)", 400: "invalid_media, unsupported_media, too_large, too_many_media…",
                401: "no or bad token", 429: "rate limited"})
async def create_story(request: web.Request) -> web.Response:
    user_id = require_user(request)
    ctx = request.app[CONTEXT]
    await ctx.posts.check_rate(user_id)
    form = await receive_post_form(request, ctx)
    story = await ctx.stories.publish(user_id, form)
    return json_response({"story": story}, status=201)


@routes.get("/api/v1/stories/tray")
@doc("The story tray: the caller and the accounts they follow with active stories, unseen first, then newest.", tag=TAG,
     responses={200: "{tray: [{user, story_count, latest_at, has_unseen}]}", 401: "no or bad token"})
async def tray(request: web.Request) -> web.Response:
    viewer_id = require_user(request)
    return json_body_response(await request.app[CONTEXT].stories.tray_body(viewer_id))


@routes.get("/api/v1/users/{user}/stories")
@doc("A user's active stories, oldest first (the author also sees each story's view_count).", tag=TAG,
     responses={200: "{user, stories}", 401: "no or bad token",
                403: "a private account, and the caller is not an approved follower", 404: "no such user"})
async def user_stories(request: web.Request) -> web.Response:
    viewer_id = require_user(request)
    user, stories = await request.app[CONTEXT].stories.of_user(viewer_id, request.match_info["user"])
    return json_response({"user": user, "stories": stories})


@routes.post("/api/v1/stories/{story_id}/seen")
@doc("Mark a story as seen by the caller (idempotent: seeing it again changes nothing).", tag=TAG,
     responses={204: "recorded", 401: "no or bad token", 404: "no such story, expired, or not visible to you"})
async def seen(request: web.Request) -> web.Response:
    viewer_id = require_user(request)
    await request.app[CONTEXT].stories.seen(viewer_id, path_id(request, "story_id", "story"))
    return no_content()


@routes.get("/api/v1/stories/{story_id}/viewers")
@doc("Who saw the caller's story, newest first, and its view count (the author only).", tag=TAG, query=PAGE_QUERY,
     responses={200: "{viewers: [{user, seen_at}], view_count, next_cursor}", 400: "bad cursor or limit",
                401: "no or bad token", 403: "not the author", 404: "no such story"})
async def viewers(request: web.Request) -> web.Response:
    user_id = require_user(request)
    story_id = path_id(request, "story_id", "story")
    cursor, limit = decode_cursor(request, 2), page_limit(request)
    people, count, after = await request.app[CONTEXT].stories.viewers(user_id, story_id, cursor, limit)
    return json_response({"viewers": people, "view_count": count, "next_cursor": encode_cursor(*after) if after else None})


@routes.delete("/api/v1/stories/{story_id}")
@doc("Delete a story and its files (author only).", tag=TAG,
     responses={204: "deleted", 401: "no or bad token", 403: "not the author", 404: "no such story"})
async def delete_story(request: web.Request) -> web.Response:
    user_id = require_user(request)
    await request.app[CONTEXT].stories.delete(user_id, path_id(request, "story_id", "story"))
    return no_content()


@routes.get("/api/v1/me/stories/archive")
@doc("Every story the caller posted, expired ones too, newest first.", tag=TAG, query=PAGE_QUERY,
     responses={200: "{stories, next_cursor}", 400: "bad cursor or limit", 401: "no or bad token"})
async def archive(request: web.Request) -> web.Response:
    user_id = require_user(request)
    cursor, limit = decode_cursor(request, 1), page_limit(request)
    stories, next_before = await request.app[CONTEXT].stories.archive(user_id, cursor[0] if cursor else None, limit)
    return json_response({"stories": stories, "next_cursor": encode_cursor(next_before) if next_before else None})
