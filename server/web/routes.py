"""The route table: every handler module's routes, in one place."""

from __future__ import annotations

from aiohttp import web

from ..handlers import (accounts, admin, albums, direct_uploads, discovery, explore, exports, feed, interactions, live, media,
                       notifications, ops, pages, post_edits, posts, reports, resumable_uploads, safety, setup, share_links,
                       social, stories)

HANDLER_MODULES = (ops, setup, accounts, posts, direct_uploads, resumable_uploads, media, social, feed, interactions,
                   discovery, notifications, live, safety, reports, admin, post_edits, albums, share_links, pages, stories,
                   explore, exports)


def add_routes(app: web.Application) -> None:
    for module in HANDLER_MODULES:
        app.router.add_routes(module.routes)
