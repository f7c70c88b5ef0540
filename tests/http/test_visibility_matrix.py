"""The visibility rule on every surface: viewer kinds x relations x surfaces (API.md, "Visibility — one rule").

One world holds an author per relation to the viewer ``vic`` (public stranger, private stranger, approved
follower, pending request, blocks vic, blocked by vic, disabled, hidden by reports, a post hidden by reports,
muted, followed). Each author has a post with its own hashtag, a comment and a like on a third party's public
post, follows that third party, and liked vic's post; a story (which vic opened while he could); an album holding
a second post of theirs, with vic and the moderator as viewers; and share links to their post and their profile.
All of that happens before the relations are set (blocks, disables and hides come last). Then every surface is
asked, by three viewers (vic, a moderator who is a stranger to everyone, and each author themselves), or by an
anonymous visitor for the HTML pages, whether the author or their post shows; the expected answer is computed here
from the facts, independently of the server's code.

The album holds a *second* post because an album member may open its items one at a time whatever the author's
privacy (docs/sharing.md): were the probed post in the album, vic would see private authors' posts on the post page.
The app here runs with ``public_pages`` on, so ``/p/{post_id}`` and ``/@{username}`` are probed too.

**A new surface must be added here.** ``test_every_read_route_is_in_the_matrix`` lists the app's GET routes:
each must have a probe in ``SURFACES`` or a reason in ``EXEMPT``, so a new route that forgets the rule cannot
slip in unnoticed.
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from tests.interaction_helpers import API, publish
from tests.story_helpers import post_story

RELATIONS = ("public", "private", "approved", "requested", "blocks_vic", "blocked_by_vic", "disabled", "hidden_user",
             "hidden_post", "muted", "followed")


@pytest.fixture(params=["embedded", "scaled"])
def stack(request):
    return request.param


@pytest.fixture
def settings(settings):
    """The matrix's app serves the public pages too (``/p/{post_id}``, ``/@{username}``)."""
    return settings.replace(public_pages=True)


@dataclasses.dataclass
class Author:
    relation: str
    user: dict
    token: str
    post_id: str = ""
    tag: str = ""
    comment_id: str = ""
    stem: str = ""  # the post's 320 variant: how a page is seen to show the post
    story_id: str = ""
    album_id: str = ""
    album_post_id: str = ""
    share_post: str = ""  # /s/{token} of a link to the post
    share_profile: str = ""  # /s/{token} of a link to the profile
    share_media: str = ""  # a picture URL the post's share page gave while it showed


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


VIC_FOLLOWS = ("approved", "followed", "muted", "hidden_post")  # blocks removed vic's follows of the two blockers


def follows_or_asked(viewer: str, author: Author) -> bool:
    return viewer == "vic" and author.relation in (*VIC_FOLLOWS, "requested")


def in_home_feed(world: World, viewer: str, author: Author) -> bool:
    if viewer == "self":
        return True
    follows = viewer == "vic" and author.relation in ("approved", "followed", "muted")
    return follows and author.relation != "muted" and post_visible(world, viewer, author)


def in_story_tray(world: World, viewer: str, author: Author) -> bool:
    """The tray: the viewer's own ring, and accounts they follow whose content they see, unless muted."""
    if viewer == "self":
        return True
    follows = viewer == "vic" and author.relation in VIC_FOLLOWS
    return follows and author.relation != "muted" and content_visible(world, viewer, author)


def in_explore(world: World, viewer: str, author: Author) -> bool:
    """Visible posts of accounts the viewer does not follow, not muted, not their own. (Explore also leaves out
    posts the viewer liked or commented: vic and the moderator never engaged with an author's post here.)"""
    if viewer == "self" or follows_or_asked(viewer, author) or author.relation == "muted" and viewer == "vic":
        return False
    return post_visible(world, viewer, author)


def suggested(world: World, viewer: str, author: Author) -> bool:
    """Suggestions: accounts the viewer may see and neither follows nor asked to follow, never themselves."""
    return viewer != "self" and not follows_or_asked(viewer, author) and user_visible(world, viewer, author)


def story_viewer_listed(world: World, viewer: str, author: Author) -> bool:
    """Only the author reads their story's viewers; vic shows there when he opened it (he could, unless the
    account was private to him then) and no block stands between the two now."""
    return viewer == "self" and author.relation not in ("private", "requested", "blocks_vic", "blocked_by_vic")


