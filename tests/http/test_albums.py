"""Albums: roles (owner, contributor, viewer), members, items, batched notifications, deletion and visibility."""

from __future__ import annotations

import aiohttp
import pytest

from tests.conftest import jpeg_bytes
from tests.http.test_direct_uploads import put, reserve
from tests.interaction_helpers import API, make_private, read_post
from tests.sharing_helpers import add_member, album_notifications, album_page, new_album, ready_post


@pytest.fixture(params=["embedded", "scaled"])
def stack(request):
    return request.param


@pytest.fixture
async def family(api):
    """mum owns "Summer 2026"; dad contributes; gran views; stranger is not in it."""
    people = {}
    for name in ("mum", "dad", "gran", "stranger"):
        user, token = await api.register(name)
        people[name] = (user["user_id"], token)
    album = await new_album(api, people["mum"][1], "Summer 2026", description="At the lake")
    await add_member(api, people["mum"][1], album["album_id"], people["dad"][0], "contributor")
    await add_member(api, people["mum"][1], album["album_id"], "@gran", "viewer")
    return album["album_id"], people


async def add_post(api, token, album_id, post_id):
    return await api.call("POST", f"{API}/albums/{album_id}/items", token, json={"post_id": post_id})


async def test_members_see_the_album_with_their_roles_and_others_get_404(api, family):
    album_id, people = family
    for name, role in (("mum", "owner"), ("dad", "contributor"), ("gran", "viewer")):
        status, body = await album_page(api, people[name][1], album_id)
        assert status == 200 and body["album"]["my_role"] == role
        assert body["album"]["title"] == "Summer 2026" and body["album"]["member_count"] == 3
    assert (await album_page(api, people["stranger"][1], album_id))[0] == 404
    listed = (await api.call("GET", f"{API}/albums", people["gran"][1]))[1]["albums"]
    assert [a["album_id"] for a in listed] == [album_id]
    assert (await api.call("GET", f"{API}/albums", people["stranger"][1]))[1]["albums"] == []
    invites = await album_notifications(api, people["gran"][1])
    assert [(n["type"], n["actor"]["username"], n["album"]["title"]) for n in invites] == [("album_invite", "mum", "Summer 2026")]


async def test_contributors_add_their_posts_and_uploads_viewers_cannot(api, family):
    album_id, people = family
    dads = await ready_post(api, people["dad"][1], "pier")
    assert (await add_post(api, people["dad"][1], album_id, dads["post_id"]))[0] == 201
    assert (await add_post(api, people["dad"][1], album_id, dads["post_id"]))[1]["error"]["code"] == "already_in_album"

    form = aiohttp.FormData()
    form.add_field("media", jpeg_bytes(), filename="boat.jpg", content_type="image/jpeg")
    form.add_field("caption", "boat")
    status, body = await api.call("POST", f"{API}/albums/{album_id}/items", people["dad"][1], data=form)
    assert status == 201 and body["item"]["post"]["caption"] == "boat" and body["item"]["added_by"]["username"] == "dad"

    grans = await ready_post(api, people["gran"][1], "my cat")
    status, body = await add_post(api, people["gran"][1], album_id, grans["post_id"])
    assert status == 403
    assert (await add_post(api, people["mum"][1], album_id, grans["post_id"]))[1]["error"]["code"] == "not_your_post"
    assert (await add_post(api, people["stranger"][1], album_id, grans["post_id"]))[0] == 404

    await api.run_jobs()
    items = (await album_page(api, people["gran"][1], album_id))[1]["items"]
    assert [item["post"]["caption"] for item in items] == ["boat", "pier"]  # newest first
    assert (await album_page(api, people["gran"][1], album_id))[1]["album"]["cover"]


async def test_a_direct_upload_goes_straight_into_the_album(api, family):
    album_id, people = family
    photo = jpeg_bytes(80, 60, (30, 90, 160))
    status, reservation = await reserve(api, people["dad"][1], photo)
    assert status == 201, reservation
    assert (await put(api, reservation["upload_url"], photo))[0] == 200

    status, body = await api.call("POST", f"{API}/albums/{album_id}/items", people["dad"][1],
                                  json={"upload_ids": [reservation["upload_id"]], "caption": "from the phone"})

    assert status == 201, body
    assert body["item"]["post"]["caption"] == "from the phone" and body["item"]["added_by"]["username"] == "dad"
    items = (await album_page(api, people["gran"][1], album_id))[1]["items"]
    assert [item["post"]["post_id"] for item in items] == [body["item"]["post"]["post_id"]]


async def test_additions_batch_into_one_notification_per_adder_with_a_growing_count(api, family):
    album_id, people = family
    posts = [await ready_post(api, people["dad"][1], f"photo {n}") for n in range(3)]
    assert (await api.call("POST", f"{API}/albums/{album_id}/items", people["dad"][1],
                           json={"post_ids": [p["post_id"] for p in posts[:2]]}))[0] == 201
    assert (await add_post(api, people["dad"][1], album_id, posts[2]["post_id"]))[0] == 201

    for name in ("mum", "gran"):
        items = [n for n in await album_notifications(api, people[name][1]) if n["type"] == "album_item"]
        assert [(n["actor"]["username"], n["count"], n["album"]["album_id"]) for n in items] == [("dad", 3, album_id)]
    assert [n for n in await album_notifications(api, people["dad"][1]) if n["type"] == "album_item"] == []


