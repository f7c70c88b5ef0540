"""Small steps the likes/comments/saves/notifications/search tests share, spoken through the HTTP API."""

from __future__ import annotations

API = "/api/v1"
BEYOND_64_BITS = str(2**64 + 5)
HOSTILE_POST_IDS = ("abc", "0", "-1", "1.5", BEYOND_64_BITS, str(2**63))


async def publish(api, token: str, caption: str = "") -> str:
    status, body = await api.post_photo(token, caption=caption)
    assert status == 201, body
    return body["post"]["post_id"]


async def read_post(api, token: str, post_id: str) -> dict:
    status, body = await api.call("GET", f"{API}/posts/{post_id}", token)
    assert status == 200, body
    return body["post"]


async def follow(api, token: str, user_id: str) -> None:
    status, body = await api.call("POST", f"{API}/users/{user_id}/follow", token)
    assert status == 200 and body.get("following") is True, body


async def make_private(api, token: str) -> None:
    status, body = await api.call("PATCH", f"{API}/me", token, json={"is_private": True})
    assert status == 200, body


async def notifications_of(api, token: str, **query) -> dict:
    status, body = await api.call("GET", f"{API}/notifications", token, params=query)
    assert status == 200, body
    return body


async def walk_pages(api, token: str, path: str, key: str, limit: int) -> list[list[dict]]:
    """Every page of a cursor-paginated list, following next_cursor to the end."""
    pages, cursor = [], None
    while True:
        params = {"limit": str(limit), **({"cursor": cursor} if cursor else {})}
        status, body = await api.call("GET", path, token, params=params)
        assert status == 200, body
        pages.append(body[key])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 100, "the cursor never ended"
