"""Whatever a stranger sends in a URL, a header or a form, the answer is a JSON error, never a 500.

Numbers in paths and queries (ids, ``limit``, ``expires``, cursor parts) are 1 to 19 ASCII digits
below 2^63; Unicode digits ('²', '³'), 5,000-digit numbers and cursors carrying 2^63 are refused.
Requests aiohttp itself cannot parse (a bad request line, an over-long header, a broken chunked
body) and its router's 404 and 405 answer with the same ``{"error": {...}}`` shape.
"""

from __future__ import annotations

import asyncio
import base64
from urllib.parse import urlsplit

import pytest

from tests.conftest import jpeg_bytes

API = "/api/v1"
HOSTILE_NUMBERS = ["%C2%B3", "%C2%B2", "%D9%A3", "1" * 5000, "9" * 19, "-1", "+5", "%201", "1e3", "0x10", "%EF%BC%91"]


def cursor_of(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def assert_json_error(status: int, body, expected_status: int, code: str | None = None) -> None:
    assert status == expected_status, (status, body)
    assert isinstance(body, dict) and set(body["error"]) >= {"code", "message"}, body
    if code is not None:
        assert body["error"]["code"] == code, body


async def raw_exchange(api, request: bytes) -> tuple[int, dict]:
    """Send bytes as they are (no client library to tidy them up); the status and JSON body of the answer."""
    import orjson

    reader, writer = await asyncio.open_connection(api.client.server.host, api.client.server.port)
    try:
        writer.write(request)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 10)  # every error answer closes the connection
    finally:
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert b"content-type: application/json" in head.lower(), head
    return status, orjson.loads(body)


async def test_limit_takes_only_ascii_digits_in_range(api):
    _, token = await api.register()
    for value in [*HOSTILE_NUMBERS, "0", "51"]:
        for path in (f"{API}/feed", f"{API}/notifications", f"{API}/me/follow_requests", f"{API}/saved"):
            status, body = await api.call("GET", f"{path}?limit={value}", token)
            assert_json_error(status, body, 400, "invalid_input")
    status, body = await api.call("GET", f"{API}/feed?limit=50", token)
    assert status == 200, body


async def test_path_ids_that_are_not_ids_name_nothing(api):
    _, token = await api.register()
    for value in HOSTILE_NUMBERS:
        for method, path in (("GET", f"{API}/posts/{value}"), ("POST", f"{API}/posts/{value}/likes"),
                         ("GET", f"{API}/posts/{value}/comments"), ("DELETE", f"{API}/comments/{value}"),
                             ("POST", f"{API}/me/follow_requests/{value}/approve"), ("GET", f"{API}/users/{value}")):
            status, body = await api.call(method, path, token)
            assert_json_error(status, body, 404, "not_found")


BAD_CURSORS = [cursor_of(str(1 << 63)), cursor_of(str((1 << 63) - 1) + "0"), cursor_of("1" * 5000), cursor_of("³"),
               cursor_of("-5"), cursor_of("1.2.3"), cursor_of("1."), "%C2%B3", "!!!!", "A" * 5000]


async def test_cursors_are_checked_before_they_reach_the_database(api):
    user, token = await api.register()
    for cursor in BAD_CURSORS:
        for path in (f"{API}/feed", f"{API}/users/{user['user_id']}/posts", f"{API}/notifications",
                     f"{API}/users/{user['user_id']}/followers", f"{API}/tags/cats/posts", f"{API}/saved"):
            status, body = await api.call("GET", f"{path}?cursor={cursor}", token)
            assert_json_error(status, body, 400, "invalid_input")


async def test_the_largest_cursor_the_database_can_hold_still_pages(api):
    _, token = await api.register()
    status, body = await api.call("GET", f"{API}/feed?cursor={cursor_of(str((1 << 63) - 1))}", token)
    assert status == 200, body


async def test_signed_upload_url_refuses_bad_expiries_and_non_ascii_signatures(api):
    _, token = await api.register()
    data = jpeg_bytes()
    status, body = await api.call("POST", f"{API}/uploads", token, json={"content_type": "image/jpeg", "size": len(data)})
    assert status == 201, body
    if "/api/v1/uploads/" not in body["upload_url"]:
        return  # the store's own presigned URL (S3): nothing of ours parses it
    url = urlsplit(body["upload_url"])
    query = dict(part.split("=", 1) for part in url.query.split("&"))
    for expires, signature in (("%C2%B3", query["signature"]), ("1" * 5000, query["signature"]),
                               (query["expires"], "%C3%A9" * 10), (query["expires"], "%F0%9F%98%80"),
                               (query["expires"], query["signature"][:-1] + "%C3%A9")):
        status, answer = await api.call("PUT", f"{url.path}?expires={expires}&signature={signature}", data=data,
                                        headers={"Content-Type": "image/jpeg"})
        assert_json_error(status, answer, 403, "signature_invalid")
    status, answer = await api.call("PUT", f"{url.path}?{url.query}", data=data, headers={"Content-Type": "image/jpeg"})
    assert status == 200, answer  # the genuine URL still works


