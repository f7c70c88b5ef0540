"""Stories over HTTP on both stacks: posting, expiry by time, the tray's order, seen marks, viewers, privacy."""

from __future__ import annotations

import asyncio

import pytest

from tests.interaction_helpers import follow, make_private
from tests.story_helpers import (API, HOUR_MS, mark_seen, post_story, quick_users, ready_story, stories_of, story_clock,
                                 tray_names, tray_of)


@pytest.fixture(params=["embedded", "scaled"])
def stack(request):
    return request.param


async def test_a_story_is_processed_shown_to_followers_and_gone_after_its_hours_but_archived(api):
    clock = story_clock(api)
    author, author_token = await api.register("teller")
    _, fan_token = await api.register("fan")
    await follow(api, fan_token, author["user_id"])

    story = await post_story(api, author_token, caption="morning")
    assert story["media"]["status"] == "processing" and story["view_count"] == 0
    status, body = await stories_of(api, fan_token, author["user_id"])
    assert status == 200 and body["stories"] == []  # others see it once it is ready
    await api.run_jobs()

    status, body = await stories_of(api, fan_token, author["user_id"])
    shown = body["stories"][0]
    assert shown["story_id"] == story["story_id"] and shown["caption"] == "morning" and shown["seen_by_me"] is False
    assert shown["media"]["status"] == "ready" and shown["media"]["placeholder"]
    assert set(shown["media"]["variants"]) == {"thumb", "320", "640", "1080", "1440"}
    assert "view_count" not in shown  # only its author sees the count
    variant = await api.client.get(shown["media"]["variants"]["1080"], headers={"Accept": "image/jpeg"})
    assert variant.status == 200 and b"Exif" not in await variant.read()
    assert tray_names(await tray_of(api, fan_token)) == [("teller", True)]

    clock.now += 24 * HOUR_MS  # story_hours later
    assert (await stories_of(api, fan_token, author["user_id"]))[1]["stories"] == []
    assert await tray_of(api, fan_token) == [] and await tray_of(api, author_token) == []
    assert await mark_seen(api, fan_token, story["story_id"]) == 404
    status, body = await api.call("GET", f"{API}/me/stories/archive", author_token)
    assert status == 200 and [s["story_id"] for s in body["stories"]] == [story["story_id"]]


async def test_the_tray_shows_unseen_first_then_newest_and_remembers_what_was_seen(api):
    clock = story_clock(api)
    _, viewer_token = await api.register("viewer")
    tokens = {}
    for name in ("ann", "bob", "cid"):
        user, tokens[name] = await api.register(name)
        await follow(api, viewer_token, user["user_id"])
    _, stranger_token = await api.register("stranger")  # not followed: never in the tray
    for name in ("ann", "bob", "cid", "stranger"):
        await post_story(api, tokens.get(name, stranger_token))
        clock.now += 60_000
    await api.run_jobs()
    assert tray_names(await tray_of(api, viewer_token)) == [("cid", True), ("bob", True), ("ann", True)]

    status, body = await stories_of(api, viewer_token, "@cid")
    assert await mark_seen(api, viewer_token, body["stories"][0]["story_id"]) == 204
    assert tray_names(await tray_of(api, viewer_token)) == [("bob", True), ("ann", True), ("cid", False)]
    assert (await stories_of(api, viewer_token, "@cid"))[1]["stories"][0]["seen_by_me"] is True

    await post_story(api, tokens["ann"])  # a newer story from a followed account moves it up at once
    await api.run_jobs()
    tray = await tray_of(api, viewer_token)
    assert tray_names(tray) == [("ann", True), ("bob", True), ("cid", False)] and tray[0]["story_count"] == 2


async def test_seen_is_idempotent_and_the_author_sees_who_viewed(api):
    author, author_token = await api.register("author")
    story = await ready_story(api, author_token)
    _, first = await api.register("first")
    _, second = await api.register("second")
    for token in (first, first, second, author_token):  # twice is one view; the author's own look is not counted
        assert await mark_seen(api, token, story["story_id"]) == 204

    status, body = await api.call("GET", f"{API}/stories/{story['story_id']}/viewers", author_token, params={"limit": "1"})
    assert status == 200 and body["view_count"] == 2
    names = [body["viewers"][0]["user"]["username"]]
    status, body = await api.call("GET", f"{API}/stories/{story['story_id']}/viewers", author_token,
                                  params={"limit": "1", "cursor": body["next_cursor"]})
    names.append(body["viewers"][0]["user"]["username"])
    assert sorted(names) == ["first", "second"] and body["next_cursor"] is None
    assert (await stories_of(api, author_token, author["user_id"]))[1]["stories"][0]["view_count"] == 2
    status, body = await api.call("GET", f"{API}/stories/{story['story_id']}/viewers", first)
    assert status == 403, body


