"""Share links and the pages they open: scope, expiry, revocation, variants only, Open Graph, weight."""

from __future__ import annotations

import hashlib
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from server.web.app import create_app
from tests.clocks import ManualClock
from tests.conftest import Api, jpeg_bytes
from tests.interaction_helpers import API, make_private
from tests.sharing_helpers import new_album, ready_post, share

MAX_PAGE_BYTES = 30 * 1024


@pytest.fixture(params=["embedded", "scaled"])
def stack(request):
    return request.param


class PageParts(HTMLParser):
    """The meta tags, image URLs and pictures of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.meta: dict[str, str] = {}
        self.urls: list[str] = []
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "meta":
            key = attrs.get("property") or attrs.get("name")
            if key:
                self.meta[key] = attrs.get("content", "")
        for name in ("src", "href", "poster"):
            if attrs.get(name):
                self.urls.append(attrs[name])
        for name in ("srcset",):
            if attrs.get(name):
                self.urls += [part.strip().split(" ")[0] for part in attrs[name].split(",")]


async def open_page(api, url: str):
    """GET a page as a browser with no account would: no token, the link's path on this server."""
    response = await api.client.get(urlsplit(url).path + (("?" + urlsplit(url).query) if urlsplit(url).query else ""))
    body = await response.read()
    parts = PageParts()
    parts.feed(body.decode())
    return response, body, parts


async def test_a_post_page_has_open_graph_meta_and_its_image_loads_without_a_token(api):
    _, token = await api.register("gran_fan")
    post = await ready_post(api, token, 'Grandma\'s 90th <script>alert("x")</script> #party')
    link = await share(api, token, "post", post["post_id"])

    response, body, page = await open_page(api, link["url"])

    assert response.status == 200 and response.content_type == "text/html"
    assert len(body) < MAX_PAGE_BYTES
    assert b"<script>" not in body and b"&lt;script&gt;" in body  # the caption is escaped
    assert page.meta["og:url"] == link["url"] and page.meta["og:title"] and "Grandma" in page.meta["og:description"]
    assert page.meta["twitter:card"] == "summary_large_image" and page.meta["twitter:image"] == page.meta["og:image"]
    assert "noindex" in page.meta["robots"]
    assert b"Open in PhotoShare" in body
    sources = [attrs.get("type") for tag, attrs in page.tags if tag == "source"]
    assert sources == ["image/avif", "image/webp"]
    image_url = page.meta["og:image"]
    assert image_url.startswith("http://") and "/s/" in image_url and "format=jpeg" in image_url
    image = await api.client.get(urlsplit(image_url).path + "?" + urlsplit(image_url).query)  # no Authorization header
    assert image.status == 200 and image.content_type == "image/jpeg" and (await image.read())[:2] == b"\xff\xd8"
    base = next(attrs["href"] for tag, attrs in page.tags if tag == "base")
    pictures = [urljoin(base, url) for url in page.urls if "media/" in url]
    assert pictures and all(url.startswith(f"{urlsplit(link['url']).path}/media/") for url in pictures)  # all through the link


async def test_a_link_reaches_only_what_it_names_and_never_an_original(api):
    _, token = await api.register("sharer")
    photo = jpeg_bytes(90, 60, (10, 120, 200))
    shared = await ready_post(api, token, "shared", images=[photo])
    other = await ready_post(api, token, "not shared", images=[jpeg_bytes(70, 50, (250, 0, 0))])
    link = await share(api, token, "post", shared["post_id"])
    scope = urlsplit(link["url"]).path

    def stem(post):
        return post["media"][0]["variants"]["640"].rsplit("/", 1)[1]

    assert (await api.client.get(f"{scope}/media/{stem(shared)}")).status == 200
    assert (await api.client.get(f"{scope}/media/{stem(other)}")).status == 404
    original = hashlib.sha256(photo).hexdigest()
    assert (await api.client.get(f"{scope}/media/{original}")).status == 404
    assert (await api.client.get(f"/media/{original}")).status == 404
    _, body, _ = await open_page(api, link["url"])
    assert original.encode() not in body and b"not shared" not in body


