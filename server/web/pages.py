"""Server-rendered HTML pages: one Jinja2 environment (autoescaped) over ``assets/pages/``.

Pages are what a share link opens in a browser with no JavaScript and no account: the templates
hold everything a phone needs to draw them (inline CSS, sized pictures with placeholder colours).
"""

from __future__ import annotations

import functools

import jinja2
from aiohttp import web

# Share pages never end up in search engines; public pages (``public_pages``) may.
NOINDEX = {"X-Robots-Tag": "noindex, nofollow"}
# Pages are small and change whenever their post or album does: browsers revalidate them.
PAGE_HEADERS = {
    "Cache-Control": "private, no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a share link's token must not leak to other sites
    # No script runs on these pages; images and video come from this server only.
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; "
                               "base-uri 'self'; form-action 'none'; frame-ancestors 'none'",
}


@functools.cache
def environment() -> jinja2.Environment:
    from app.resources import assets_dir

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(assets_dir() / "pages")),
        autoescape=True,  # every template is HTML: captions, names and bios are people's text
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(template: str, status: int = 200, *, noindex: bool = True, **context) -> web.Response:
    html = environment().get_template(template).render(noindex=noindex, **context)
    headers = {**PAGE_HEADERS, **(NOINDEX if noindex else {})}
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8", headers=headers)


def message(status: int, heading: str, text: str) -> web.Response:
    """A small HTML page for a missing (404) or gone (410) page."""
    return render("message.html", status, heading=heading, message=text)
