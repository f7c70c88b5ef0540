"""The visibility rule on every surface: viewer kinds x relations x surfaces (API.md, "Visibility — one rule").

One world holds an author per relation to the viewer ``vic`` (public stranger, private stranger, approved
follower, pending request, blocks vic, blocked by vic, disabled, hidden by reports, a post hidden by reports,
muted, followed). Each author has a post with its own hashtag, a comment and a like on a third party's public
post, follows that third party, and liked vic's post. Then every surface is asked, by three viewers (vic, a
moderator who is a stranger to everyone, and each author themselves), whether the author or their post shows;
the expected answer is computed here from the facts, independently of the server's code.

**A new surface must be added here.** ``test_every_read_route_is_in_the_matrix`` lists the app's GET routes:
each must have a probe in ``SURFACES`` or a reason in ``EXEMPT``, so a new route that forgets the rule cannot
slip in unnoticed.
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.interaction_helpers import API, publish

RELATIONS = ("public", "private", "approved", "requested", "blocks_vic", "blocked_by_vic", "disabled", "hidden_user",
             "hidden_post", "muted", "followed")


@pytest.fixture(params=["embedded", "scaled"])
def stack(request):
    return request.param


@dataclasses.dataclass
class Author:
    relation: str
    user: dict
    token: str
    post_id: str = ""
    tag: str = ""
    comment_id: str = ""


@dataclasses.dataclass
class World:
    vic: dict
    vic_token: str
    mod: dict
    mod_token: str
    carol: dict  # the third party: a public account whose post everyone comments on and likes
    carol_post: str
    vic_post: str
    authors: dict[str, Author]


# -- the rule, written independently of the server ----------------------------------------------------------
def user_visible(world: World, viewer: str, author: Author) -> bool:
    """May the viewer see the author as an account (profile, lists, search, comments, notifications)?"""
    if viewer == "self":
        return True
    if author.relation in ("disabled", "hidden_user"):
        return False
    return not (viewer == "vic" and author.relation in ("blocks_vic", "blocked_by_vic"))


def content_visible(world: World, viewer: str, author: Author) -> bool:
    """May the viewer see the author's posts (the post itself may still be hidden: ``post_visible``)?"""
    if viewer == "self":
        return True
    if not user_visible(world, viewer, author):
        return False
    if author.relation in ("private", "requested", "approved"):
        return viewer == "vic" and author.relation == "approved"
    return True


def post_visible(world: World, viewer: str, author: Author, *, one_at_a_time: bool = False) -> bool:
    """The author's post: content visible and not hidden by reports (a moderator opening it alone sees it, and a
    post of an account hidden by reports too)."""
    if viewer == "mod" and one_at_a_time and author.relation == "hidden_user":
        return True
    if not content_visible(world, viewer, author):
        return False
    if author.relation == "hidden_post" and viewer != "self":
        return viewer == "mod" and one_at_a_time
    return True


def in_home_feed(world: World, viewer: str, author: Author) -> bool:
    if viewer == "self":
        return True
    follows = viewer == "vic" and author.relation in ("approved", "followed", "muted")
    return follows and author.relation != "muted" and post_visible(world, viewer, author)


# -- surfaces: each answers "does the author (or their post) show to this viewer here?" ----------------------
async def _get(api, token, path, **params):
    status, body = await api.call("GET", f"{API}{path}", token, params=params or None)
    assert status in (200, 403, 404), (path, status, body)
    return status, body


async def profile(api, world, token, author):
    return (await _get(api, token, f"/users/{author.user['user_id']}"))[0] == 200


async def profile_posts(api, world, token, author):
    status, body = await _get(api, token, f"/users/{author.user['user_id']}/posts")
    return status == 200 and author.post_id in [p["post_id"] for p in body["posts"]]


async def post_page(api, world, token, author):
    status, body = await _get(api, token, f"/posts/{author.post_id}")
    if status == 200:
        assert body["post"]["hidden"] is (author.relation == "hidden_post")
    return status == 200


async def post_comments(api, world, token, author):
    return (await _get(api, token, f"/posts/{author.post_id}/comments"))[0] == 200


async def post_likers(api, world, token, author):
    return (await _get(api, token, f"/posts/{author.post_id}/likes"))[0] == 200


async def comment_on_public_post(api, world, token, author):
    status, body = await _get(api, token, f"/posts/{world.carol_post}/comments", limit="50")
    return author.comment_id in [c["comment_id"] for c in body["comments"]]


async def liker_of_public_post(api, world, token, author):
    status, body = await _get(api, token, f"/posts/{world.carol_post}/likes", limit="50")
    return author.user["user_id"] in [u["user_id"] for u in body["users"]]


async def follower_of_public_account(api, world, token, author):
    status, body = await _get(api, token, f"/users/{world.carol['user_id']}/followers", limit="50")
    return author.user["user_id"] in [u["user_id"] for u in body["users"]]


