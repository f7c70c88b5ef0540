"""Share links: create, list and revoke (the pages they open are in ``pages.py``)."""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..web.http import decode_cursor, json_response, no_content, page_limit, path_id, read_json
from ..web.middlewares import require_user
from ..web.routing import doc
from .direct_uploads import base_url
from .discovery import PAGE_QUERY

routes = web.RouteTableDef()
TAG = "sharing"


@routes.post("/api/v1/share_links")
@doc("Share your post, album (as its owner) or profile through a link anyone can open without an account: "
     "{base}/s/{token}, a page showing only that, until it expires (expires_in_days 1..365, default 30) or you "
     "revoke it. For a profile, target_id defaults to you.", tag=TAG,
     body={"target_type": "string", "target_id": "string?", "expires_in_days": "integer?"},
     responses={201: "{link_id, url, target_type, target_id, created_at, expires_at}", 400: "bad target_type, id or expiry",
                401: "no or bad token", 403: "not_yours", 404: "no such post, album or user"})
async def create_link(request: web.Request) -> web.Response:
    user_id = require_user(request)
    link = await request.app[CONTEXT].share_links.create(user_id, await read_json(request), base_url(request))
    return json_response(link, status=201)


@routes.get("/api/v1/share_links")
@doc("Your share links that are not revoked (expired ones too, until you revoke them), newest first.", tag=TAG,
     query=PAGE_QUERY, responses={200: "{share_links, next_cursor}", 400: "bad cursor or limit", 401: "no or bad token"})
async def list_links(request: web.Request) -> web.Response:
    user_id = require_user(request)
    ctx = request.app[CONTEXT]
    return json_response(await ctx.share_links.listing(user_id, decode_cursor(request), page_limit(request), base_url(request)))


@routes.delete("/api/v1/share_links/{link_id}")
@doc("Revoke a share link: from now on it opens a 410 page, and its media stop answering.", tag=TAG,
     responses={204: "revoked", 401: "no or bad token", 403: "not yours", 404: "no such link"})
async def revoke_link(request: web.Request) -> web.Response:
    user_id = require_user(request)
    await request.app[CONTEXT].share_links.revoke(user_id, path_id(request, "link_id", "share link"))
    return no_content()
