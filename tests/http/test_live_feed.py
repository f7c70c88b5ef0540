"""GET /notifications/live: `feed` events when a followee's post reaches the home feed (the "new posts" pill)."""

from __future__ import annotations


import pytest

from server.broker.base import CELEBRITY_CHANNEL, NOTIFY_CHANNEL
from server.web.app import create_app
from tests.conftest import Api
from tests.feed_data import add_post
from tests.interaction_helpers import API, follow, publish
from tests.sse import assert_nothing_sent, live_stream, next_event

ANNOUNCED = {"unread_count": 0, "events": ["unread", "feed"]}


async def test_the_first_event_announces_feed_events(api):
    _, token = await api.register()
    async with live_stream(api, token) as stream:
        assert await next_event(stream) == ("unread", ANNOUNCED)


async def test_a_followees_post_reaches_the_followers_stream_when_it_is_ready(api):
    author, author_token = await api.register("author")
    fan, fan_token = await api.register("fan")
    bystander, bystander_token = await api.register("bystander")
    await follow(api, fan_token, author["user_id"])
    async with live_stream(api, fan_token) as fan_stream, live_stream(api, bystander_token) as bystander_stream:
        assert await next_event(fan_stream) == ("unread", ANNOUNCED)
        await next_event(bystander_stream)
        post_id = await publish(api, author_token, caption="fresh")
        await assert_nothing_sent(api, fan_stream, fan["user_id"])  # still processing: in no feed as ready yet
        await api.run_jobs()  # processing, then the fan-out
        assert await next_event(fan_stream) == ("feed", {"post_ids": [post_id]})
        status, feed = await api.call("GET", f"{API}/feed", fan_token)  # what the client then reads
        assert status == 200 and feed["posts"][0]["post_id"] == post_id
        await assert_nothing_sent(api, bystander_stream, bystander["user_id"])  # not following: no news


async def test_the_authors_own_streams_hear_of_the_post_too(api):
    """The feed includes the caller's own posts: their other devices (or a watched folder's upload) show the pill."""
    _, author_token = await api.register()
    async with live_stream(api, author_token) as stream:
        await next_event(stream)
        post_id = await publish(api, author_token)
        await api.run_jobs()
        assert await next_event(stream) == ("feed", {"post_ids": [post_id]})


async def test_posts_arriving_together_make_one_event_newest_first(api):
    author, author_token = await api.register()
    _, fan_token = await api.register()
    await follow(api, fan_token, author["user_id"])
    async with live_stream(api, fan_token) as stream:
        await next_event(stream)
        first = await publish(api, author_token)
        second = await publish(api, author_token)
        await api.run_jobs()
        name, data = await next_event(stream)
        if data["post_ids"] == [first]:  # the stream woke between the two fan-outs
            name, data = await next_event(stream)
            assert (name, data) == ("feed", {"post_ids": [second]})
        else:
            assert (name, data) == ("feed", {"post_ids": [second, first]})


async def test_an_unfollowed_author_sends_no_news(api):
    author, author_token = await api.register()
    fan, fan_token = await api.register()
    await follow(api, fan_token, author["user_id"])
    status, _ = await api.call("DELETE", f"{API}/users/{author['user_id']}/follow", fan_token)
    assert status == 200
    async with live_stream(api, fan_token) as stream:
        await next_event(stream)
        await publish(api, author_token)
        await api.run_jobs()
        await assert_nothing_sent(api, stream, fan["user_id"])


async def test_after_a_gap_in_delivery_every_stream_looks_again(api):
    """Pub/sub keeps no history: after the broker reconnects, news may have been missed, so both kinds are sent."""
    _, token = await api.register()
    async with live_stream(api, token) as stream:
        await next_event(stream)
        api.ctx.broker.subscriptions.reconnected()
        assert await next_event(stream) == ("unread", {"unread_count": 0})
        assert await next_event(stream) == ("feed", {"post_ids": []})


async def test_a_message_from_another_process_is_heard(api):
    """The fan-out may run in a worker process: its message arrives through the broker like this."""
    user, token = await api.register()
    async with live_stream(api, token) as stream:
        await next_event(stream)
        api.ctx.broker.subscriptions.deliver(NOTIFY_CHANNEL, {"feed": [int(user["user_id"])], "post": 42})
        assert await next_event(stream) == ("feed", {"post_ids": ["42"]})


@pytest.fixture
async def star_api(settings, aiohttp_client):
    """A server where an author with two followers already counts as a celebrity (posts merged at read time)."""
    return Api(await aiohttp_client(create_app(settings.replace(celebrity_threshold=2))))


async def test_a_celebritys_post_reaches_the_streams_of_listening_followers(star_api):
    api = star_api
    star, star_token = await api.register("star")
    _, fan_token = await api.register("fan")
    _, other_token = await api.register("other")
    bystander, bystander_token = await api.register("bystander")
    await follow(api, other_token, star["user_id"])
    await follow(api, fan_token, star["user_id"])  # two followers: a celebrity, whose posts are not pushed
    async with live_stream(api, fan_token) as fan_stream, live_stream(api, bystander_token) as bystander_stream:
        await next_event(fan_stream)
        await next_event(bystander_stream)
        assert (await api.call("GET", f"{API}/feed", fan_token))[1]["posts"] == []  # the star's list is now cached
        post_id = await publish(api, star_token, caption="from the star")
        await api.run_jobs()
        assert await next_event(fan_stream) == ("feed", {"post_ids": [post_id]})
        status, feed = await api.call("GET", f"{API}/feed", fan_token)
        assert status == 200 and [post["post_id"] for post in feed["posts"]] == [post_id]
        await assert_nothing_sent(api, bystander_stream, bystander["user_id"])


async def test_a_celebritys_post_made_in_another_process_shows_at_once(star_api):
    """The fan-out job ran elsewhere: its message makes this process drop its cached list of the star's posts
    (which would otherwise hide the post for up to a minute) and tell the listening followers."""
    api = star_api
    star, _ = await api.register("star")
    fan, fan_token = await api.register("fan")
    _, other_token = await api.register("other")
    await follow(api, other_token, star["user_id"])
    await follow(api, fan_token, star["user_id"])
    async with live_stream(api, fan_token) as stream:
        await next_event(stream)
        assert (await api.call("GET", f"{API}/feed", fan_token))[1]["posts"] == []  # the star's list is now cached
        post_id = await add_post(api.ctx, int(star["user_id"]), "made elsewhere", announce=False)  # made and published elsewhere
        assert (await api.call("GET", f"{API}/feed", fan_token))[1]["posts"] == []  # still the cached list
        api.ctx.broker.subscriptions.deliver(CELEBRITY_CHANNEL, {"author": int(star["user_id"]), "post": post_id})
        assert await next_event(stream) == ("feed", {"post_ids": [str(post_id)]})
        status, feed = await api.call("GET", f"{API}/feed", fan_token)
        assert status == 200 and [post["post_id"] for post in feed["posts"]] == [str(post_id)]
