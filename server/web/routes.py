"""The route table: every handler module's routes, in one place."""

from __future__ import annotations

from aiohttp import web

from ..handlers import (accounts, direct_uploads, discovery, feed, interactions, live, media, notifications, ops, posts,
                       resumable_uploads, setup, social)

HANDLER_MODULES = (ops, setup, accounts, posts, direct_uploads, resumable_uploads, media, social, feed, interactions,
                   discovery, notifications, live)


def add_routes(app: web.Application) -> None:
    for module in HANDLER_MODULES:
        app.router.add_routes(module.routes)