def album_listed(world: World, viewer: str, author: Author) -> bool:
    """vic and the moderator joined each author's album: it lists while they may see its owner as an account."""
    return user_visible(world, viewer, author)


def album_item_shown(world: World, viewer: str, author: Author) -> bool:
    """An album's item shows its members whatever the author's privacy (the author put it there), but the rest of
    the rule holds: blocks either way, disabled and hidden accounts, posts hidden by reports (hidden_post's
    album post is reported too)."""
    if viewer == "self":
        return True
    return user_visible(world, viewer, author) and author.relation != "hidden_post"


def shared_account_active(world: World, viewer: str, author: Author) -> bool:
    """Through a share link, anyone sees what the author chose to share (private accounts too: docs/sharing.md)
    while the account is active and not hidden by reports."""
    return author.relation not in ("disabled", "hidden_user")


def shared_post_shown(world: World, viewer: str, author: Author) -> bool:
    return shared_account_active(world, viewer, author) and author.relation != "hidden_post"


def public_page_shown(world: World, viewer: str, author: Author) -> bool:
    """``/@{username}`` (public_pages on): public accounts only, active and not hidden."""
    return shared_account_active(world, viewer, author) and author.relation not in ("private", "requested", "approved")


def public_post_page_shown(world: World, viewer: str, author: Author) -> bool:
    return public_page_shown(world, viewer, author) and author.relation != "hidden_post"


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


async def user_stories(api, world, token, author):
    status, body = await _get(api, token, f"/users/{author.user['user_id']}/stories")
    return status == 200 and author.story_id in [s["story_id"] for s in body["stories"]]


async def story_tray(api, world, token, author):
    status, body = await _get(api, token, "/stories/tray")
    return author.user["user_id"] in [item["user"]["user_id"] for item in body["tray"]]


async def story_viewers(api, world, token, author):
    """The author's own list (200) with vic in it when he viewed; anyone else is refused (403 or 404)."""
    status, body = await _get(api, token, f"/stories/{author.story_id}/viewers", limit="50")
    return status == 200 and world.vic["user_id"] in [v["user"]["user_id"] for v in body["viewers"]]


async def explore(api, world, token, author):
    status, body = await _get(api, token, "/explore", limit="50")
    return author.post_id in [p["post_id"] for p in body["posts"]]


async def suggestions(api, world, token, author):
    """Every account here posted lately ("active here"), and there are fewer than the limit of 50: nothing the
    ranking drops, so both directions are asserted (shown when allowed, never shown when not)."""
    status, body = await _get(api, token, "/suggestions/users", limit="50")
    assert len(body["users"]) < 50
    return author.user["user_id"] in [u["user_id"] for u in body["users"]]


async def albums_list(api, world, token, author):
    status, body = await _get(api, token, "/albums", limit="50")
    return author.album_id in [a["album_id"] for a in body["albums"]]


async def album_items(api, world, token, author):
    status, body = await _get(api, token, f"/albums/{author.album_id}", limit="50")
    return status == 200 and author.album_post_id in [i["post"]["post_id"] for i in body["items"]]


async def _page(api, path):
    response = await api.client.get(path)  # no token: a visitor with no account
    assert response.status in (200, 404, 410), (path, response.status)
    body = await response.read()
    return response.status, body.decode() if response.content_type == "text/html" else ""


async def share_post_page(api, world, token, author):
    status, body = await _page(api, author.share_post)
    assert status != 200 or author.stem in body
    return status == 200


async def share_media(api, world, token, author):
    """A picture URL the post's share page gave while it showed: it answers exactly when the page does."""
    return (await _page(api, author.share_media))[0] == 200


async def _profile_page(api, path, author):
    status, body = await _page(api, path)
    if status == 200:  # the account's page; its post hidden by reports is not on it
        assert (author.stem in body) is (author.relation != "hidden_post"), author.relation
    return status == 200


async def share_profile_page(api, world, token, author):
    return await _profile_page(api, author.share_profile, author)


async def public_post_page(api, world, token, author):
    status, body = await _page(api, f"/p/{author.post_id}")
    assert status != 200 or author.stem in body
    return status == 200


async def public_profile_page(api, world, token, author):
    return await _profile_page(api, f"/@{author.user['username']}", author)


