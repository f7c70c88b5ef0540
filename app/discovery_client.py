"""The API calls for stories, explore and suggestions, mixed into ``ApiClient`` (which owns the HTTP plumbing:
``_request`` and ``_page``), so the client stays one object and ``api_client.py`` stays short."""

from __future__ import annotations

from pathlib import Path

import httpx

from .api_types import Page, Post
from .multipart import MultipartBody
from .story_types import Story, StoryViewer, Suggestion, TrayItem

# A story is one photo or one short clip: an upload may stall this long per chunk before it counts as failed.
STORY_UPLOAD_STALL_SECONDS = 60.0


class DiscoveryCalls:
    async def post_story(self, path: Path, caption: str = "") -> Story:
        """Post a story (one photo or a video of at most 60 s), streamed from disk."""
        body = MultipartBody([path], caption, (), None, None)
        headers = {"Content-Type": body.content_type, "Content-Length": str(body.length)}
        data = await self._request("POST", "/stories", content=body.stream(), headers=headers,
                                   timeout=httpx.Timeout(STORY_UPLOAD_STALL_SECONDS, connect=5.0))
        return Story.from_json(data["story"])

    async def story_tray(self) -> list[TrayItem]:
        return [TrayItem.from_json(item) for item in (await self._request("GET", "/stories/tray")).get("tray") or ()]

    async def user_stories(self, user: str) -> list[Story]:
        """A user's active stories, oldest first (``user``: an id or a username)."""
        ref = user if user.isdigit() else "@" + user.lstrip("@")
        return [Story.from_json(item) for item in (await self._request("GET", f"/users/{ref}/stories")).get("stories") or ()]

    async def mark_story_seen(self, story_id: str) -> None:
        await self._request("POST", f"/stories/{story_id}/seen")

    async def story_viewers(self, story_id: str, cursor: str | None = None, limit: int | None = None) -> tuple[Page[StoryViewer], int]:
        data = await self._request("GET", f"/stories/{story_id}/viewers", params={"cursor": cursor, "limit": limit})
        page = Page(items=tuple(StoryViewer.from_json(v) for v in data.get("viewers") or ()), next_cursor=data.get("next_cursor"))
        return page, int(data.get("view_count") or 0)

    async def delete_story(self, story_id: str) -> None:
        await self._request("DELETE", f"/stories/{story_id}")

    async def story_archive(self, cursor: str | None = None, limit: int | None = None) -> Page[Story]:
        return await self._page("/me/stories/archive", "stories", Story.from_json, cursor, limit)

    async def explore(self, cursor: str | None = None, limit: int | None = None) -> Page[Post]:
        """A page of Explore; pass the previous page's cursor to stay in the same session (no repeats)."""
        return await self._page("/explore", "posts", Post.from_json, cursor, limit)

    async def suggested_users(self, limit: int | None = None) -> list[Suggestion]:
        data = await self._request("GET", "/suggestions/users", params={"limit": limit})
        return [Suggestion.from_json(item) for item in data.get("users") or ()]
