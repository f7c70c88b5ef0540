"""Steps the stories, explore and suggestions tests share, spoken through the HTTP API (and a test clock)."""

from __future__ import annotations

import aiohttp

from server.auth import new_token, token_hash
from server.clock import now_ms
from server.repos import users as users_repo
from tests.clocks import ManualClock
from tests.conftest import jpeg_bytes
from tests.feed_data import add_user

API = "/api/v1"
HOUR_MS = 3_600_000


def story_clock(api) -> ManualClock:
    """The stories service's clock, in milliseconds, moved by the test."""
    clock = ManualClock(now=float(now_ms()))
    api.ctx.stories.clock = lambda: int(clock())
    return clock


async def post_story(api, token: str, *, data: bytes | None = None, caption: str = "", filename: str = "story.jpg") -> dict:
    form = aiohttp.FormData()
    form.add_field("media", data or jpeg_bytes(), filename=filename, content_type="application/octet-stream")
    form.add_field("caption", caption)
    status, body = await api.call("POST", f"{API}/stories", token, data=form)
    assert status == 201, body
    return body["story"]


async def ready_story(api, token: str, **kwargs) -> dict:
    story = await post_story(api, token, **kwargs)
    await api.run_jobs()
    return story


async def tray_of(api, token: str) -> list[dict]:
    status, body = await api.call("GET", f"{API}/stories/tray", token)
    assert status == 200, body
    return body["tray"]


def tray_names(tray: list[dict]) -> list[tuple[str, bool]]:
    return [(item["user"]["username"], item["has_unseen"]) for item in tray]


async def stories_of(api, token: str, user_id: str) -> tuple[int, dict]:
    return await api.call("GET", f"{API}/users/{user_id}/stories", token)


async def mark_seen(api, token: str, story_id: str) -> int:
    status, _ = await api.call("POST", f"{API}/stories/{story_id}/seen", token)
    return status


async def quick_users(api, count: int, prefix: str) -> list[tuple[int, str]]:
    """Accounts with tokens straight in the database (registering hashes a password: too slow for hundreds)."""
    made = []
    for index in range(count):
        user_id = await add_user(api.ctx, f"{prefix}{index}")
        token = new_token()
        await api.ctx.db.write(lambda conn, user_id=user_id, token=token: users_repo.add_token(conn, token_hash(token), user_id, now_ms()))
        made.append((user_id, token))
    return made