async def following_list(api, world, token, author):
    """Carol follows every author back: her following list shows them."""
    status, body = await _get(api, token, f"/users/{world.carol['user_id']}/following", limit="50")
    return author.user["user_id"] in [u["user_id"] for u in body["users"]]


async def search_users(api, world, token, author):
    status, body = await _get(api, token, "/search", q="@" + author.user["username"])
    return author.user["username"] in [u["username"] for u in body["users"]]


async def hashtag_count(api, world, token, author):
    status, body = await _get(api, token, "/search", q="#" + author.tag)
    counts = {h["tag"]: h["post_count"] for h in body["hashtags"]}
    assert counts.get(author.tag, 1) == 1, counts  # counted once when shown, never more
    return author.tag in counts


async def tag_posts(api, world, token, author):
    status, body = await _get(api, token, f"/tags/{author.tag}/posts")
    return author.post_id in [p["post_id"] for p in body["posts"]]


async def home_feed(api, world, token, author):
    status, body = await _get(api, token, "/feed", limit="50")
    return author.post_id in [p["post_id"] for p in body["posts"]]


async def saved_list(api, world, token, author):
    """Vic and the moderator saved every post they could at the start (before blocks, disables and hides)."""
    status, body = await _get(api, token, "/saved", limit="50")
    return author.post_id in [p["post_id"] for p in body["posts"]]


async def notifications(api, world, token, author):
    """Every author liked vic's post (and the moderator's): the like shows while the author is visible."""
    status, body = await _get(api, token, "/notifications", limit="50")
    return author.user["user_id"] in [n["actor"]["user_id"] for n in body["notifications"]]


# surface -> (route it probes, probe, expected(world, viewer, author), viewers it applies to)
ALL = ("vic", "mod", "self")
OTHERS = ("vic", "mod")
SURFACES = {
    "profile": ("/api/v1/users/{user}", profile, user_visible, ALL),
    "profile_posts": ("/api/v1/users/{user}/posts", profile_posts, post_visible, ALL),
    "post_page": ("/api/v1/posts/{post_id}", post_page,
                  lambda w, v, a: post_visible(w, v, a, one_at_a_time=True), ALL),
    "post_comments": ("/api/v1/posts/{post_id}/comments", post_comments,
                      lambda w, v, a: post_visible(w, v, a, one_at_a_time=True), ALL),
    "post_likers": ("/api/v1/posts/{post_id}/likes", post_likers,
                    lambda w, v, a: post_visible(w, v, a, one_at_a_time=True), ALL),
    "comment_on_public_post": ("/api/v1/posts/{post_id}/comments", comment_on_public_post, user_visible, ALL),
    "liker_of_public_post": ("/api/v1/posts/{post_id}/likes", liker_of_public_post, user_visible, ALL),
    "follower_of_public_account": ("/api/v1/users/{user}/followers", follower_of_public_account, user_visible, ALL),
    "following_list": ("/api/v1/users/{user}/following", following_list, user_visible, ALL),
    "search_users": ("/api/v1/search", search_users, user_visible, ALL),
    "hashtag_count": ("/api/v1/search", hashtag_count, post_visible, ALL),
    "tag_posts": ("/api/v1/tags/{tag}/posts", tag_posts, post_visible, ALL),
    "home_feed": ("/api/v1/feed", home_feed, in_home_feed, ALL),
    "saved_list": ("/api/v1/saved", saved_list, post_visible, OTHERS),
    "notifications": ("/api/v1/notifications", notifications, user_visible, OTHERS),
}
# GET routes that show nobody else's content, each with the reason it needs no probe.
EXEMPT = {
    "/api/v1/me": "the caller's own account",
    "/api/v1/me/blocks": "the caller's own list of whom they block (they must see it to undo it)",
    "/api/v1/me/mutes": "the caller's own list of whom they mute",
    "/api/v1/me/follow_requests": "requests to the caller; a block removes them and refuses new ones",
    "/api/v1/notifications/live": "nudges only ('something changed'); the list itself is probed",
    "/api/v1/openapi.json": "the API description",
    "/api/v1/setup": "first-run state, before any account exists",
    "/api/v1/admin/audit": "moderators' and admins' tools: roles checked in tests/http/test_admin_api.py",
    "/api/v1/admin/invites": "admin tool", "/api/v1/admin/jobs": "admin tool", "/api/v1/admin/reports": "moderator tool",
    "/api/v1/admin/reports/{report_id}": "moderator tool", "/api/v1/admin/settings": "admin tool",
    "/api/v1/admin/stats": "admin tool", "/api/v1/admin/users": "admin tool",
    "/healthz": "operations", "/metrics": "operations", "/setup": "first-run page",
    "/media/{name}": "file bytes under unguessable, content-addressed names (capability URLs)",
}


