"""The served OpenAPI document: valid OpenAPI 3.1, and a schema for every status every operation answers."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from server.web.openapi import BODY_KINDS, _body_schema, has_no_body

WRITES = {"post", "put", "patch", "delete"}


async def spec_of(api) -> dict:
    status, spec = await api.call("GET", "/api/v1/openapi.json")
    assert status == 200
    return spec


async def test_the_document_is_valid_openapi_3_1(api):
    spec = await spec_of(api)
    assert spec["openapi"] == "3.1.0"
    validate(spec)  # raises, naming the fault, on an invalid document


async def test_every_status_has_a_schema_and_errors_share_one(api):
    spec = await spec_of(api)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            responses = operation["responses"]
            assert "400" in responses, f"{where}: any request can be unreadable"
            if method in WRITES and path.startswith("/api/"):
                assert "429" in responses and "Retry-After" in responses["429"]["headers"], f"{where}: writes are rate limited"
            for code, answer in responses.items():
                if has_no_body(path, code):  # bodiless statuses, and tus answers (all in headers)
                    assert "content" not in answer, f"{where} {code} has no body"
                    continue
                assert answer.get("content"), f"{where} {code} has no schema"
                for media_type, content in answer["content"].items():
                    assert content.get("schema"), f"{where} {code} {media_type} has no schema"
                if int(code) >= 400 and not (path == "/healthz" and code == "503"):
                    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}, where


async def test_login_setup_and_registration_document_their_400s(api):
    spec = await spec_of(api)
    for method, path in (("post", "/api/v1/auth/login"), ("post", "/setup"), ("post", "/api/v1/auth/register"),
                         ("get", "/api/v1/setup")):
        assert "400" in spec["paths"][path][method]["responses"], f"{method} {path}"
    status, body = await api.call("POST", "/api/v1/auth/login", data=b"not json", headers={"Content-Type": "application/json"})
    assert status == 400 and body["error"]["code"] == "invalid_input"


async def test_documented_answers_match_real_ones(api):
    """A few answers checked against their schemas by hand (the schemathesis run checks them all)."""
    from jsonschema import Draft202012Validator

    spec = await spec_of(api)
    user, token = await api.register()
    status, posted = await api.post_photo(token, caption="#cats")

    def check(path: str, method: str, code: int, body) -> None:
        schema = spec["paths"][path][method]["responses"][str(code)]["content"]["application/json"]["schema"]
        resolver = {"components": spec["components"], **schema}
        Draft202012Validator(resolver).validate(body)

    check("/api/v1/posts", "post", status, posted)
    status, body = await api.call("GET", "/api/v1/feed", token)
    check("/api/v1/feed", "get", status, body)
    status, body = await api.call("GET", f"/api/v1/users/{user['user_id']}", token)
    check("/api/v1/users/{user}", "get", status, body)
    status, body = await api.call("GET", "/api/v1/posts/1", token)
    check("/api/v1/posts/{post_id}", "get", status, body)


def test_prose_in_a_body_type_is_refused():
    assert _body_schema({"ids": "[string]?", "text": "string"}, "application/json") == {
        "type": "object", "properties": {"ids": BODY_KINDS["[string]"], "text": BODY_KINDS["string"]}, "required": ["text"]}
    with pytest.raises(ValueError, match="not one of"):
        _body_schema({"text": "string, 1..2200 characters"}, "application/json")


async def test_tus_routes_are_described_with_their_headers(api):
    """tus answers in headers (no body on success); HEAD is an operation of its own there."""
    spec = await spec_of(api)
    upload = spec["paths"]["/api/v1/uploads/tus/{upload_id}"]
    assert {"head", "patch", "delete", "options"} <= set(upload)
    assert "content" not in upload["head"]["responses"]["200"] and "Upload-Offset" in upload["head"]["responses"]["200"]["headers"]
    assert "460" in upload["patch"]["responses"]
    creation = spec["paths"]["/api/v1/uploads/tus"]["post"]
    assert "Location" in creation["responses"]["201"]["headers"]
    headers = {param["name"]: param for param in creation["parameters"] if param["in"] == "header"}
    assert headers["Tus-Resumable"]["required"] and headers["Upload-Length"]["required"]
    assert not headers["Upload-Metadata"]["required"]
    assert "head" not in spec["paths"]["/api/v1/feed"], "aiohttp's automatic HEAD beside a GET is no operation"
