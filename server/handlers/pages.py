"""HTML pages: what a share link opens (/s/{token}) and, with ``public_pages``, /p/{post_id} and /@{username}.

Readable with no account and no JavaScript. A share link's page and its media (``/s/{token}/media/…``)
check the link on every request: a revoked or expired link answers 410 at once.
"""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..ids import parse_id, parse_uint63
from ..services.pages import PageData
from ..services.share_links import LinkGone
from ..web.errors import ApiError, NotFound
from ..web.pages import message, render
from ..web.routing import doc
from ..web.serialize import iso_time
from .direct_uploads import base_url
from .media import answer_variant, stem_of_name

routes = web.RouteTableDef()
TAG = "pages"
PAGE_ANSWERS = {200: "the page (HTML)", 404: "no such link or page (HTML)"}


def _cursor(request: web.Request) -> int | None:
    """``?before=<id>``: the next page of an album or profile grid (anything else shows the first page)."""
    return parse_uint63(request.query.get("before", "")) or None


def _page(request: web.Request, page: PageData, *, noindex: bool, expires_at: int | None = None) -> web.Response:
    base = base_url(request)
    next_url = f"{request.path}?before={page.next_cursor}" if page.next_cursor else None
    first = page.posts[0]["pictures"][0] if page.posts and page.posts[0]["pictures"] else None
    return render(
        "post.html" if page.kind == "post" else "grid.html", noindex=noindex, page=page,
        title=page.title, description=page.description, page_url=base + request.path_qs,
        og_image=base + page.og_image if page.og_image else None, og_alt=first.alt if first else "",
        og_type="article" if page.kind == "post" else ("profile" if page.kind == "profile" else "website"),
        open_url=base + page.open_path, next_url=next_url,
        expires_at=iso_time(expires_at)[:10] if expires_at else None, base_href=page.base_href,
    )


def _failure(exc: ApiError) -> web.Response:
    if isinstance(exc, LinkGone):
        return message(410, "This link no longer works", exc.message)
    if exc.status == 404:
        return message(404, "Nothing here", "This link or page does not exist, or what it showed was deleted.")
    raise exc


@routes.get("/s/{token}")
@doc("A share link's page (HTML, no JavaScript): the post, album or profile it names, with Open Graph and Twitter "
     "Card meta (og:image is the 1080 JPEG, reachable through the link). Never indexed.", auth=False, tag=TAG,
     query={"before": "the next page of an album or profile grid"},
     responses={**PAGE_ANSWERS, 410: "the link was revoked or has expired (HTML)"})
async def share_page(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    try:
        link = await ctx.share_links.open(request.match_info["token"])
        page = await ctx.pages.shared(link, _cursor(request))
    except ApiError as exc:
        return _failure(exc)
    return _page(request, page, noindex=True, expires_at=link["expires_at"])


@routes.get("/s/{token}/media/{name}")
@doc("A photo variant or video stream of what the share link names (the same answers as /media/{name}); "
     "nothing else, never an original. 410 once the link is revoked or expired.", auth=False, tag=TAG,
     query={"format": "jpeg, webp or avif (optional)"},
     responses={200: "the bytes", 206: "a byte range", 304: "not modified", 400: "unknown format",
                404: "not something this link shows", 410: "link_gone"})
async def share_media(request: web.Request) -> web.StreamResponse:
    ctx = request.app[CONTEXT]
    link = await ctx.share_links.open(request.match_info["token"])
    name = request.match_info["name"]
    stem = stem_of_name(name)
    if stem is None or not await ctx.share_links.reaches_stem(link, stem):
        raise NotFound("No such media.")
    response = await answer_variant(request, name)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@routes.get("/p/{post_id}")
@doc("A public account's post as an HTML page (only with the public_pages setting; otherwise 404).", auth=False,
     tag=TAG, responses=PAGE_ANSWERS)
async def public_post(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    post_id = parse_id(request.match_info["post_id"])
    try:
        if not ctx.settings.public_pages or post_id is None:
            raise NotFound("No such page.")
        page = await ctx.pages.post_page(post_id, "/media/", public_only=True)
    except ApiError as exc:
        return _failure(exc)
    return _page(request, page, noindex=False)


@routes.get("/@{username}")
@doc("A public account's profile as an HTML page (only with the public_pages setting; otherwise 404).", auth=False,
     tag=TAG, query={"before": "the next page of the grid"}, responses=PAGE_ANSWERS)
async def public_profile(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    try:
        if not ctx.settings.public_pages:
            raise NotFound("No such page.")
        user_id = await ctx.pages.user_id_for(request.match_info["username"])
        page = await ctx.pages.profile_page(user_id, "/media/", _cursor(request), public_only=True)
    except ApiError as exc:
        return _failure(exc)
    return _page(request, page, noindex=False)
