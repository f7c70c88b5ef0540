"""The OpenAPI 3.1 description of the running app, built from its routes and their @doc notes.

Every operation lists every status it can answer, each with a schema:

- the statuses its ``@doc`` names, plus those every operation of its kind can answer: 400 for any
  request (a request aiohttp cannot read, or a malformed parameter or body), 401 where a token is
  needed, 404 where the path names something, 429 for every write to the API (the write rate limit);
- JSON answers get a schema derived from the ``@doc`` text (``{user, token}``: an object with those
  fields, each typed from ``FIELDS``); errors get the shared ``Error`` schema.

``body`` notes use a small notation: ``string``, ``integer``, ``boolean``, ``[string]`` (a list), with a
trailing ``?`` for optional fields. Anything else is refused when the document is built, so prose can
no longer end up in a schema's ``type``.
"""

from __future__ import annotations

import re

from aiohttp import web

from .. import __version__
from .routing import described

PATH_PARAM = re.compile(r"\{([^}]+)\}")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON = "application/json"

ID = {"type": "string", "pattern": "^[0-9]{1,19}$", "description": "a 64-bit id as a decimal string"}
NULLABLE_STRING = {"type": ["string", "null"]}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
USER_REF = {"$ref": "#/components/schemas/User"}
POST_REF = {"$ref": "#/components/schemas/Post"}

COMPONENTS = {
    "Error": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string", "description": "stable, snake_case: what went wrong"},
            "message": {"type": "string", "description": "for people"},
            "request_id": {"type": "string"}}}},
    },
    "User": {
        "type": "object", "required": ["user_id", "username"],
        "properties": {"user_id": ID, "username": {"type": "string"}, "display_name": NULLABLE_STRING,
                       "bio": NULLABLE_STRING, "avatar_url": NULLABLE_STRING, "follower_count": {"type": "integer"},
                       "following_count": {"type": "integer"}, "post_count": {"type": "integer"},
                       "is_private": {"type": "boolean"}, "followed_by_me": {"type": "boolean"},
                       "follow_requested_by_me": {"type": "boolean"}, "created_at": {"type": "string"}},
    },
    "Post": {
        "type": "object", "required": ["post_id"],
        "properties": {"post_id": ID, "user_id": ID, "caption": {"type": "string"}, "media_url": NULLABLE_STRING,
                       "media": {"type": "array", "items": {"type": "object"}}, "hashtags": {"type": "array"},
                       "like_count": {"type": "integer"}, "comment_count": {"type": "integer"},
                       "created_at": {"type": "string"}, "edited_at": NULLABLE_STRING,
                       "hidden": {"type": "boolean", "description": "hidden by reports: only its author and moderators see it"}},
    },
    "Comment": {
        "type": "object", "required": ["comment_id", "post_id", "text"],
        "properties": {"comment_id": ID, "post_id": ID, "user": USER_REF, "text": {"type": "string"},
                       "created_at": {"type": "string"}, "hidden": {"type": "boolean"}},
    },
}

# What each field named in a @doc answer holds.
FIELDS: dict[str, dict] = {
    "user": USER_REF,
    "users": {"type": "array", "items": USER_REF},
    "post": POST_REF,
    "posts": {"type": "array", "items": POST_REF},
    "comment": {"$ref": "#/components/schemas/Comment"},
    "comments": {"type": "array", "items": {"$ref": "#/components/schemas/Comment"}},
    "notifications": {"type": "array", "items": {"type": "object"}},
    "hashtags": {"type": "array", "items": {"type": "object", "properties": {
        "tag": {"type": "string"}, "post_count": {"type": "integer"}}}},
    "next_cursor": NULLABLE_STRING,
    "token": {"type": "string"},
    "tag": {"type": "string"},
    "unread_count": {"type": "integer"},
    "like_count": {"type": "integer"},
    "upload_id": ID,
    "upload_url": {"type": "string"},
    "method": {"type": "string"},
    "headers": {"type": "object"},
    "expires_at": {"type": "string"},
    "status": {"type": "string"},
    "checks": {"type": "object"},
    "setup_required": {"type": "boolean"},
    "following": {"type": "boolean"},
    "requested": {"type": "boolean"},
    "approved": {"type": "boolean"},
    "saved": {"type": "boolean"},
    "blocking": {"type": "boolean"},
    "muting": {"type": "boolean"},
    "report_id": ID,
    "reports": {"type": "array", "items": {"type": "object"}},
    "report": {"type": "object"},
    "temporary_password": {"type": "string"},
    "settings": {"type": "object"},
    "codes": {"type": "array", "items": {"type": "string"}},
    "invites": {"type": "array", "items": {"type": "object"}},
    "entries": {"type": "array", "items": {"type": "object"}},
    "retried": {"type": "integer"},
    "counts": {"type": "object"},
    "storage_bytes": {"type": "integer"},
    "reports_open": {"type": "integer"},
    "album": {"type": ["object", "null"]},
    "albums": {"type": "array", "items": {"type": "object"}},
    "items": {"type": "array", "items": {"type": "object"}},
    "item": {"type": "object"},
    "share_links": {"type": "array", "items": {"type": "object"}},
    "link_id": ID,
    "url": {"type": "string"},
    "target_type": {"type": "string"},
    "target_id": ID,
    "created_at": {"type": "string"},
    "story": {"type": "object", "required": ["story_id", "user", "media"]},
    "stories": {"type": "array", "items": {"type": "object", "required": ["story_id", "user", "media"]}},
    "tray": {"type": "array", "items": {"type": "object", "required": ["user", "story_count", "latest_at", "has_unseen"]}},
    "viewers": {"type": "array", "items": {"type": "object", "required": ["user", "seen_at"]}},
    "view_count": {"type": "integer"},
    "export_id": ID,
    "progress": {"type": "number", "minimum": 0, "maximum": 1},
    "size": {"type": "integer"},
}
HTML = {"text/html": {"schema": {"type": "string"}}}

