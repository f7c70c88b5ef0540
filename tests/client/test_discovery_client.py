"""The API client's story, explore and suggestion calls against a real server: typed results end to end."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from app.api_client import ApiError
from tests.client.photos import write_photo


async def ready(read):
    for _ in range(300):  # others see a story or a post once its media are processed
        found = await read()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError("never processed")


async def test_a_story_round_trip_tray_seen_viewers_archive_and_delete(api, other_api, tmp_path):
    author = await other_api.me()
    story = await other_api.post_story(write_photo(tmp_path / "story.jpg", size=(540, 960)), "sunrise")
    assert story.caption == "sunrise" and story.view_count == 0
    await api.follow(author.username)
    stories = await ready(lambda: api.user_stories(author.username))
    assert [s.story_id for s in stories] == [story.story_id] and stories[0].media.picture.startswith("http")
    assert [(item.user.username, item.has_unseen) for item in await api.story_tray()] == [(author.username, True)]

    await api.mark_story_seen(story.story_id)
    assert [item.has_unseen for item in await api.story_tray()] == [False]
    page, count = await other_api.story_viewers(story.story_id)
    assert count == 1 and [v.user.username for v in page.items] == [(await api.me()).username]
    assert [s.story_id for s in (await other_api.story_archive()).items] == [story.story_id]

    await other_api.delete_story(story.story_id)
    with pytest.raises(ApiError) as gone:
        await api.mark_story_seen(story.story_id)
    assert gone.value.status == 404


async def test_explore_pages_and_suggestions_with_reasons(api, other_api, tmp_path):
    author = await other_api.me()
    post = await other_api.create_post([write_photo(tmp_path / "p.jpg")], "a hill", idempotency_key=str(uuid.uuid4()))
    await ready(lambda: _published(other_api, post.post_id))
    page = await api.explore(limit=50)
    assert post.post_id in {p.post_id for p in page.items}
    suggested = {s.user.username: s.reason for s in await api.suggested_users(50)}
    assert suggested.get(author.username) == "Active here lately"


async def _published(client, post_id: str) -> bool:
    return all(m.status == "ready" for m in (await client.post(post_id)).media)
