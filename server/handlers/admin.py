"""The /admin API behind the admin console: reports (moderators and admins), users, invites, stats, settings, jobs
and the audit log (admins)."""

from __future__ import annotations

from aiohttp import web

from ..context import CONTEXT
from ..web.http import decode_cursor, encode_cursor, json_response, page_limit, path_id, read_json
from ..web.middlewares import require_user
from ..web.routing import doc

routes = web.RouteTableDef()
TAG = "admin"
PAGE_QUERY = {"cursor": "opaque cursor from the previous page", "limit": "1..50, default 20"}
NOT_ALLOWED = "not a moderator or admin"
ADMINS_ONLY = "not an admin"


def _cursor(value: int | None) -> str | None:
    return encode_cursor(value) if value is not None else None


def _after(request: web.Request) -> int | None:
    cursor = decode_cursor(request, 1)
    return cursor[0] if cursor else None


async def _admin(request: web.Request) -> int:
    user_id = require_user(request)
    await request.app[CONTEXT].moderation.require(user_id, "admin")
    return user_id


# -- reports (moderators and admins) ------------------------------------------------------------------------
@routes.get("/api/v1/admin/reports")
@doc("The report queue: one row per reported target, newest first, with reasons counted.", tag=TAG,
     query={"status": "open (default) or resolved", **PAGE_QUERY},
     responses={200: "{reports: [{report_id, target_type, target_id, target, reasons, reporter_count, status, hidden, created_at}], next_cursor}",
                400: "bad status, cursor or limit", 401: "no or bad token", 403: NOT_ALLOWED})
async def reports(request: web.Request) -> web.Response:
    user_id = require_user(request)
    items, after = await request.app[CONTEXT].moderation.queue(
        user_id, request.query.get("status"), _after(request), page_limit(request))
    return json_response({"reports": items, "next_cursor": _cursor(after)})


@routes.get("/api/v1/admin/reports/{report_id}")
@doc("One report with every reporter's reason and note.", tag=TAG,
     responses={200: "{report}", 401: "no or bad token", 403: NOT_ALLOWED, 404: "no such report"})
async def report_detail(request: web.Request) -> web.Response:
    user_id = require_user(request)
    moderation = request.app[CONTEXT].moderation
    await moderation.require(user_id, "moderator")
    report = await moderation.report_detail(user_id, path_id(request, "report_id", "report"))
    return json_response({"report": report})


@routes.post("/api/v1/admin/reports/{report_id}/resolve")
@doc("Resolve a report: dismiss it (the target shows again), remove the target, or disable its owner.", tag=TAG,
     body={"action": "string", "note": "string?"},
     responses={200: "{report}", 400: "bad action or note", 401: "no or bad token", 403: NOT_ALLOWED,
                404: "no such report", 409: "already resolved"})
async def resolve(request: web.Request) -> web.Response:
    user_id = require_user(request)
    moderation = request.app[CONTEXT].moderation
    await moderation.require(user_id, "moderator")
    report_id = path_id(request, "report_id", "report")
    data = await read_json(request)
    return json_response({"report": await moderation.resolve(user_id, report_id, data)})


# -- users (admins) ---------------------------------------------------------------------------------------
@routes.get("/api/v1/admin/users")
@doc("Every account, disabled ones too, by age; q narrows to usernames starting with it.", tag=TAG,
     query={"q": "a username prefix (optional)", **PAGE_QUERY},
     responses={200: "{users, next_cursor}", 400: "bad cursor or limit", 401: "no or bad token", 403: ADMINS_ONLY})
async def users(request: web.Request) -> web.Response:
    await _admin(request)
    items, after = await request.app[CONTEXT].admin.search_users(request.query.get("q"), _after(request), page_limit(request))
    return json_response({"users": items, "next_cursor": _cursor(after)})


@routes.patch("/api/v1/admin/users/{user_id}")
@doc("Change an account's role (user, moderator, admin) or disable/enable it.", tag=TAG,
     body={"role": "string?", "disabled": "boolean?"},
     responses={200: "{user}", 400: "bad role or field", 401: "no or bad token", 403: ADMINS_ONLY, 404: "no such user",
                409: "the last admin cannot be demoted or disabled"})
async def update_user(request: web.Request) -> web.Response:
    actor_id = await _admin(request)
    user_id = path_id(request, "user_id", "user")
    data = await read_json(request)
    return json_response({"user": await request.app[CONTEXT].admin.update_user(actor_id, user_id, data)})