BODY_KINDS = {
    "string": {"type": "string"},
    "integer": {"type": "integer"},
    "boolean": {"type": "boolean"},
    "[string]": {"type": "array", "items": {"type": "string"}},
}

# Answers that are not JSON, by route and status (anything else answered is JSON).
NOT_JSON = {
    "/media/{name}": {"200": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
                      "206": {"*/*": {"schema": {"type": "string", "format": "binary"}}}},
    "/metrics": {"200": {"text/plain": {"schema": {"type": "string"}}}},
    "/setup": {code: {"text/html": {"schema": {"type": "string"}}} for code in ("200", "400", "403", "409", "429")},
    # Pages (handlers/pages.py) answer HTML, their missing and gone pages too.
    "/s/{token}": {code: HTML for code in ("200", "404", "410")},
    "/p/{post_id}": {code: HTML for code in ("200", "404")},
    "/@{username}": {code: HTML for code in ("200", "404")},
    "/s/{token}/media/{name}": {"200": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
                                "206": {"*/*": {"schema": {"type": "string", "format": "binary"}}}},
    "/api/v1/me/export/{export_id}/download": {"200": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
                                               "206": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}},
    # One schema per server-sent event: an event name and its JSON data.
    "/api/v1/notifications/live": {"200": {"text/event-stream": {"schema": {
        "type": "object", "properties": {"event": {"type": "string"}, "data": {"type": "string"}}}}}},
}
NO_BODY = frozenset({"204", "302", "304", "412", "416"})
# tus (resumable uploads) answers in headers: its successes have no body at all.
HEADERS_ONLY_PREFIX = "/api/v1/uploads/tus"
TUS_ANSWER_HEADERS = ("Tus-Resumable", "Location", "Upload-Offset", "Upload-Length", "Upload-Expires", "Upload-Metadata",
                      "Tus-Version", "Tus-Extension", "Tus-Max-Size", "Tus-Checksum-Algorithm")
# Request headers with a fixed shape: tus's version and its byte counts.
HEADER_SCHEMAS = {
    "Tus-Resumable": {"type": "string", "enum": ["1.0.0"]},
    "Upload-Length": {"type": "string", "pattern": "^[0-9]{1,19}$"},
    "Upload-Offset": {"type": "string", "pattern": "^[0-9]{1,19}$"},
}


def has_no_body(path: str, code: str) -> bool:
    """Whether an answer carries no body: the usual bodiless statuses, and every tus success."""
    return code in NO_BODY or (path.startswith(HEADERS_ONLY_PREFIX) and int(code) < 400)

PATH_PARAM_NOTES = {
    "user": "a user id, @username or the plain username (a reference of digits only is an id: write @2024 for user 2024)",
}

AUTO_STATUSES = {
    400: "the request could not be read, or a parameter or the body is malformed",
    401: "no or bad token",
    404: "nothing there",
    429: "rate_limited: too many writes; see Retry-After",
}


def _fields_of(text: str) -> tuple[list[str], bool]:
    """The top-level field names of a ``{a, b: x, c}`` answer note, and whether all are always present."""
    alternatives = [part.strip() for part in text.split(" or ")]
    names: list[str] = []
    for alternative in alternatives:
        if not alternative.startswith("{"):
            return [], False
        depth, current = 0, ""
        for char in alternative[1:alternative.rfind("}")]:
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth -= 1
            if char == "," and depth == 0:
                names.append(current)
                current = ""
            else:
                current += char
        names.append(current)
    clean = [name.split(":")[0].strip() for name in names if name.strip()]
    return list(dict.fromkeys(clean)), len(alternatives) == 1


def _json_answer(text: str) -> dict:
    names, always = _fields_of(text)
    if not names:
        return {"type": "object"}
    schema = {"type": "object", "properties": {name: FIELDS.get(name, {}) for name in names}}
    if always:
        schema["required"] = names
    return schema


