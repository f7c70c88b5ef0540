"""Albums: create and list, read with items, edit, delete; members (add, remove, leave); items (add, remove)."""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..services.posts import check_idempotency_key
from ..web.http import decode_cursor, json_response, no_content, page_limit, path_id, read_json
from ..web.middlewares import require_user
from ..web.routing import doc
from ..web.uploads import receive_post_form
from .discovery import PAGE_QUERY

routes = web.RouteTableDef()
TAG = "albums"


@routes.post("/api/v1/albums")
@doc("Create an album (you are its owner; add members and items afterwards).", tag=TAG,
     body={"title": "string", "description": "string?"},
     responses={201: "{album}", 400: "empty or too long title or description", 401: "no or bad token"})
async def create_album(request: web.Request) -> web.Response:
    user_id = require_user(request)
    album = await request.app[CONTEXT].albums.create(user_id, await read_json(request))
    return json_response({"album": album}, status=201)


@routes.get("/api/v1/albums")
@doc("The albums you own or have joined, newest first.", tag=TAG, query=PAGE_QUERY,
     responses={200: "{albums, next_cursor}", 400: "bad cursor or limit", 401: "no or bad token"})
async def list_albums(request: web.Request) -> web.Response:
    user_id = require_user(request)
    return json_response(await request.app[CONTEXT].albums.listing(user_id, decode_cursor(request), page_limit(request)))


@routes.get("/api/v1/albums/{album_id}")
@doc("An album (with its members) and a page of its items, newest first.", tag=TAG, query=PAGE_QUERY,
     responses={200: "{album, items, next_cursor}", 400: "bad cursor or limit", 401: "no or bad token",
                404: "no such album, or you are not in it"})
async def get_album(request: web.Request) -> web.Response:
    user_id = require_user(request)
    album_id = path_id(request, "album_id", "album")
    return json_response(await request.app[CONTEXT].albums.page(user_id, album_id, decode_cursor(request), page_limit(request)))


@routes.patch("/api/v1/albums/{album_id}")
@doc("Rename an album or change its description (owner only).", tag=TAG,
     body={"title": "string?", "description": "string?"},
     responses={200: "{album}", 400: "empty or too long", 401: "no or bad token", 403: "not the owner",
                404: "no such album, or you are not in it"})
async def edit_album(request: web.Request) -> web.Response:
    user_id = require_user(request)
    album_id = path_id(request, "album_id", "album")
    return json_response({"album": await request.app[CONTEXT].albums.edit(user_id, album_id, await read_json(request))})


@routes.delete("/api/v1/albums/{album_id}")
@doc("Delete an album (owner only): its items and members go, the posts in it stay.", tag=TAG,
     responses={204: "deleted", 401: "no or bad token", 403: "not the owner", 404: "no such album, or you are not in it"})
async def delete_album(request: web.Request) -> web.Response:
    user_id = require_user(request)
    await request.app[CONTEXT].albums.delete(user_id, path_id(request, "album_id", "album"))
    return no_content()


@routes.post("/api/v1/albums/{album_id}/members")
@doc("Add someone to your album as a contributor (adds photos and videos) or a viewer; they are notified "
     "(album_invite). Sending a member with another role changes their role.", tag=TAG,
     body={"user_id": "string", "role": "string?"},
     responses={200: "{album}", 400: "bad role", 401: "no or bad token", 403: "not the owner",
                404: "no such album or user", 409: "already_member"})
async def add_member(request: web.Request) -> web.Response:
    user_id = require_user(request)
    album_id = path_id(request, "album_id", "album")
    return json_response({"album": await request.app[CONTEXT].albums.add_member(user_id, album_id, await read_json(request))})


@routes.delete("/api/v1/albums/{album_id}/members/{user_id}")
@doc("Remove a member (owner), or leave the album (your own user id; then album is null). Their posts stay.", tag=TAG,
     responses={200: "{album}", 400: "owner_cannot_leave", 401: "no or bad token", 403: "not the owner",
                404: "no such album, or they are not in it"})
async def remove_member(request: web.Request) -> web.Response:
    user_id = require_user(request)
    album_id = path_id(request, "album_id", "album")
    member_id = path_id(request, "user_id", "member")
    return json_response({"album": await request.app[CONTEXT].albums.remove_member(user_id, album_id, member_id)})


@routes.post("/api/v1/albums/{album_id}/items")
@doc("Add to an album (owner and contributors): JSON {post_id} (one of your posts) or {post_ids} (up to 50; answers "
     "{items}); JSON {upload_ids, caption?, alt_text?} after direct uploads; or multipart 'media' (+ 'caption', "
     "'alt_text') as POST /posts takes it. An upload becomes your post and the album's item. Members are notified "
     "(album_item, batched per adder).", tag=TAG, content_type="multipart/form-data",
     responses={201: "{item} or {items}", 400: "invalid_media, bad ids…", 401: "no or bad token",
                403: "a viewer, or not your post", 404: "no such album or post", 409: "already_in_album", 429: "rate limited"})
async def add_item(request: web.Request) -> web.Response:
    user_id = require_user(request)
    ctx = request.app[CONTEXT]
    album_id = path_id(request, "album_id", "album")
    if request.content_type == "application/json":
        data = await read_json(request)
        if "upload_ids" not in data:
            items = await ctx.albums.add_posts(user_id, album_id, data)
            return json_response({"items": items} if "post_ids" in data else {"item": items[0]}, status=201)
    key = check_idempotency_key(request.headers.get("Idempotency-Key"))
    await ctx.albums.require_adder(user_id, album_id)
    post = await ctx.posts.existing_for_key(user_id, key)
    if post is None:
        await ctx.posts.check_rate(user_id)
        if request.content_type == "application/json":
            post, _ = await ctx.posts.publish_from_uploads(user_id, data, key)
        else:
            post, _ = await ctx.posts.publish(user_id, await receive_post_form(request, ctx), key)
    return json_response({"item": await ctx.albums.add_new_post(user_id, album_id, post)}, status=201)


@routes.delete("/api/v1/albums/{album_id}/items/{item_id}")
@doc("Take an item out of an album (the owner, or whoever added it); the post itself stays.", tag=TAG,
     responses={204: "removed", 401: "no or bad token", 403: "neither the owner nor the one who added it",
                404: "no such album or item"})
async def remove_item(request: web.Request) -> web.Response:
    user_id = require_user(request)
    album_id = path_id(request, "album_id", "album")
    await request.app[CONTEXT].albums.remove_item(user_id, album_id, path_id(request, "item_id", "item"))
    return no_content()
