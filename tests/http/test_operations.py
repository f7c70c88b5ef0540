"""Operations: health, metrics, the OpenAPI document, JSON errors everywhere, rate limits."""

from aiohttp import web

from server.web.openapi import build_openapi


async def test_healthz_reports_each_backend(api):
    status, body = await api.call("GET", "/healthz")
    assert status == 200
    assert body == {"status": "ok", "checks": {"database": "ok", "storage": "ok", "timelines": "ok", "queue": "ok"}}


async def test_healthz_names_a_failing_backend(api):
    async def broken():
        raise ConnectionError("disk unplugged")

    api.ctx.blobs.ping = broken
    status, body = await api.call("GET", "/healthz")
    assert status == 503 and body["checks"]["storage"].startswith("failing") and "disk unplugged" in body["checks"]["storage"]
    assert body["checks"]["database"] == "ok"


async def test_metrics_are_prometheus_text(api):
    await api.call("GET", "/healthz")
    response = await api.client.get("/metrics")
    text = await response.text()
    assert response.status == 200 and response.content_type == "text/plain"
    assert 'photoshare_http_requests_total{method="GET",route="/healthz",status="200"} 1' in text
    assert "photoshare_http_request_duration_seconds_bucket" in text
    assert "photoshare_jobs_queued" in text


async def test_openapi_matches_the_routes(api):
    status, spec = await api.call("GET", "/api/v1/openapi.json")
    assert status == 200 and spec["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    routes = [route for route in api.client.app.router.routes() if route.resource is not None]
    gets = {(route.resource, route.handler) for route in routes if route.method == "GET"}
    # aiohttp's automatic HEAD beside each GET is not an operation; a HEAD of its own (tus) is.
    routed = {(route.resource.canonical, route.method) for route in routes
              if not (route.method == "HEAD" and (route.resource, route.handler) in gets)}
    assert documented == routed, "every route needs @doc, and the document lists nothing else"
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert op["summary"] and op["responses"], (method, path)
            if path.startswith("/api/v1/") and "security" in op:
                assert "401" in op["responses"], f"{method} {path} needs a token, so it can answer 401"


async def test_unknown_routes_and_methods_answer_json(api):
    status, body = await api.call("GET", "/api/v1/nope")
    assert status == 404 and body["error"]["code"] == "not_found" and body["error"]["request_id"]
    status, body = await api.call("PUT", "/api/v1/feed")
    assert status == 405 and body["error"]["code"] == "method_not_allowed"


async def test_unexpected_errors_are_json_500_with_the_request_id(api, caplog):
    async def explode(user_id):
        raise RuntimeError("bug")

    _, token = await api.register()
    api.ctx.profiles.me = explode
    response = await api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}", "X-Request-Id": "trace-me-42"})
    body = await response.json()
    assert response.status == 500
    assert body["error"]["code"] == "internal_error" and body["error"]["request_id"] == "trace-me-42"
    assert "trace-me-42" in body["error"]["message"]
    assert "bug" not in body["error"]["message"]
    assert any("trace-me-42" in record.getMessage() for record in caplog.records)


async def test_write_rate_limit_answers_429_with_retry_after(api):
    api.ctx.settings.values["rate_limit_user_writes"] = 3
    _, token = await api.register()
    statuses = []
    for _ in range(5):
        response = await api.client.patch("/api/v1/me", json={"bio": "hi"}, headers={"Authorization": f"Bearer {token}"})
        statuses.append(response.status)
        if response.status == 429:
            assert int(response.headers["Retry-After"]) >= 1
            assert (await response.json())["error"]["code"] == "rate_limited"
    assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429
    assert (await api.call("GET", "/api/v1/me", token))[0] == 200  # reads are not limited


async def test_per_ip_limit_covers_anonymous_writes(api):
    api.ctx.settings.values["rate_limit_ip_writes"] = 2
    statuses = [(await api.call("POST", "/api/v1/auth/login", json={"username": "x", "password": "y" * 8}))[0] for _ in range(4)]
    assert statuses[:2] == [401, 401] and statuses[-1] == 429


async def test_post_rate_limit_per_hour(api):
    api.ctx.settings.values["rate_limit_user_posts"] = 2
    _, token = await api.register()
    assert [(await api.post_photo(token))[0] for _ in range(3)] == [201, 201, 429]


def test_openapi_builds_for_an_app_with_no_context():
    app = web.Application()
    from server.web.routes import add_routes

    add_routes(app)
    assert "/api/v1/feed" in build_openapi(app)["paths"]