def _responses(path: str, method: str, info: dict) -> dict:
    statuses = {int(code): text for code, text in info["responses"].items()}
    statuses.setdefault(400, AUTO_STATUSES[400])
    if info["auth"]:
        statuses.setdefault(401, AUTO_STATUSES[401])
    if PATH_PARAM.search(path):
        statuses.setdefault(404, AUTO_STATUSES[404])
    if method in WRITE_METHODS and path.startswith("/api/"):
        statuses.setdefault(429, AUTO_STATUSES[429])
    if path in ("/media/{name}", "/s/{token}/media/{name}"):
        statuses.setdefault(302, "on S3 storage: a redirect to the stored file")
        statuses.setdefault(412, "If-Match or If-Unmodified-Since failed")
        statuses.setdefault(416, "the byte range is outside the file")
    answers = {}
    for code, text in sorted(statuses.items()):
        key = str(code)
        answer: dict = {"description": text}
        special = NOT_JSON.get(path, {}).get(key)
        if has_no_body(path, key):
            if path.startswith(HEADERS_ONLY_PREFIX) and code < 400:
                answer["headers"] = {name: {"schema": {"type": "string"}} for name in TUS_ANSWER_HEADERS}
        elif special is not None:
            answer["content"] = dict(special)
            if code >= 400:  # the edge (rate limits, unreadable requests) answers JSON here too
                answer["content"][JSON] = {"schema": ERROR_REF}
        elif code >= 400 and not (path == "/healthz" and code == 503):
            answer["content"] = {JSON: {"schema": ERROR_REF}}
        else:
            answer["content"] = {JSON: {"schema": _json_answer(text)}}
        if code in (429, 503):
            answer["headers"] = {"Retry-After": {"schema": {"type": "string"}, "description": "seconds to wait"}}
        answers[key] = answer
    return answers


def _body_schema(body: dict[str, str], content_type: str) -> dict:
    properties, required = {}, []
    for name, kind in body.items():
        optional = kind.endswith("?")
        base = kind.rstrip("?")
        if base not in BODY_KINDS:
            raise ValueError(f"body field {name!r}: {kind!r} is not one of {sorted(BODY_KINDS)} (with an optional '?')")
        properties[name] = dict(BODY_KINDS[base])
        if not optional:
            required.append(name)
    schema: dict = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _request_body(info: dict, method: str) -> dict | None:
    content_type = info["content_type"]
    if info["body"] is not None:
        return {"content": {content_type: {"schema": _body_schema(info["body"], content_type)}},
                "required": content_type != JSON or any(not kind.endswith("?") for kind in info["body"].values())}
    if method in ("POST", "PUT", "PATCH") and content_type != JSON:
        if content_type == "multipart/form-data":
            schema = {"type": "object", "properties": {
                "media": {"type": "array", "items": {"type": "string", "format": "binary"}},
                "caption": {"type": "string"}, "alt_text": {"type": "array", "items": {"type": "string"}}}}
        else:
            schema = {"type": "string", "format": "binary"}
        return {"content": {content_type: {"schema": schema}}, "required": True}
    return None


def build_openapi(app: web.Application) -> dict:
    paths: dict[str, dict] = {}
    # aiohttp adds a HEAD beside each GET (same handler): only a HEAD of its own is an operation here.
    gets = {(route.resource, route.handler) for route in app.router.routes() if route.method == "GET"}
    for route in app.router.routes():
        if route.resource is None or (route.method == "HEAD" and (route.resource, route.handler) in gets):
            continue
        path = route.resource.canonical
        info = described(route.handler)
        if info is None:
            continue
        operation: dict = {
            "summary": info["summary"],
            "operationId": f"{route.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', path.lower()).strip('_')}",
            "tags": [info["tag"]],
            "responses": _responses(path, route.method, info),
        }
        params = [{"name": name, "in": "path", "required": True,
                   "schema": ID if name.endswith("_id") else {"type": "string", "minLength": 1},
                   **({"description": PATH_PARAM_NOTES[name]} if name in PATH_PARAM_NOTES else {})}
                  for name in PATH_PARAM.findall(path)]
        params += [{"name": name, "in": "query", "required": False, "description": text, "schema": {"type": "string"}}
                   for name, text in info["query"].items()]
        params += [{"name": name, "in": "header", "required": "(optional)" not in text, "description": text,
                    "schema": HEADER_SCHEMAS.get(name, {"type": "string"})}
                   for name, text in info["headers"].items()]
        if params:
            operation["parameters"] = params
        if info["auth"]:
            operation["security"] = [{"bearer": []}]
        body = _request_body(info, route.method)
        if body is not None:
            operation["requestBody"] = body
        paths.setdefault(path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": "PhotoShare API", "version": __version__,
                 "description": "Self-hosted photo sharing. Ids are decimal strings; errors are {error: {code, message}}."},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}, "schemas": COMPONENTS},
        "paths": dict(sorted(paths.items())),
    }
