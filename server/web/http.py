"""Request parsing and JSON responses shared by every handler."""

from __future__ import annotations

import base64
import functools
from typing import Any

import orjson
from aiohttp import web

from ..ids import parse_id, parse_uint63
from .errors import InvalidInput, NotFound

MAX_JSON_BODY_BYTES = 64 * 1024  # the largest JSON body (a 2,200-char caption and ten alt texts fit easily)
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 50
# The longest cursor this server makes: two 19-digit numbers and a dot, base64-encoded, is 52 characters;
# anything much longer is refused before decoding.
MAX_CURSOR_CHARS = 64


def json_response(data: Any, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(
        body=orjson.dumps(data),
        status=status,
        content_type="application/json",
        charset="utf-8",
        headers=headers,
    )


def json_body_response(body: bytes) -> web.Response:
    """A 200 answer whose JSON body is already serialized."""
    return web.Response(body=body, content_type="application/json", charset="utf-8")


def no_content() -> web.Response:
    return web.Response(status=204)


def refuse_nul(value: Any, what: str = "The request") -> None:
    """Refuse text holding U+0000 (NUL), anywhere in a string, list or object.

    PostgreSQL text cannot store it and no name, caption or search needs it; refused at the edge,
    every store gives the same clear 400 instead of SQLite storing it and PostgreSQL failing.
    """
    pending = [value]
    while pending:  # a loop, not recursion: JSON may nest deeper than Python's recursion limit
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                raise InvalidInput(f"{what} contains a NUL character (U+0000), which text here cannot hold.")
        elif isinstance(item, dict):
            pending += item.keys()
            pending += item.values()
        elif isinstance(item, list):
            pending += item


async def read_json(request: web.Request, *, required: bool = True) -> dict:
    if request.content_length is not None and request.content_length > MAX_JSON_BODY_BYTES:
        raise InvalidInput(f"The request body is larger than {MAX_JSON_BODY_BYTES} bytes.", code="too_large")
    body = bytearray()
    while len(body) <= MAX_JSON_BODY_BYTES:  # read() returns what has arrived so far: a slow body comes in pieces
        chunk = await request.content.read(MAX_JSON_BODY_BYTES + 1 - len(body))
        if not chunk:
            break
        body += chunk
    if len(body) > MAX_JSON_BODY_BYTES:
        raise InvalidInput(f"The request body is larger than {MAX_JSON_BODY_BYTES} bytes.", code="too_large")
    if not body.strip():
        if required:
            raise InvalidInput("A JSON body is required.")
        return {}
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidInput("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidInput("The request body must be a JSON object.")
    refuse_nul(data, "The request body")
    return data


def string_field(data: dict, name: str, *, required: bool = False, default: str | None = None) -> str | None:
    value = data.get(name, default)
    if value is None:
        if required:
            raise InvalidInput(f"'{name}' is required.")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"'{name}' must be a string.")
    return value


def query_int(request: web.Request, name: str, *, low: int, high: int, default: int | None = None) -> int | None:
    """A whole-number query parameter, ``default`` when absent; anything else than ASCII digits in ``low..high`` is a 400."""
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    value = parse_uint63(raw)
    if value is None or not low <= value <= high:
        raise InvalidInput(f"'{name}' must be a whole number from {low} to {high}.")
    return value


def page_limit(request: web.Request) -> int:
    return query_int(request, "limit", low=1, high=MAX_PAGE_SIZE, default=DEFAULT_PAGE_SIZE)


@functools.lru_cache(maxsize=65_536)  # a feed's next cursor is the same on every reload of its top page
def encode_cursor(*parts: int) -> str:
    text = ".".join(str(part) for part in parts)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(request: web.Request, count: int = 1) -> tuple[int, ...] | None:
    """The cursor's integers, or None for the first page; a damaged cursor is a 400."""
    raw = request.query.get("cursor")
    if not raw:
        return None
    bad = InvalidInput("'cursor' is not a cursor this server made.")
    if len(raw) > MAX_CURSOR_CHARS or not raw.isascii():
        raise bad
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        raise bad from None
    parts = tuple(parse_uint63(part) for part in text.split("."))
    # Each part is 1 to 19 ASCII digits below 2**63: a larger integer would overflow the database's 64-bit integers.
    if len(parts) != count or None in parts:
        raise bad
    return parts  # type: ignore[return-value]


def path_id(request: web.Request, name: str, what: str) -> int:
    value = parse_id(request.match_info.get(name))
    if value is None:
        raise NotFound(f"No such {what}.")
    return value
