"""The route table: every handler module's routes, in one place."""

from __future__ import annotations

from aiohttp import web

from ..handlers import (accounts, admin, direct_uploads, discovery, explore, feed, interactions, live, media, notifications,
                       ops, posts, reports, safety, setup, social, stories)

HANDLER_MODULES = (ops, setup, accounts, posts, direct_uploads, media, social, feed, interactions, discovery,
                   notifications, live, safety, reports, admin, stories, explore)


def add_routes(app: web.Application) -> None:
    for module in HANDLER_MODULES:
        app.router.add_routes(module.routes)