async def test_an_album_link_shows_its_items_lazily_and_nothing_else(api):
    me, token = await api.register("mum")
    _, aunt_token = await api.register("aunt")
    await make_private(api, aunt_token)
    album = await new_album(api, token, "Lake week")
    status, _ = await api.call("POST", f"{API}/albums/{album['album_id']}/members", token,
                               json={"user_id": "@aunt", "role": "contributor"})
    assert status == 200
    inside = [await ready_post(api, token, f"in {n}") for n in range(12)]
    # Distinct pictures: identical bytes would make identical (content-addressed) variants.
    outside = await ready_post(api, token, "outside", images=[jpeg_bytes(64, 48, (0, 200, 0))])
    private = await ready_post(api, aunt_token, "aunt only", images=[jpeg_bytes(64, 48, (0, 0, 200))])  # a private member's photo stays with the members
    status, _ = await api.call("POST", f"{API}/albums/{album['album_id']}/items", token,
                               json={"post_ids": [p["post_id"] for p in inside]})
    assert status == 201
    assert (await api.call("POST", f"{API}/albums/{album['album_id']}/items", aunt_token, json={"post_id": private["post_id"]}))[0] == 201
    link = await share(api, token, "album", album["album_id"])

    response, body, page = await open_page(api, link["url"])

    assert response.status == 200 and len(body) < MAX_PAGE_BYTES and page.meta["og:title"] == "Lake week"
    images = [attrs for tag, attrs in page.tags if tag == "img" and "av" not in attrs.get("class", "")]
    assert len(images) == 12 and any(attrs.get("loading") == "lazy" for attrs in images)
    assert b"aunt only" not in body
    scope = urlsplit(link["url"]).path
    for post in (outside, private):
        stem = post["media"][0]["variants"]["320"].rsplit("/", 1)[1]
        assert (await api.client.get(f"{scope}/media/{stem}")).status == 404


async def test_a_link_stops_at_once_when_it_expires(api):
    clock = ManualClock()
    api.ctx.share_links.clock = clock
    _, token = await api.register("sharer")
    post = await ready_post(api, token, "for a day")
    link = await share(api, token, "post", post["post_id"], expires_in_days=1)
    response, _, page = await open_page(api, link["url"])
    assert response.status == 200
    image_path = urlsplit(page.meta["og:image"]).path

    clock.now += 24 * 3600 - 1
    assert (await open_page(api, link["url"]))[0].status == 200
    clock.now += 2

    response, body, _ = await open_page(api, link["url"])
    assert response.status == 410 and b"expired" in body
    assert (await api.client.get(image_path)).status == 410


async def test_a_revoked_link_answers_410_and_leaves_the_list(api):
    _, token = await api.register("sharer")
    _, other_token = await api.register("other")
    post = await ready_post(api, token, "oops")
    link = await share(api, token, "post", post["post_id"])
    profile_link = await share(api, token, "profile")
    listed = (await api.call("GET", f"{API}/share_links", token))[1]["share_links"]
    assert [entry["link_id"] for entry in listed] == [profile_link["link_id"], link["link_id"]]
    assert (await api.call("DELETE", f"{API}/share_links/{link['link_id']}", other_token))[0] == 403

    assert (await api.call("DELETE", f"{API}/share_links/{link['link_id']}", token))[0] == 204

    assert (await open_page(api, link["url"]))[0].status == 410
    assert [entry["link_id"] for entry in (await api.call("GET", f"{API}/share_links", token))[1]["share_links"]] == [
        profile_link["link_id"]]
    assert (await api.call("DELETE", f"{API}/share_links/{link['link_id']}", token))[0] == 404
    assert (await open_page(api, link["url"].rsplit("/", 1)[0] + "/" + "A" * 43))[0].status == 404


async def test_only_your_own_things_are_shared_and_expiry_is_1_to_365_days(api):
    me, token = await api.register("sharer")
    other, other_token = await api.register("other")
    theirs = await ready_post(api, other_token, "theirs")
    album = await new_album(api, other_token, "Theirs")
    assert (await api.call("POST", f"{API}/share_links", token, json={"target_type": "post", "target_id": theirs["post_id"]}))[0] == 403
    assert (await api.call("POST", f"{API}/share_links", token, json={"target_type": "album", "target_id": album["album_id"]}))[0] == 404
    assert (await api.call("POST", f"{API}/share_links", token, json={"target_type": "profile", "target_id": other["user_id"]}))[0] == 403
    for days in (0, 366, "30", True, 1.5):
        body = {"target_type": "profile", "expires_in_days": days}
        assert (await api.call("POST", f"{API}/share_links", token, json=body))[0] == 400, days
    assert (await api.call("POST", f"{API}/share_links", token, json={"target_type": "story"}))[0] == 400
    link = await share(api, token, "profile", me["user_id"], expires_in_days=365)
    assert link["expires_at"][:4] in ("2027", "2028")


async def test_public_pages_serve_public_accounts_only_when_turned_on(api, settings, aiohttp_client, media_pool):
    _, token = await api.register("open_book")
    _, private_token = await api.register("closed_book")
    await make_private(api, private_token)
    post = await ready_post(api, token, "hello world")
    hidden = await ready_post(api, private_token, "secret")
    assert (await api.client.get(f"/p/{post['post_id']}")).status == 404  # off by default
    assert (await api.client.get("/@open_book")).status == 404

    public = Api(await aiohttp_client(create_app(settings.replace(public_pages=True), media_pool=media_pool)))

    response, body, page = await open_page(public, f"/p/{post['post_id']}")
    assert response.status == 200 and "robots" not in page.meta and b"hello world" in body
    response, body, page = await open_page(public, "/@open_book")
    assert response.status == 200 and page.meta["og:image"].startswith("http://")
    assert (await public.client.get(f"/p/{hidden['post_id']}")).status == 404
    assert (await public.client.get("/@closed_book")).status == 404
