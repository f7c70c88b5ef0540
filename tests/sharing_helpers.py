"""Steps the album, share link and post-edit tests share, spoken through the HTTP API."""

from __future__ import annotations

from tests.interaction_helpers import API, notifications_of


async def ready_post(api, token: str, caption: str = "", **kwargs) -> dict:
    """A published post with its variants made (the jobs run), as its author reads it."""
    status, body = await api.post_photo(token, caption=caption, **kwargs)
    assert status == 201, body
    await api.run_jobs()
    status, body = await api.call("GET", f"{API}/posts/{body['post_id']}", token)
    assert status == 200, body
    return body["post"]


async def new_album(api, token: str, title: str = "Summer 2026", **fields) -> dict:
    status, body = await api.call("POST", f"{API}/albums", token, json={"title": title, **fields})
    assert status == 201, body
    return body["album"]


async def add_member(api, token: str, album_id: str, user_id: str, role: str = "contributor") -> dict:
    status, body = await api.call("POST", f"{API}/albums/{album_id}/members", token, json={"user_id": user_id, "role": role})
    assert status == 200, body
    return body["album"]


async def album_page(api, token: str, album_id: str) -> tuple[int, dict]:
    return await api.call("GET", f"{API}/albums/{album_id}", token)


async def album_notifications(api, token: str) -> list[dict]:
    inbox = await notifications_of(api, token)
    return [n for n in inbox["notifications"] if n["type"].startswith("album_")]


async def share(api, token: str, target_type: str, target_id: str | None = None, **fields) -> dict:
    body = {"target_type": target_type, **({"target_id": target_id} if target_id else {}), **fields}
    status, answer = await api.call("POST", f"{API}/share_links", token, json=body)
    assert status == 201, answer
    return answer
