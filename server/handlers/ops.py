"""Operations: health, metrics and the API description."""

from __future__ import annotations

import asyncio

from aiohttp import web

from ..context import CONTEXT
from ..ops.replication import REPLICATOR
from ..web.http import json_response
from ..web.openapi import build_openapi
from ..web.routing import doc

routes = web.RouteTableDef()
HEALTH_CHECK_TIMEOUT = 2.0  # a check slower than this counts as failing: a load balancer should look elsewhere


async def _check(name: str, probe) -> tuple[str, str]:
    try:
        await asyncio.wait_for(probe(), HEALTH_CHECK_TIMEOUT)
        return name, "ok"
    except Exception as exc:  # any failure is reported by name, never raised
        return name, f"failing: {type(exc).__name__}: {exc}"[:300]


@routes.get("/healthz")
@doc("Health of the server and each backend.", auth=False, tag="operations",
     responses={200: "{status: ok, checks}", 503: "{status: failing, checks} naming the failing backend"})
async def healthz(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    checks = dict(await asyncio.gather(
        _check("database", ctx.db.ping),
        _check("storage", ctx.blobs.ping),
        _check("timelines", ctx.timelines.ping),
        _check("queue", ctx.jobs.counts),
    ))
    healthy = all(value == "ok" for value in checks.values())
    return json_response({"status": "ok" if healthy else "failing", "checks": checks}, status=200 if healthy else 503,
                         headers=None if healthy else {"Retry-After": "5"})


@routes.get("/metrics")
@doc("Prometheus metrics (text format).", auth=False, tag="operations", responses={200: "text/plain metrics"})
async def metrics(request: web.Request) -> web.Response:
    ctx = request.app[CONTEXT]
    try:
        counts = await ctx.jobs.counts()
        for status, count in counts.items():
            ctx.metrics.set_gauge(f"jobs_{status}", count)
    except Exception:
        ctx.metrics.set_gauge("jobs_queue_unreachable", 1)
    ctx.metrics.set_gauge("live_streams", ctx.live.open_streams)  # open /notifications/live connections here
    replicator = request.app.get(REPLICATOR)
    if replicator is not None:  # serve --replicate: is Litestream running, and how often has it been restarted
        ctx.metrics.set_gauge("replication_up", int(replicator.running))
        ctx.metrics.set_gauge("replication_restarts", replicator.restarts)
    return web.Response(text=ctx.metrics.render(), content_type="text/plain", charset="utf-8",
                        headers={"X-Content-Type-Options": "nosniff"})


@routes.get("/api/v1/openapi.json")
@doc("This API's OpenAPI description.", auth=False, tag="operations", responses={200: "OpenAPI 3.1 document"})
async def openapi(request: web.Request) -> web.Response:
    return json_response(build_openapi(request.app))
