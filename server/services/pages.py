"""What the server-rendered pages show: a shared post, album or profile, and (with ``public_pages``) the
public post and profile pages. Each page is built as plain data for a template (``web/pages.py``).

Media on a page are reached through the page's own scope: a share link's page names
``/s/{token}/media/{stem}``, which answers only for the link's target, so the page never hands out a
URL that outlives the link. Public pages use the public ``/media/`` URLs.
"""

from __future__ import annotations

import dataclasses

from ..context import Context
from ..repos import albums as albums_repo
from ..repos import feed_posts as feed_posts_repo
from ..repos import posts as posts_repo
from ..repos import users as users_repo
from ..stores.base import Conn
from ..web.errors import NotFound
from ..web.serialize import MEDIA_PATH, media_url

# Items on one album or profile page: keeps the HTML under 30 KB on a phone (each grid picture, with its
# nine variant URLs of 64-character stems, is about 1 KB).
GRID_PAGE_ITEMS = 18
# Widths named by the variants a <picture> offers (the thumb is a square crop: grid only).
PICTURE_WIDTHS = ("320", "640", "1080", "1440")
GRID_WIDTHS = ("320", "640")


@dataclasses.dataclass
class Picture:
    """One photo as a template draws it: the variant URLs by format, its size and its placeholder colour."""

    sources: dict[str, list[tuple[str, int]]]  # format → [(url, width)], "best" first for <source> without format
    fallback: str
    og_image: str  # the 1080 JPEG
    width: int
    height: int
    alt: str
    color: str
    is_video: bool
    video: str | None


@dataclasses.dataclass
class PageData:
    kind: str  # post | album | profile
    title: str
    description: str
    author: dict | None
    posts: list[dict]  # each {post, pictures, date}
    og_image: str | None
    open_path: str  # where "Open in PhotoShare" leads in the web app
    next_cursor: int | None = None
    base_href: str | None = None  # a share page's media URLs are relative to its link: /s/{token}/
    extra: dict = dataclasses.field(default_factory=dict)


def placeholder_color(placeholder: str | None) -> str:
    """The average colour a blurhash starts with (its first four characters after the size byte), as #rrggbb."""
    from ..media.placeholder import _BASE83_INDEX

    if not placeholder or len(placeholder) < 6:
        return "#dbdbdb"
    value = 0
    for char in placeholder[2:6]:
        index = _BASE83_INDEX.get(char)
        if index is None:
            return "#dbdbdb"
        value = value * 83 + index
    return f"#{value >> 16 & 255:02x}{value >> 8 & 255:02x}{value & 255:02x}"


def picture_of(medium: dict, media_prefix: str, widths: tuple[str, ...] = PICTURE_WIDTHS,
               og_prefix: str | None = None) -> Picture | None:
    """A ready medium's variants, re-rooted at ``media_prefix`` (a link's scope, relative to the page's base,
    or the public /media/); ``og_prefix``: the same root as an absolute path, for the Open Graph image."""
    variants = medium.get("variants") or {}
    if medium.get("status") != "ready" or not variants:
        return None
    full_width = medium.get("width") or 1080

    def stem_url(url: str) -> str:
        return media_prefix + url[len(MEDIA_PATH):]

    seen: dict[str, int] = {}
    for name in widths:
        url = variants.get(name)
        if url and url not in seen:
            seen[url] = min(int(name), full_width)
    sources = {
        "best": [(stem_url(url), width) for url, width in seen.items()],
        "webp": [(stem_url(url) + "?format=webp", width) for url, width in seen.items()],
        "jpeg": [(stem_url(url) + "?format=jpeg", width) for url, width in seen.items()],
    }
    main = variants.get("1080") or variants.get("640") or next(iter(seen), None)
    if main is None:
        return None
    streams = medium.get("streams") or {}
    video = streams.get("720") or streams.get("360")
    return Picture(
        sources=sources,
        fallback=stem_url(main) + "?format=jpeg",
        og_image=(og_prefix or media_prefix) + main[len(MEDIA_PATH):] + "?format=jpeg",
        width=medium.get("width") or 1080,
        height=medium.get("height") or 1080,
        alt=medium.get("alt_text") or "",
        color=placeholder_color(medium.get("placeholder")),
        is_video=medium.get("type") == "video",
        video=stem_url(video) if video else None,
    )