async def test_the_view_count_is_the_viewers_list_through_blocks_and_suspensions(api):
    """The count the author sees ("Seen by 3") always matches the list they then open: a viewer the author blocks
    later, one who blocks the author, one disabled and one hidden by reports leave both, and come back to both."""
    api.ctx.settings.values["report_hide_threshold"] = 1
    _, admin_token = await api.register("admin")
    author, author_token = await api.register("teller")
    story = await ready_story(api, author_token)
    accounts = {name: await api.register(name) for name in ("friend", "pest", "shy", "spammer", "troll")}
    for _, token in accounts.values():
        assert await mark_seen(api, token, story["story_id"]) == 204

    async def count_and_list():
        status, body = await api.call("GET", f"{API}/stories/{story['story_id']}/viewers", author_token, params={"limit": "50"})
        assert status == 200, body
        mine = (await stories_of(api, author_token, author["user_id"]))[1]["stories"][0]["view_count"]
        archived = (await api.call("GET", f"{API}/me/stories/archive", author_token))[1]["stories"][0]["view_count"]
        return body["view_count"], sorted(v["user"]["username"] for v in body["viewers"]), mine, archived

    assert await count_and_list() == (5, ["friend", "pest", "shy", "spammer", "troll"], 5, 5)
    assert (await api.call("POST", f"{API}/users/@pest/block", author_token))[0] == 200
    assert (await api.call("POST", f"{API}/users/@teller/block", accounts["shy"][1]))[0] == 200
    status, _ = await api.call("PATCH", f"{API}/admin/users/{accounts['spammer'][0]['user_id']}", admin_token,
                               json={"disabled": True})
    assert status == 200
    status, _ = await api.call("POST", f"{API}/reports", accounts["friend"][1],
                               json={"target_type": "user", "target_id": accounts["troll"][0]["user_id"], "reason": "spam"})
    assert status == 201
    assert await count_and_list() == (1, ["friend"], 1, 1)

    assert (await api.call("DELETE", f"{API}/users/@pest/block", author_token))[0] == 200
    status, _ = await api.call("PATCH", f"{API}/admin/users/{accounts['spammer'][0]['user_id']}", admin_token,
                               json={"disabled": False})
    assert status == 200
    assert await count_and_list() == (3, ["friend", "pest", "spammer"], 3, 3)


async def test_hundreds_of_viewers_at_once_are_each_counted_once(api):
    _, author_token = await api.register("popular")
    story = await ready_story(api, author_token)
    viewers = await quick_users(api, 300, "crowd")
    requests = [mark_seen(api, token, story["story_id"]) for _, token in viewers]
    requests += [mark_seen(api, token, story["story_id"]) for _, token in viewers[:50]]  # some tap twice
    assert set(await asyncio.gather(*requests)) == {204}

    status, body = await api.call("GET", f"{API}/stories/{story['story_id']}/viewers", author_token, params={"limit": "50"})
    assert body["view_count"] == 300
    counted, cursor = len(body["viewers"]), body["next_cursor"]
    while cursor:
        status, body = await api.call("GET", f"{API}/stories/{story['story_id']}/viewers", author_token,
                                      params={"limit": "50", "cursor": cursor})
        counted, cursor = counted + len(body["viewers"]), body["next_cursor"]
    assert counted == 300
    assert api.ctx.stories.views.batches < 300  # written in batches, not a transaction per viewer


async def test_a_private_accounts_stories_are_for_approved_followers_only(api):
    private, private_token = await api.register("quiet")
    await make_private(api, private_token)
    story = await ready_story(api, private_token)
    _, outsider = await api.register("outsider")
    status, body = await api.call("POST", f"{API}/users/{private['user_id']}/follow", outsider)
    assert body == {"requested": True}
    assert (await stories_of(api, outsider, private["user_id"]))[0] == 403
    assert await mark_seen(api, outsider, story["story_id"]) == 404
    assert await tray_of(api, outsider) == []  # a pending request is not a follow

    await api.call("POST", f"{API}/me/follow_requests/{(await api.call('GET', f'{API}/me', outsider))[1]['user']['user_id']}/approve",
                   private_token)
    assert tray_names(await tray_of(api, outsider)) == [("quiet", True)]
    assert await mark_seen(api, outsider, story["story_id"]) == 204