BAD_FORMS = [
    ("multipart/form-data", b"--x\r\n\r\n"),
    ("multipart/form-data; boundary=", b"--\r\n"),
    ("multipart/form-data; boundary=" + "b" * 80, b"--x\r\n"),
    ("multipart/form-data; boundary=ab", b"no boundary here at all"),
    ("multipart/form-data; boundary=ab",
     b'--ab\r\nContent-Disposition: form-data; name="me\x00dia"; filename="a.jpg"\r\n\r\nxx\r\n--ab--\r\n'),
    ("multipart/form-data; boundary=ab", b"--ab\r\nContent-Disp\x00osition: form-data\r\n\r\nxx\r\n--ab--\r\n"),
    ("multipart/form-data; boundary=ab", b"--ab\r\nnot a header line\r\n\r\nxx\r\n--ab--\r\n"),
    ("multipart/form-data; boundary=ab", b'--ab\r\nContent-Disposition: form-data; name="caption"\r\n\r\nhi'),
]


async def test_malformed_multipart_is_a_400(api):
    _, token = await api.register()
    for content_type, body in BAD_FORMS:
        for method, path in (("POST", f"{API}/posts"), ("PUT", f"{API}/me/avatar")):
            status, answer = await api.call(method, path, token, data=body, headers={"Content-Type": content_type})
            assert_json_error(status, answer, 400)
    left = [path for path in (api.ctx.settings.data_path / "tmp").rglob("*") if path.is_file() and path.suffix != ".lock"]
    assert not left, "a refused form leaves no temp file"  # (each process's own scratch folder and its lock stay)


async def test_a_10_kb_idempotency_key_is_a_json_400(api):
    _, token = await api.register()
    status, body = await api.post_photo(token, idempotency_key="k" * 10_000)
    assert_json_error(status, body, 400)


async def test_requests_aiohttp_cannot_parse_answer_json(api):
    cases = [
        b"GARBAGE\r\n\r\n",
        b"GET /api/v1/feed HTTP/9.9\r\nHost: x\r\n\r\n",
        b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"v" * 10_000 + b"\r\n\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nBad\x00Name: v\r\n\r\n",
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
    ]
    for request in cases:
        status, body = await raw_exchange(api, request)
        assert_json_error(status, body, 400)


async def test_a_broken_chunked_body_is_a_json_400(api):
    request = (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
    status, body = await raw_exchange(api, request)
    assert_json_error(status, body, 400)


async def test_router_404_and_405_are_json(api):
    status, body = await api.call("GET", "/api/v1/no/such/thing")
    assert_json_error(status, body, 404, "not_found")
    response = await api.client.request("PATCH", "/api/v1/feed")
    assert response.status == 405 and "GET" in response.headers["Allow"]
    body = await response.json()
    assert body["error"]["code"] == "method_not_allowed"


async def test_plain_usernames_work_in_user_paths(api):
    grandma, _ = await api.register("grandma")
    digits, _ = await api.register("20240101")
    _, token = await api.register()
    status, body = await api.call("POST", f"{API}/users/grandma/follow", token)
    assert status == 200 and body == {"following": True}, body
    for ref in ("grandma", "@grandma", "GrandMa", grandma["user_id"]):
        status, body = await api.call("GET", f"{API}/users/{ref}", token)
        assert status == 200 and body["user"]["user_id"] == grandma["user_id"], (ref, body)
    status, body = await api.call("GET", f"{API}/users/grandma/posts", token)
    assert status == 200 and body["user"]["username"] == "grandma"
    # A reference made only of digits is an id; an all-digit username is written with '@'.
    status, body = await api.call("GET", f"{API}/users/@20240101", token)
    assert status == 200 and body["user"]["user_id"] == digits["user_id"]
    status, body = await api.call("GET", f"{API}/users/20240101", token)
    assert_json_error(status, body, 404, "not_found")
    for ref in ("gr", "grandma!", "gr%C3%A4ndma", "%E2%84%AAarl", "x" * 31):
        status, body = await api.call("GET", f"{API}/users/{ref}", token)
        assert_json_error(status, body, 404, "not_found")
