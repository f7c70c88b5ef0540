"""The aiohttp application factory."""

from __future__ import annotations

from typing import AsyncIterator

from aiohttp import web

from ..bootstrap import build_context, close_context
from ..config import Settings
from ..context import CONTEXT
from .middlewares import edge
from .routes import add_routes

# aiohttp's whole-body limit applies to request.post()/json(); uploads are streamed and bounded by
# the media limits instead, and JSON bodies by MAX_JSON_BODY_BYTES.
CLIENT_MAX_SIZE = 1024 * 1024


def create_app(settings: Settings, *, run_jobs: bool = True, media_pool=None) -> web.Application:
    """The PhotoShare app. ``media_pool`` lets tests share one process pool; the app then leaves it open."""
    app = web.Application(
        middlewares=[edge],
        client_max_size=CLIENT_MAX_SIZE,
    )

    async def context_lifecycle(app: web.Application) -> AsyncIterator[None]:
        ctx = await build_context(settings, run_jobs=run_jobs, media_pool=media_pool)
        app[CONTEXT] = ctx
        yield
        await close_context(ctx)

    async def end_live_streams(app: web.Application) -> None:
        # Live (SSE) responses never finish by themselves; ending them lets shutdown proceed at once.
        if CONTEXT in app:
            app[CONTEXT].live.close_all()

    app.cleanup_ctx.append(context_lifecycle)
    app.on_shutdown.append(end_live_streams)
    add_routes(app)
    return app