async def test_only_the_author_deletes_a_story_and_it_leaves_the_tray(api):
    author, author_token = await api.register("deleter")
    _, fan_token = await api.register("watcher")
    await follow(api, fan_token, author["user_id"])
    story = await ready_story(api, author_token)
    assert tray_names(await tray_of(api, fan_token)) == [("deleter", True)]
    status, _ = await api.call("DELETE", f"{API}/stories/{story['story_id']}", fan_token)
    assert status == 403
    status, _ = await api.call("DELETE", f"{API}/stories/{story['story_id']}", author_token)
    assert status == 204
    assert await tray_of(api, fan_token) == []
    status, _ = await api.call("DELETE", f"{API}/stories/{story['story_id']}", author_token)
    assert status == 404
    status, body = await api.call("GET", f"{API}/me/stories/archive", author_token)
    assert body["stories"] == []


async def test_a_story_refuses_two_files_and_bad_ids(api):
    import aiohttp

    from tests.conftest import jpeg_bytes

    _, token = await api.register()
    form = aiohttp.FormData()
    for _ in range(2):
        form.add_field("media", jpeg_bytes(), filename="a.jpg", content_type="image/jpeg")
    status, body = await api.call("POST", f"{API}/stories", token, data=form)
    assert status == 400 and body["error"]["code"] == "too_many_media"
    for bad in ("abc", "0", str(2**64)):
        assert await mark_seen(api, token, bad) == 404
    status, body = await api.call("GET", f"{API}/stories/1/viewers", token, params={"cursor": "!!"})
    assert status == 400 or status == 404


async def test_a_block_either_way_hides_stories_and_a_mute_only_leaves_them_out_of_the_tray(api):
    author, author_token = await api.register("shouty")
    _, muter = await api.register("muter")
    blocked, blocked_token = await api.register("blocked")
    for token in (muter, blocked_token):
        await follow(api, token, author["user_id"])
    story = await ready_story(api, author_token)

    status, _ = await api.call("POST", f"{API}/users/{author['user_id']}/mute", muter)
    assert status == 200
    assert await tray_of(api, muter) == []
    assert (await stories_of(api, muter, author["user_id"]))[0] == 200  # still visible when opened
    status, _ = await api.call("DELETE", f"{API}/users/{author['user_id']}/mute", muter)
    assert tray_names(await tray_of(api, muter)) == [("shouty", True)]

    assert tray_names(await tray_of(api, blocked_token)) == [("shouty", True)]
    status, _ = await api.call("POST", f"{API}/users/{blocked['user_id']}/block", author_token)
    assert status == 200
    assert await tray_of(api, blocked_token) == []
    assert (await stories_of(api, blocked_token, author["user_id"]))[0] == 404
    assert await mark_seen(api, blocked_token, story["story_id"]) == 404


@pytest.mark.backends(has=["redis"])  # one process needs no messages
async def test_a_tray_cached_in_one_process_hears_of_stories_and_seen_marks_from_another(settings, aiohttp_client, media_pool):
    from server.web.app import create_app
    from tests.conftest import Api, guarded_test_server

    here = Api(await aiohttp_client(guarded_test_server(create_app(settings, media_pool=media_pool), settings)))
    there = Api(await aiohttp_client(guarded_test_server(create_app(settings, media_pool=media_pool), settings)))
    for api in (here, there):
        await asyncio.wait_for(api.ctx.broker.listening.wait(), 10)
    author, author_token = await there.register("elsewhere")
    _, viewer_token = await here.register("reader")
    await follow(here, viewer_token, author["user_id"])
    assert await tray_of(here, viewer_token) == []  # cached here now

    story = await ready_story(there, author_token)  # posted and processed by the other process
    await until(lambda: tray_of(here, viewer_token), lambda tray: tray_names(tray) == [("elsewhere", True)])
    assert await mark_seen(there, viewer_token, story["story_id"]) == 204
    await until(lambda: tray_of(here, viewer_token), lambda tray: tray_names(tray) == [("elsewhere", False)])


async def until(read, done, seconds: float = 10.0):
    """Read until ``done(answer)``: a broker message takes a moment to cross between processes (bounded wait)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        answer = await read()
        if done(answer):
            return answer
        assert loop.time() < deadline, f"still {answer!r} after {seconds} s"
        await asyncio.sleep(0.05)


async def test_a_video_story_gets_streams_and_a_poster_with_its_length(api, tmp_path):
    from tests.fixtures.videos import make_video

    clip = tmp_path / "clip.mp4"
    make_video(clip, 2, size=(320, 240))
    author, token = await api.register("filmer")
    story = await ready_story(api, token, data=clip.read_bytes(), filename="clip.bin")
    status, body = await stories_of(api, token, author["user_id"])
    media = body["stories"][0]["media"]
    assert story["media"]["type"] == "video" and media["status"] == "ready", media
    assert set(media["streams"]) == {"360", "720"} and media["poster"] and 1800 <= media["duration_ms"] <= 2300
