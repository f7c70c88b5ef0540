"""Likes, comments and saves on posts: /posts/{id}/likes, /posts/{id}/comments, /comments/{id}, /posts/{id}/save, /saved."""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..web.http import decode_cursor, json_response, no_content, page_limit, path_id, read_json
from ..web.middlewares import require_user
from ..web.routing import doc

routes = web.RouteTableDef()
TAG = "interactions"
PAGE_QUERY = {"cursor": "next_cursor of the previous page", "limit": "1..50, default 20"}


@routes.post("/api/v1/posts/{post_id}/likes")
@doc("Like a post.", tag=TAG, responses={201: "{like_count}", 401: "no or bad token", 404: "no such post", 409: "already liked"})
async def like(request: web.Request) -> web.Response:
    user_id = require_user(request)
    result = await request.app[CONTEXT].likes.like(user_id, path_id(request, "post_id", "post"))
    return json_response(result, status=201)


@routes.delete("/api/v1/posts/{post_id}/likes")
@doc("Take back a like.", tag=TAG, responses={200: "{like_count}", 401: "no or bad token", 404: "no such post", 409: "not liked"})
async def unlike(request: web.Request) -> web.Response:
    user_id = require_user(request)
    return json_response(await request.app[CONTEXT].likes.unlike(user_id, path_id(request, "post_id", "post")))


@routes.get("/api/v1/posts/{post_id}/likes")
@doc("Who liked a post, newest first.", tag=TAG, query=PAGE_QUERY,
     responses={200: "{users, next_cursor}", 400: "bad cursor or limit", 401: "no or bad token", 404: "no such post"})
async def likers(request: web.Request) -> web.Response:
    user_id = require_user(request)
    post_id = path_id(request, "post_id", "post")
    result = await request.app[CONTEXT].likes.likers(user_id, post_id, decode_cursor(request, 2), page_limit(request))
    return json_response(result)


@routes.post("/api/v1/posts/{post_id}/comments")
@doc("Comment on a post (text of 1 to 2,200 characters); @mentions notify the people named.", tag=TAG, body={"text": "string"},
     responses={201: "{comment}", 400: "empty or too long", 401: "no or bad token", 404: "no such post"})
async def add_comment(request: web.Request) -> web.Response:
    user_id = require_user(request)
    post_id = path_id(request, "post_id", "post")
    data = await read_json(request)
    result = await request.app[CONTEXT].comments.add(user_id, post_id, data.get("text"))
    return json_response(result, status=201)


@routes.get("/api/v1/posts/{post_id}/comments")
@doc("A post's comments, oldest first.", tag=TAG, query=PAGE_QUERY,
     responses={200: "{comments, next_cursor}", 400: "bad cursor or limit", 401: "no or bad token", 404: "no such post"})
async def comments(request: web.Request) -> web.Response:
    user_id = require_user(request)
    post_id = path_id(request, "post_id", "post")
    result = await request.app[CONTEXT].comments.page(user_id, post_id, decode_cursor(request), page_limit(request))
    return json_response(result)


@routes.delete("/api/v1/comments/{comment_id}")
@doc("Delete a comment (its author or the post's author).", tag=TAG,
     responses={204: "deleted", 401: "no or bad token", 403: "not yours to delete", 404: "no such comment"})
async def delete_comment(request: web.Request) -> web.Response:
    user_id = require_user(request)
    await request.app[CONTEXT].comments.delete(user_id, path_id(request, "comment_id", "comment"))
    return no_content()


@routes.post("/api/v1/posts/{post_id}/save")
@doc("Save a post to your private list (saving twice is harmless).", tag=TAG,
     responses={200: "{saved: true}", 401: "no or bad token", 404: "no such post"})
async def save(request: web.Request) -> web.Response:
    user_id = require_user(request)
    return json_response(await request.app[CONTEXT].saves.save(user_id, path_id(request, "post_id", "post")))


@routes.delete("/api/v1/posts/{post_id}/save")
@doc("Remove a post from your saved list (harmless if it was not there).", tag=TAG,
     responses={200: "{saved: false}", 401: "no or bad token", 404: "no such post"})
async def unsave(request: web.Request) -> web.Response:
    user_id = require_user(request)
    return json_response(await request.app[CONTEXT].saves.unsave(user_id, path_id(request, "post_id", "post")))


@routes.get("/api/v1/saved")
@doc("Your saved posts, most recently saved first.", tag=TAG, query=PAGE_QUERY,
     responses={200: "{posts, next_cursor}", 400: "bad cursor or limit", 401: "no or bad token"})
async def saved(request: web.Request) -> web.Response:
    user_id = require_user(request)
    result = await request.app[CONTEXT].saves.saved_posts(user_id, decode_cursor(request), page_limit(request))
    return json_response(result)