# surface -> (route it probes, probe, expected(world, viewer, author), viewers it applies to)
ALL = ("vic", "mod", "self")
OTHERS = ("vic", "mod")
ANON = ("anon",)  # a visitor with no account: the HTML pages only
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
    "user_stories": ("/api/v1/users/{user}/stories", user_stories, content_visible, ALL),
    "story_tray": ("/api/v1/stories/tray", story_tray, in_story_tray, ALL),
    # The author's own list: everyone else is refused; the author sees vic only while no block stands between them.
    "story_viewers": ("/api/v1/stories/{story_id}/viewers", story_viewers, story_viewer_listed, ALL),
    "explore": ("/api/v1/explore", explore, in_explore, ALL),
    "suggestions": ("/api/v1/suggestions/users", suggestions, suggested, ALL),
    "albums_list": ("/api/v1/albums", albums_list, album_listed, ALL),
    "album_items": ("/api/v1/albums/{album_id}", album_items, album_item_shown, ALL),
    "share_post_page": ("/s/{token}", share_post_page, shared_post_shown, ANON),
    "share_profile_page": ("/s/{token}", share_profile_page, shared_account_active, ANON),
    "share_media": ("/s/{token}/media/{name}", share_media, shared_post_shown, ANON),
    "public_post_page": ("/p/{post_id}", public_post_page, public_post_page_shown, ANON),
    "public_profile_page": ("/@{username}", public_profile_page, public_page_shown, ANON),
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
    "/api/v1/me/stories/archive": "the caller's own stories",
    "/api/v1/share_links": "the caller's own share links (what each opens is probed through /s/{token})",
    "/api/v1/me/export/{export_id}": "the caller's own data copy; others' answer 404 (tests/http/test_exports.py)",
    "/api/v1/me/export/{export_id}/download": "a signed link to the caller's own data copy (tests/http/test_exports.py)",
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
        author.album_post_id = await publish(api, token, "for the album")
        author.story_id = (await post_story(api, token))["story_id"]
        album = await _ok(api, "POST", "/albums", token, json={"title": f"{relation}'s album"})
        author.album_id = album["album"]["album_id"]
        await _ok(api, "POST", f"/albums/{author.album_id}/items", token, json={"post_id": author.album_post_id})
        for member in (vic, mod):
            await _ok(api, "POST", f"/albums/{author.album_id}/members", token,
                      json={"user_id": member["user_id"], "role": "viewer"})
        for field, target in (("share_post", {"target_type": "post", "target_id": author.post_id}),
                              ("share_profile", {"target_type": "profile"})):
            link = await _ok(api, "POST", "/share_links", token, json=target)
            setattr(author, field, "/s/" + link["url"].rsplit("/s/", 1)[1])
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
        await api.call("POST", f"{API}/stories/{author.story_id}/seen", vic_token)  # 404 for the private ones
        post = await _ok(api, "GET", f"/posts/{author.post_id}", author.token)
        author.stem = post["post"]["media"][0]["variants"]["320"].rsplit("/", 1)[1]
        response = await api.client.get(author.share_post)
        names = re.findall(r'"media/([^"?\s,]+)', await response.text())
        assert response.status == 200 and names, response.status
        author.share_media = f"{author.share_post}/media/{names[0]}"
    # The relations.
    await _ok(api, "POST", f"/users/{vic['user_id']}/block", authors["blocks_vic"].token)
    await _ok(api, "POST", f"/users/{authors['blocked_by_vic'].user['user_id']}/block", vic_token)
    await _ok(api, "POST", f"/users/{authors['muted'].user['user_id']}/mute", vic_token)
    await _ok(api, "PATCH", f"/admin/users/{authors['disabled'].user['user_id']}", root_token, json={"disabled": True})
    for _, token in reporters:
        await _ok(api, "POST", "/reports", token, json={
            "target_type": "user", "target_id": authors["hidden_user"].user["user_id"], "reason": "spam"})
        for post_id in (authors["hidden_post"].post_id, authors["hidden_post"].album_post_id):
            await _ok(api, "POST", "/reports", token, json={"target_type": "post", "target_id": post_id, "reason": "nudity"})
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
                token = {"vic": world.vic_token, "mod": world.mod_token, "self": author.token, "anon": None}[viewer]
                shown = await probe(api, world, token, author)
                if shown != expected(world, viewer, author):
                    wrong.append(f"{surface}: {viewer} {'sees' if shown else 'does not see'} the {relation} author")
    assert not wrong, "\n".join(wrong)
