"""The server forwarding everything outside the API to the web app: HTTP both ways, websockets, and the gaps."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from server.ops.webui import attach_web_ui, owned_by_api


def fake_web_app() -> web.Application:
    """Stands in for Flet's web server: echoes what it was asked, and a websocket that echoes."""
    app = web.Application()

    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        response = web.json_response({"method": request.method, "path": request.path, "query": request.query_string,
                                      "body": body.decode(), "forwarded_for": request.headers.get("X-Forwarded-For"),
                                      "host": request.headers.get("X-Forwarded-Host"), "cookie": request.headers.get("Cookie")})
        response.headers.add("Set-Cookie", "a=1")
        response.headers.add("Set-Cookie", "b=2")
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        return response

    async def big(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(64):
            await response.write(b"x" * 65536)
        return response

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_str("hello from the app")
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                await ws.send_str("echo:" + message.data)
            elif message.type == aiohttp.WSMsgType.BINARY:
                await ws.send_bytes(message.data[::-1])
        return ws

    app.router.add_get("/ws", socket)
    app.router.add_get("/big", big)
    app.router.add_route("*", "/{tail:.*}", echo)
    return app


@pytest.fixture
async def upstream():
    server = TestServer(fake_web_app())
    await server.start_server()
    yield server
    await server.close()


@pytest.fixture
async def proxied(settings, aiohttp_client, media_pool, upstream):
    from server.web.app import create_app

    app = create_app(settings, media_pool=media_pool)
    attach_web_ui(app, str(upstream.make_url("")).rstrip("/"))
    return await aiohttp_client(app)


def test_which_paths_are_the_servers():
    assert all(owned_by_api(path) for path in ("/api/v1/feed", "/media/abc", "/healthz", "/metrics", "/setup", "/api",
                                               "/s/abc", "/s/abc/media/def", "/p/123", "/@ann"))  # the HTML pages
    assert not any(owned_by_api(path) for path in ("/", "/ws", "/profile/ann", "/setup/x", "/apis", "/main.dart.js", "/mediafile",
                                                "/photoshare-media/0123abcd.jpg"))  # the app's own photo URLs


async def test_pages_and_posts_go_to_the_web_app(proxied):
    response = await proxied.get("/profile/ann?tab=grid&x=%2F", headers={"Cookie": "session=1"})
    body = await response.json()
    assert response.status == 200 and body["method"] == "GET" and body["path"] == "/profile/ann"
    assert "tab=grid" in body["query"] and body["cookie"] == "session=1"
    assert body["forwarded_for"] == "127.0.0.1" and body["host"]
    assert response.headers.getall("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"

    response = await proxied.put("/upload?f=1", data=b"picture bytes")
    assert (await response.json())["body"] == "picture bytes"
    response = await proxied.get("/big")
    assert len(await response.read()) == 64 * 65536


async def test_the_api_stays_the_servers(proxied):
    response = await proxied.get("/healthz")
    assert (await response.json())["status"] == "ok"
    response = await proxied.get("/api/v1/nope")
    assert response.status == 404 and (await response.json())["error"]["code"] == "not_found"
    response = await proxied.put("/api/v1/feed")
    assert response.status == 405
    response = await proxied.get("/setup")
    assert response.status == 200 and "PhotoShare" in await response.text()


async def test_websockets_are_forwarded_both_ways(proxied):
    async with proxied.ws_connect("/ws") as ws:
        assert (await ws.receive_str(timeout=5)) == "hello from the app"
        await ws.send_str("hi")
        assert (await ws.receive_str(timeout=5)) == "echo:hi"
        payload = bytes(range(256)) * 4096  # 1 MB: pictures travel this way
        await ws.send_bytes(payload)
        assert (await ws.receive_bytes(timeout=5)) == payload[::-1]


async def test_while_the_web_app_is_down_browsers_get_a_starting_page(proxied, upstream):
    await upstream.close()
    response = await proxied.get("/")
    assert response.status == 503 and "PhotoShare is starting" in await response.text()
    assert response.headers["Retry-After"] == "3"
    response = await proxied.get("/ws", headers={"Upgrade": "websocket", "Connection": "Upgrade",
                                                 "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13"})
    assert response.status == 503
    assert (await proxied.get("/healthz")).status == 200


async def test_a_5000_character_path_is_a_clean_404_not_forwarded(proxied):
    for path in ("/" + "a" * 5000, "/assets/" + "x" * 5000 + ".js", "/" + "%C3%A9" * 1000):
        response = await proxied.get(path)
        assert response.status == 404, path[:40]
        assert (await response.json())["error"]["code"] == "not_found"
    assert (await proxied.get("/profile/" + "a" * 200)).status == 200  # ordinary long paths still reach the app
