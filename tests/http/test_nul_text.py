"""Text holding U+0000 (NUL) is refused with a clear 400 on every store.

SQLite would store it; PostgreSQL cannot hold it in text and would fail the request. Regression: on
PostgreSQL a caption, bio, search or login with a NUL answered 500.
"""

import pytest

API = "/api/v1"
NUL_TEXT = "before\x00after"


async def test_a_caption_or_alt_text_with_nul_is_refused(api):
    _, token = await api.register()
    status, body = await api.post_photo(token, caption=NUL_TEXT)
    assert status == 400 and "NUL" in body["error"]["message"] and "'caption'" in body["error"]["message"]
    status, body = await api.post_photo(token, alt_texts=[NUL_TEXT])
    assert status == 400 and "NUL" in body["error"]["message"]


@pytest.mark.parametrize("method, path, payload", [
    ("PATCH", "/me", {"bio": NUL_TEXT}),
    ("PATCH", "/me", {"display_name": "ok", "nested": [{"deep": NUL_TEXT}]}),
    ("POST", "/auth/login", {"username": NUL_TEXT, "password": "correct horse battery"}),
    ("POST", "/auth/register", {"username": NUL_TEXT, "password": "correct horse battery"}),
])
async def test_a_json_body_with_nul_is_refused(api, method, path, payload):
    _, token = await api.register()
    status, body = await api.call(method, API + path, token, json=payload)
    assert status == 400 and body["error"]["code"] == "invalid_input" and "NUL" in body["error"]["message"]


@pytest.mark.parametrize("path, params", [
    ("/search", {"q": NUL_TEXT}),
    ("/users/@a%00b", {}),
    ("/hashtags/a%00b/posts", {}),
])
async def test_a_url_with_nul_is_refused(api, path, params):
    _, token = await api.register()
    status, body = await api.call("GET", API + path, token, params=params)
    assert status == 400 and "NUL" in body["error"]["message"]


async def test_a_comment_with_nul_is_refused_and_nothing_is_written(api):
    _, token = await api.register()
    status, body = await api.post_photo(token, caption="fine")
    post_id = body["post"]["post_id"]
    status, body = await api.call("POST", f"{API}/posts/{post_id}/comments", token, json={"text": NUL_TEXT})
    assert status == 400
    status, body = await api.call("GET", f"{API}/posts/{post_id}", token)
    assert body["post"]["comment_count"] == 0