def _summary(text: str, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class Pages:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- through a share link --------------------------------------------------------------------
    async def shared(self, link, cursor: int | None) -> PageData:
        # Picture URLs are written relative to the page's <base href="/s/{token}/">: a 64-character stem per URL
        # is weight enough without the token repeated in each.
        base = f"/s/{link['token']}/"
        kind, target = link["target_type"], link["target_id"]
        if kind == "post":
            page = await self.post_page(target, "media/", og_prefix=base + "media/")
        elif kind == "album":
            page = await self.album_page(target, "media/", cursor, og_prefix=base + "media/")
        else:
            page = await self.profile_page(target, "media/", cursor, og_prefix=base + "media/")
        page.base_href = base
        return page

    # -- pages -----------------------------------------------------------------------------------
    async def post_page(self, post_id: int, prefix: str, *, og_prefix: str | None = None, public_only: bool = False) -> PageData:
        def unit(conn: Conn):
            row = posts_repo.post_by_id(conn, post_id)
            author = users_repo.by_id(conn, row["user_id"]) if row is not None else None
            return row, author

        row, author = await self.ctx.db.read(unit)
        if row is None or author is None or author["is_disabled"] or author["hidden"] or row["hidden"] or row["published_at"] is None:
            raise NotFound("No such post.")
        if public_only and author["is_private"]:
            raise NotFound("No such post.")
        posts = await self._posts([post_id], prefix, widths=PICTURE_WIDTHS, og_prefix=og_prefix)
        if not posts:
            raise NotFound("No such post.")
        first = posts[0]
        name = author["display_name"] or author["username"]
        return PageData(
            kind="post", title=f"{name} on PhotoShare", description=_summary(first["post"]["caption"]) or f"A photo by {name}",
            author=self._author(author, prefix), posts=posts, og_image=first["og_image"], open_path=f"/post/{post_id}",
        )

    async def album_page(self, album_id: int, prefix: str, cursor: int | None, *, og_prefix: str | None = None) -> PageData:
        def unit(conn: Conn):
            album = albums_repo.album_by_id(conn, album_id)
            if album is None:
                return None, None, [], False
            owner = users_repo.by_id(conn, album["owner_id"])
            sees = albums_repo.guest_sees_sql(album["owner_id"])  # only the owner shares an album
            rows, more = albums_repo.items_page(conn, album_id, sees, cursor, GRID_PAGE_ITEMS)
            return album, owner, rows, more

        album, owner, rows, more = await self.ctx.db.read(unit)
        if album is None or owner is None or owner["is_disabled"] or owner["hidden"]:
            raise NotFound("No such album.")
        posts = await self._posts([row["post_id"] for row in rows], prefix, widths=GRID_WIDTHS, og_widths=PICTURE_WIDTHS,
                                  og_prefix=og_prefix)
        cover = next((post["og_image"] for post in posts if post["og_image"]), None)
        return PageData(
            kind="album", title=album["title"],
            description=_summary(album["description"]) or f"An album by {owner['display_name'] or owner['username']}",
            author=self._author(owner, prefix), posts=posts, og_image=cover, open_path=f"/album/{album_id}",
            next_cursor=rows[-1]["id"] if more else None,
        )

    async def profile_page(self, user_id: int, prefix: str, cursor: int | None, *, public_only: bool = False,
                           og_prefix: str | None = None) -> PageData:
        def unit(conn: Conn):
            user = users_repo.by_id(conn, user_id)
            if user is None:
                return None, []
            ids = feed_posts_repo.author_post_ids(conn, user_id, before=cursor, limit=GRID_PAGE_ITEMS + 1, include_unpublished=False)
            return user, ids

        user, ids = await self.ctx.db.read(unit)
        if user is None or user["is_disabled"] or user["hidden"] or (public_only and user["is_private"]):
            raise NotFound("No such account.")
        more = len(ids) > GRID_PAGE_ITEMS
        ids = ids[:GRID_PAGE_ITEMS]
        posts = await self._posts(ids, prefix, widths=GRID_WIDTHS, og_widths=PICTURE_WIDTHS, og_prefix=og_prefix)
        name = user["display_name"] or user["username"]
        author = self._author(user, prefix)
        og_image = next((post["og_image"] for post in posts if post["og_image"]), None)
        return PageData(
            kind="profile", title=f"{name} (@{user['username']}) on PhotoShare",
            description=_summary(user["bio"]) or f"Photos by {name}", author=author, posts=posts, og_image=og_image,
            open_path=f"/profile/{user['username']}", next_cursor=ids[-1] if more else None,
            extra={"post_count": user["post_count"], "bio": user["bio"]},
        )

    async def user_id_for(self, username: str) -> int:
        row = await self.ctx.db.read(lambda conn: users_repo.by_username(conn, username.lower()))
        if row is None:
            raise NotFound("No such account.")
        return row["id"]

    # -- helpers ---------------------------------------------------------------------------------
    async def _posts(self, post_ids: list[int], prefix: str, *, widths, og_widths=None, og_prefix: str | None = None) -> list[dict]:
        out = []
        for post in await self.ctx.hydrator.hydrate(post_ids, None):
            pictures = [picture for picture in (picture_of(m, prefix, widths, og_prefix) for m in post["media"]) if picture]
            if not pictures:
                continue  # still processing: nothing to show yet
            og = picture_of(post["media"][0], prefix, og_widths, og_prefix) if og_widths else pictures[0]
            out.append({"post": post, "pictures": pictures, "og_image": og.og_image if og else pictures[0].og_image,
                        "date": post["created_at"][:10]})
        return out

    @staticmethod
    def _author(row, prefix: str) -> dict:
        return {
            "username": row["username"],
            "name": row["display_name"] or row["username"],
            "avatar": media_url(row["avatar_key"]).replace(MEDIA_PATH, prefix, 1) + "?format=jpeg" if row["avatar_key"] else None,
        }