@routes.post("/api/v1/admin/users/{user_id}/reset_password")
@doc("Give an account a one-time temporary password (signs it out everywhere); after signing in with it, the account"
     " is asked to choose a new one (user.must_change_password).", tag=TAG,
     responses={200: "{temporary_password}", 401: "no or bad token", 403: ADMINS_ONLY, 404: "no such user"})
async def reset_password(request: web.Request) -> web.Response:
    actor_id = await _admin(request)
    user_id = path_id(request, "user_id", "user")
    temporary = await request.app[CONTEXT].admin.reset_password_temporary(user_id, actor_id=actor_id)
    return json_response({"temporary_password": temporary})


# -- invites, stats, settings, jobs, audit (admins) --------------------------------------------------------
@routes.post("/api/v1/admin/invites")
@doc("Make invite codes (each works once, for a week) for registration = invite.", tag=TAG, body={"count": "integer"},
     responses={201: "{codes}", 400: "count not 1..100", 401: "no or bad token", 403: ADMINS_ONLY})
async def create_invites(request: web.Request) -> web.Response:
    actor_id = await _admin(request)
    data = await read_json(request)
    codes = await request.app[CONTEXT].admin.create_invites(data.get("count"), actor_id)
    return json_response({"codes": codes}, status=201)


@routes.get("/api/v1/admin/invites")
@doc("The newest invites: who made them, their expiry, who used them (codes are kept only as hashes).", tag=TAG,
     responses={200: "{invites}", 401: "no or bad token", 403: ADMINS_ONLY})
async def invites(request: web.Request) -> web.Response:
    await _admin(request)
    return json_response({"invites": await request.app[CONTEXT].admin.invites()})


@routes.get("/api/v1/admin/stats")
@doc("Counts for the console: users, posts, stored bytes, jobs queued and failed, open reports.", tag=TAG,
     # Not "{users, posts, …}": those names are lists elsewhere in the API; here they are numbers.
     responses={200: "counts: {users, posts, media, storage_bytes, jobs: {queued, running, failed}, reports_open}",
                401: "no or bad token",
                403: ADMINS_ONLY})
async def stats(request: web.Request) -> web.Response:
    await _admin(request)
    return json_response(await request.app[CONTEXT].admin.console_stats())


@routes.get("/api/v1/admin/settings")
@doc("The settings in force, read-only; keys redacted and passwords taken out of URLs.", tag=TAG,
     responses={200: "{settings: {name: value}}", 401: "no or bad token", 403: ADMINS_ONLY})
async def settings(request: web.Request) -> web.Response:
    await _admin(request)
    return json_response({"settings": request.app[CONTEXT].admin.settings_in_force()})


@routes.get("/api/v1/admin/jobs")
@doc("Background jobs, newest first, with counts per state.", tag=TAG,
     query={"status": "queued, running, failed or done (optional)"},
     responses={200: "{counts, jobs}", 400: "bad status", 401: "no or bad token", 403: ADMINS_ONLY})
async def jobs(request: web.Request) -> web.Response:
    await _admin(request)
    return json_response(await request.app[CONTEXT].admin.jobs_listing(request.query.get("status")))


@routes.post("/api/v1/admin/jobs/retry")
@doc("Queue failed jobs again: the listed ones, or all.", tag=TAG, body={"job_ids": "[string]?", "all": "boolean?"},
     responses={200: "{retried}", 400: "neither job_ids nor all", 401: "no or bad token", 403: ADMINS_ONLY})
async def retry_jobs(request: web.Request) -> web.Response:
    actor_id = await _admin(request)
    data = await read_json(request)
    return json_response({"retried": await request.app[CONTEXT].admin.retry_jobs_by(actor_id, data)})


@routes.get("/api/v1/admin/audit")
@doc("The audit log: every moderation and admin decision, who made it and when, newest first.", tag=TAG, query=PAGE_QUERY,
     responses={200: "{entries: [{id, actor, action, target_type, target_id, detail, created_at}], next_cursor}",
                400: "bad cursor or limit", 401: "no or bad token", 403: ADMINS_ONLY})
async def audit(request: web.Request) -> web.Response:
    await _admin(request)
    entries, after = await request.app[CONTEXT].moderation.audit_log(_after(request), page_limit(request))
    return json_response({"entries": entries, "next_cursor": _cursor(after)})
