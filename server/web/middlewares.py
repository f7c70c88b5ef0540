"""Request ids, JSON errors everywhere, metrics, bearer-token auth and write rate limits."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from ..context import CONTEXT
from .errors import ApiError, RateLimited, Unauthorized
from .http import json_response, refuse_nul
from .tus import TUS_PREFIX, add_tus_headers

log = logging.getLogger("photoshare.http")

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REQUEST_ID_HEADER = "X-Request-Id"
USER_KEY = "photoshare_user_id"
AUTH_PROBLEM_KEY = "photoshare_auth_problem"

_HTTP_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    408: "timeout", 409: "conflict", 411: "length_required", 413: "too_large", 415: "unsupported_media",
    429: "rate_limited", 431: "headers_too_large",
}


def error_response(status: int, code: str, message: str, request_id: str, headers: dict | None = None) -> web.Response:
    response = json_response({"error": {"code": code, "message": message, "request_id": request_id}}, status=status, headers=headers)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


def _route_name(request: web.Request) -> str:
    info = request.match_info.route.resource
    return info.canonical if info is not None else "unmatched"


# Request ids made here: a random prefix per process and a counter (one random read per request cost
# more than the rest of the id's handling); a client's own X-Request-Id is used when it sends one.
_ID_PREFIX = os.urandom(5).hex()
_id_counter = itertools.count(1)


def _new_request_id() -> str:
    return f"{_ID_PREFIX}{next(_id_counter):06x}"


def client_address(request: web.Request) -> str:
    return request.remote or "unknown"


@web.middleware
async def edge(request: web.Request, handler):
    """Every request's way in, as one layer (each middleware layer costs a call on every request):
    a request id, bearer-token sign-in, rate limits on writes, JSON errors, the tus protocol's headers
    and the request's metrics."""
    request_id = request.headers.get(REQUEST_ID_HEADER, "")[:64] or _new_request_id()
    request["request_id"] = request_id
    started = time.perf_counter()
    status = 500
    try:
        try:
            refuse_nul([request.path, *request.query.values()], "The URL")
            unchecked = _authenticate(request)
            if unchecked is not None:
                await _authenticate_checked(request, unchecked)
            if request.method in WRITE_METHODS:
                await _limit_writes(request)
            response = await handler(request)
            response.headers[REQUEST_ID_HEADER] = request_id
        except ApiError as exc:
            response = error_response(exc.status, exc.code, exc.message, request_id, exc.headers)
        except web.HTTPException as exc:
            if exc.status < 400:
                status = exc.status
                raise
            code = _HTTP_CODES.get(exc.status, "http_error")
            message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
            headers = {key: value for key, value in exc.headers.items() if key.lower() in ("allow", "retry-after")}
            response = error_response(exc.status, code, message, request_id, headers)
        except HttpProcessingError as exc:  # a body aiohttp could not decode (bad chunked framing, a short body...)
            code_status = exc.code if 400 <= exc.code < 500 else 400
            message = " ".join((exc.message or "The request body could not be read.").split())[:300]
            response = error_response(code_status, _HTTP_CODES.get(code_status, "bad_request"), message, request_id)
        except (ConnectionResetError, asyncio.CancelledError):
            raise
        except Exception:
            log.exception("unexpected error answering %s %s (request %s)", request.method, request.path, request_id)
            response = error_response(500, "internal_error", f"Something went wrong on the server. Quote request id {request_id} when you report it.", request_id)
        status = response.status
        if request.path.startswith(TUS_PREFIX):
            add_tus_headers(request, response)
        return response
    finally:
        ctx = request.app.get(CONTEXT)
        if ctx is not None:
            ctx.metrics.observe_request(request.method, _route_name(request), status, time.perf_counter() - started)


def _authenticate(request: web.Request) -> str | None:
    """Resolve a bearer token if one is sent; handlers that need a user call ``require_user``.

    Answers at once for a token checked recently (most requests); returns the token when it must be
    checked against the database first (``_authenticate_checked``).
    """
    header = request.headers.get("Authorization", "")
    request[USER_KEY] = None
    if not header:
        return None
    # A bad token is refused only where a user is needed (``require_user``): signing in or
    # registering with a stale token still left in a client must work.
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        request[AUTH_PROBLEM_KEY] = "The Authorization header must be 'Bearer <token>'."
        return None
    user_id = request.app[CONTEXT].sessions.recent_user_for_token(token)
    if user_id is None:
        return token
    request[USER_KEY] = user_id
    return None


async def _authenticate_checked(request: web.Request, token: str) -> None:
    user_id = await request.app[CONTEXT].sessions.user_for_token(token)
    if user_id is None:
        request[AUTH_PROBLEM_KEY] = "The token is not valid (signed out or the account is gone). Sign in again."
    request[USER_KEY] = user_id


async def _limit_writes(request: web.Request) -> None:
    # A resumable upload's chunks are one upload, not many writes: a 100 MB video in 1 MB PATCHes
    # would otherwise spend a minute's write allowance (its creation is counted).
    if request.method == "PATCH" and request.path.startswith(TUS_PREFIX):
        return
    if request.path.startswith("/api/"):
        ctx = request.app[CONTEXT]
        settings = ctx.settings
        wait = await ctx.limiter.hit("ip:" + client_address(request), settings.rate_limit_ip_writes)
        user_id = request.get(USER_KEY)
        if not wait and user_id is not None:
            wait = await ctx.limiter.hit(f"user:{user_id}", settings.rate_limit_user_writes)
        if wait:
            raise RateLimited(wait)


def current_user(request: web.Request) -> int | None:
    return request.get(USER_KEY)


def require_user(request: web.Request) -> int:
    user_id = request.get(USER_KEY)
    if user_id is None:
        raise Unauthorized(request.get(AUTH_PROBLEM_KEY) or "Sign in first: send 'Authorization: Bearer <token>'.")
    return user_id