def test_every_read_route_is_in_the_matrix():
    """A GET route that is neither probed nor exempted fails here: add a probe to SURFACES (or a reason)."""
    from server.config import load
    from server.web.app import create_app

    app = create_app(load(overrides={"data_dir": "/nonexistent-never-opened"}, environ={}, config_file=None))
    routes = {route.resource.canonical for route in app.router.routes() if route.method == "GET" and route.resource is not None}
    probed = {route for route, *_ in SURFACES.values()}
    missing = sorted(routes - probed - set(EXEMPT))
    assert not missing, f"GET routes without a visibility probe (tests/http/test_visibility_matrix.py): {missing}"
    assert not (probed | set(EXEMPT)) - routes, "probes or exemptions for routes that no longer exist"


# -- the world ------------------------------------------------------------------------------------------------
async def _ok(api, method, path, token, expected=(200, 201), **kwargs):
    status, body = await api.call(method, f"{API}{path}", token, **kwargs)
    assert status in expected, (method, path, status, body)
    return body


async def build_world(api) -> World:
    _, root_token = await api.register("root")  # the first account: the admin
    vic, vic_token = await api.register("vic")
    mod, mod_token = await api.register("mod")
    await _ok(api, "PATCH", f"/admin/users/{mod['user_id']}", root_token, json={"role": "moderator"})
    carol, carol_token = await api.register("carol")
    reporters = [await api.register(f"reporter{n}") for n in range(3)]
    carol_post = await publish(api, carol_token, "carol's public post")
    vic_post = await publish(api, vic_token, "vic's post")
    mod_post = await publish(api, mod_token, "mod's post")
    authors: dict[str, Author] = {}
    for relation in RELATIONS:
        user, token = await api.register("a_" + relation)
        author = authors[relation] = Author(relation, user, token, tag="t" + relation.replace("_", ""))
        if relation in ("private", "approved", "requested"):
            await _ok(api, "PATCH", "/me", token, json={"is_private": True})
        author.post_id = await publish(api, token, f"#{author.tag}")
        comment = await _ok(api, "POST", f"/posts/{carol_post}/comments", token, json={"text": "nice"})
        author.comment_id = comment["comment"]["comment_id"]
        await _ok(api, "POST", f"/posts/{carol_post}/likes", token)
        await _ok(api, "POST", f"/posts/{vic_post}/likes", token)
        await _ok(api, "POST", f"/posts/{mod_post}/likes", token)
        await _ok(api, "POST", f"/users/{carol['user_id']}/follow", token)
        await _ok(api, "POST", f"/users/{user['user_id']}/follow", carol_token)
    await api.run_jobs()
    for relation in ("approved", "requested", "followed", "muted", "blocks_vic", "blocked_by_vic", "hidden_post"):
        await _ok(api, "POST", f"/users/{authors[relation].user['user_id']}/follow", vic_token)
    await _ok(api, "POST", f"/me/follow_requests/{vic['user_id']}/approve", authors["approved"].token)
    await _ok(api, "POST", f"/me/follow_requests/{carol['user_id']}/approve", authors["approved"].token)
    for relation in ("private", "requested"):
        await _ok(api, "POST", f"/me/follow_requests/{carol['user_id']}/approve", authors[relation].token)
    for author in authors.values():  # saved while visible, before the relations below change that
        for token in (vic_token, mod_token):
            await api.call("POST", f"{API}/posts/{author.post_id}/save", token)
    # The relations.
    await _ok(api, "POST", f"/users/{vic['user_id']}/block", authors["blocks_vic"].token)
    await _ok(api, "POST", f"/users/{authors['blocked_by_vic'].user['user_id']}/block", vic_token)
    await _ok(api, "POST", f"/users/{authors['muted'].user['user_id']}/mute", vic_token)
    await _ok(api, "PATCH", f"/admin/users/{authors['disabled'].user['user_id']}", root_token, json={"disabled": True})
    for _, token in reporters:
        await _ok(api, "POST", "/reports", token, json={
            "target_type": "user", "target_id": authors["hidden_user"].user["user_id"], "reason": "spam"})
        await _ok(api, "POST", "/reports", token, json={
            "target_type": "post", "target_id": authors["hidden_post"].post_id, "reason": "nudity"})
    await api.run_jobs()
    return World(vic, vic_token, mod, mod_token, carol, carol_post, vic_post, authors)


async def test_visibility_matrix(api):
    world = await build_world(api)
    wrong = []
    for surface, (_, probe, expected, viewers) in SURFACES.items():
        for relation, author in world.authors.items():
            for viewer in viewers:
                if viewer == "self" and relation == "disabled":
                    continue  # a disabled account cannot sign in to look
                token = {"vic": world.vic_token, "mod": world.mod_token, "self": author.token}[viewer]
                shown = await probe(api, world, token, author)
                if shown != expected(world, viewer, author):
                    wrong.append(f"{surface}: {viewer} {'sees' if shown else 'does not see'} the {relation} author")
    assert not wrong, "\n".join(wrong)