async def test_members_like_and_comment_on_items_of_a_private_author(api, family):
    album_id, people = family
    await make_private(api, people["dad"][1])
    post = await ready_post(api, people["dad"][1], "private pier")
    await add_post(api, people["dad"][1], album_id, post["post_id"])

    assert (await api.call("POST", f"{API}/posts/{post['post_id']}/likes", people["gran"][1]))[0] == 201
    status, _ = await api.call("POST", f"{API}/posts/{post['post_id']}/comments", people["gran"][1], json={"text": "lovely"})
    assert status == 201
    assert (await read_post(api, people["dad"][1], post["post_id"]))["like_count"] == 1
    # Someone outside the album still cannot see the private post.
    assert (await api.call("GET", f"{API}/posts/{post['post_id']}", people["stranger"][1]))[0] == 404
    assert (await api.call("POST", f"{API}/posts/{post['post_id']}/likes", people["stranger"][1]))[0] == 404


async def test_a_block_hides_each_ones_items_from_the_other(api, family):
    album_id, people = family
    post = await ready_post(api, people["dad"][1], "pier")
    await add_post(api, people["dad"][1], album_id, post["post_id"])
    assert (await api.call("POST", f"{API}/users/{people['gran'][0]}/block", people["dad"][1]))[0] == 200

    status, body = await album_page(api, people["gran"][1], album_id)
    assert status == 200 and body["items"] == [] and body["album"]["item_count"] == 0
    assert "dad" not in [m["user"]["username"] for m in body["album"]["members"]]
    assert (await api.call("GET", f"{API}/posts/{post['post_id']}", people["gran"][1]))[0] == 404
    assert [i["post"]["caption"] for i in (await album_page(api, people["mum"][1], album_id))[1]["items"]] == ["pier"]


async def test_leaving_and_removal_end_access_and_only_the_owner_manages_members(api, family):
    album_id, people = family
    assert (await api.call("DELETE", f"{API}/albums/{album_id}/members/{people['gran'][0]}", people["dad"][1]))[0] == 403
    assert (await api.call("POST", f"{API}/albums/{album_id}/members", people["dad"][1],
                           json={"user_id": people["stranger"][0]}))[0] == 403
    assert (await api.call("POST", f"{API}/albums/{album_id}/members", people["mum"][1],
                           json={"user_id": people["dad"][0], "role": "contributor"}))[0] == 409

    status, body = await api.call("DELETE", f"{API}/albums/{album_id}/members/{people['gran'][0]}", people["gran"][1])
    assert status == 200 and body["album"] is None  # gran left
    assert (await album_page(api, people["gran"][1], album_id))[0] == 404
    assert await album_notifications(api, people["gran"][1]) == []  # the invitation went with her

    status, body = await api.call("DELETE", f"{API}/albums/{album_id}/members/{people['dad'][0]}", people["mum"][1])
    assert status == 200 and [m["user"]["username"] for m in body["album"]["members"]] == ["mum"]
    assert (await album_page(api, people["dad"][1], album_id))[0] == 404
    status, body = await api.call("DELETE", f"{API}/albums/{album_id}/members/{people['mum'][0]}", people["mum"][1])
    assert status == 400 and body["error"]["code"] == "owner_cannot_leave"


async def test_deleting_an_album_keeps_every_members_posts(api, family):
    album_id, people = family
    post = await ready_post(api, people["dad"][1], "keep this")
    await add_post(api, people["dad"][1], album_id, post["post_id"])
    assert (await api.call("DELETE", f"{API}/albums/{album_id}", people["dad"][1]))[0] == 403
    assert (await api.call("PATCH", f"{API}/albums/{album_id}", people["dad"][1], json={"title": "Mine"}))[0] == 403

    assert (await api.call("DELETE", f"{API}/albums/{album_id}", people["mum"][1]))[0] == 204

    assert (await album_page(api, people["mum"][1], album_id))[0] == 404
    assert (await read_post(api, people["dad"][1], post["post_id"]))["caption"] == "keep this"
    assert await album_notifications(api, people["gran"][1]) == []


async def test_an_item_leaves_the_album_by_its_adder_or_the_owner_and_its_post_stays(api, family):
    album_id, people = family
    post = await ready_post(api, people["dad"][1], "pier")
    item = (await add_post(api, people["dad"][1], album_id, post["post_id"]))[1]["item"]
    path = f"{API}/albums/{album_id}/items/{item['item_id']}"
    assert (await api.call("DELETE", path, people["gran"][1]))[0] == 403
    assert (await api.call("DELETE", path, people["mum"][1]))[0] == 204
    assert (await album_page(api, people["dad"][1], album_id))[1]["items"] == []
    assert (await read_post(api, people["dad"][1], post["post_id"]))["caption"] == "pier"


async def test_bad_album_input_is_a_clear_400(api):
    _, token = await api.register()
    for body in ({}, {"title": ""}, {"title": "x" * 101}, {"title": 5}):
        status, answer = await api.call("POST", f"{API}/albums", token, json=body)
        assert status == 400 and answer["error"]["code"] in ("invalid_input", "too_long"), body
    album = await new_album(api, token)
    status, _ = await api.call("POST", f"{API}/albums/{album['album_id']}/members", token, json={"user_id": "@nobody_here"})
    assert status == 404
    status, _ = await api.call("POST", f"{API}/albums/{album['album_id']}/members", token, json={"user_id": "1", "role": "admin"})
    assert status == 400
