"""Accounts: /auth/*, /me."""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..web.http import json_response, no_content, read_json
from ..web.middlewares import client_address, require_user
from ..web.routing import doc
from ..web.uploads import receive_single_image

routes = web.RouteTableDef()
TAG = "accounts"


@routes.post("/api/v1/auth/register")
@doc("Create an account and sign in. While the server waits for its admin (GET /api/v1/setup), only a registration "
     "with the setup code `photoshare serve` printed gets through, and it creates the admin.", auth=False, tag=TAG,
     body={"username": "string", "password": "string", "invite_code": "string?", "setup_code": "string?"},
     responses={201: "{user, token}", 400: "bad username or password",
                403: "registration closed, bad invite, setup_code_required, invalid_setup_code or setup_complete",
                409: "username taken"})
async def register(request: web.Request) -> web.Response:
    data = await read_json(request)
    user, token = await request.app[CONTEXT].registration.register(data.get("username"), data.get("password"), data.get("invite_code"),
                                                               data.get("setup_code"))
    return json_response({"user": user, "token": token}, status=201)


@routes.post("/api/v1/auth/login")
@doc("Sign in with a username and password.", auth=False, tag=TAG, body={"username": "string", "password": "string"},
     responses={200: "{user, token}", 401: "wrong username or password",
                429: "too many failed sign-ins for this account from this address (or from this address, or for "
                     "this account from addresses it never signed in from); Retry-After says when to try again"})
async def login(request: web.Request) -> web.Response:
    data = await read_json(request)
    user, token = await request.app[CONTEXT].sessions.login(data.get("username"), data.get("password"), client_address(request))
    return json_response({"user": user, "token": token})


@routes.post("/api/v1/auth/logout")
@doc("Sign out: the token stops working.", tag=TAG, responses={204: "signed out", 401: "no or bad token"})
async def logout(request: web.Request) -> web.Response:
    require_user(request)
    token = request.headers["Authorization"].partition(" ")[2].strip()
    await request.app[CONTEXT].sessions.logout(token)
    return no_content()


@routes.get("/api/v1/me")
@doc("The signed-in account, with its private fields.", tag=TAG, responses={200: "{user}", 401: "no or bad token"})
async def me(request: web.Request) -> web.Response:
    user = await request.app[CONTEXT].profiles.me(require_user(request))
    return json_response({"user": user})


@routes.post("/api/v1/me/password")
@doc("Change the password. 'current_password' is needed, except after signing in with a temporary password from an"
     " admin (user.must_change_password).", tag=TAG, body={"current_password": "string?", "new_password": "string"},
     responses={200: "{user}", 400: "new password too short", 401: "no or bad token", 403: "wrong current password"})
async def change_password(request: web.Request) -> web.Response:
    user_id = require_user(request)
    data = await read_json(request)
    user = await request.app[CONTEXT].sessions.change_password(user_id, data.get("current_password"), data.get("new_password"))
    return json_response({"user": user})


@routes.patch("/api/v1/me")
@doc("Edit the profile.", tag=TAG, body={"display_name": "string?", "bio": "string?", "is_private": "boolean?"},
     responses={200: "{user}", 400: "invalid field", 401: "no or bad token"})
async def update_me(request: web.Request) -> web.Response:
    user_id = require_user(request)
    data = await read_json(request)
    user = await request.app[CONTEXT].profiles.update_profile(user_id, data)
    return json_response({"user": user})


@routes.put("/api/v1/me/avatar")
@doc("Set the profile photo (image bytes, or multipart with a 'media' part).", tag=TAG, content_type="image/*",
     responses={200: "{user}", 400: "invalid_media, unsupported_media or too_large", 401: "no or bad token"})
async def set_avatar(request: web.Request) -> web.Response:
    user_id = require_user(request)
    ctx = request.app[CONTEXT]
    async with receive_single_image(request, ctx) as path:
        user = await ctx.profiles.set_avatar(user_id, path)
    return json_response({"user": user})


@routes.delete("/api/v1/me")
@doc("Delete the account and everything it owns, media included.", tag=TAG, body={"password": "string"},
     responses={204: "deleted", 400: "no password", 401: "no or bad token", 403: "wrong password"})
async def delete_me(request: web.Request) -> web.Response:
    user_id = require_user(request)
    data = await read_json(request)
    await request.app[CONTEXT].account_deletion.delete_account(user_id, data.get("password"))
    return no_content()
