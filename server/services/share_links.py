"""Share links: an unguessable, expiring, revocable token that shows one post, album or profile to anyone.

A link reaches only what it names: its page shows that post, album or profile, and its media URLs
(``/s/{token}/media/{stem}``) answer only for variants of that target's media. Originals have no URL at
all. Every request through a link looks the link up again, so a revocation or an expiry stops it at
once, in every process (nothing about a link is cached).

Who may share what: a post's author, an album's owner, a profile's own account.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Callable

from ..context import Context
from ..ids import parse_id
from ..repos import albums as albums_repo
from ..repos import posts as posts_repo
from ..repos import share_links as repo
from ..repos import users as users_repo
from ..stores.base import Conn
from ..web.errors import ApiError, Forbidden, InvalidInput, NotFound
from ..web.http import encode_cursor
from ..web.serialize import iso_time

TARGET_TYPES = ("post", "album", "profile")
DEFAULT_EXPIRY_DAYS = 30
MAX_EXPIRY_DAYS = 365  # a year: long enough for a family album, short enough that forgotten links die
DAY_MS = 24 * 60 * 60 * 1000
# 32 bytes from the OS's CSPRNG: 256 bits, 43 URL-safe characters; guessing one is hopeless.
TOKEN_BYTES = 32
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


class LinkGone(ApiError):
    """The link existed but was revoked or has expired: 410."""

    status, code = 410, "link_gone"


class ShareLinks:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        # Seconds since the epoch; tests swap in a clock they move by hand (tests/clocks.py).
        self.clock: Callable[[], float] = time.time

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    async def create(self, user_id: int, data: dict, base_url: str) -> dict:
        target_type = data.get("target_type")
        if target_type not in TARGET_TYPES:
            raise InvalidInput("'target_type' must be post, album or profile.")
        raw_target = data.get("target_id", str(user_id) if target_type == "profile" else None)
        target_id = parse_id(raw_target) if isinstance(raw_target, (str, int)) and not isinstance(raw_target, bool) else None
        if target_id is None:
            raise InvalidInput("'target_id' must be an id (a decimal string).")
        days = data.get("expires_in_days", DEFAULT_EXPIRY_DAYS)
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXPIRY_DAYS:
            raise InvalidInput(f"'expires_in_days' must be a whole number from 1 to {MAX_EXPIRY_DAYS}.")
        link_id = self.ctx.ids.next_id()
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self._now_ms()

        def unit(conn: Conn):
            self._check_owner(conn, user_id, target_type, target_id)
            repo.insert(conn, link_id=link_id, token=token, user_id=user_id, target_type=target_type, target_id=target_id,
                        now=now, expires_at=now + days * DAY_MS)
            return repo.by_id(conn, link_id)

        row = await self.ctx.db.write(unit)
        return self._json(row, base_url)

    async def listing(self, user_id: int, cursor: tuple[int, ...] | None, limit: int, base_url: str) -> dict:
        rows, more = await self.ctx.db.read(lambda conn: repo.page_of(conn, user_id, cursor[0] if cursor else None, limit))
        return {"share_links": [self._json(row, base_url) for row in rows],
                "next_cursor": encode_cursor(rows[-1]["id"]) if more else None}

    async def revoke(self, user_id: int, link_id: int) -> None:
        def unit(conn: Conn) -> None:
            row = repo.by_id(conn, link_id)
            if row is None or row["revoked_at"] is not None:
                raise NotFound("No such share link.")
            if row["user_id"] != user_id:
                raise Forbidden("This share link is not yours.")
            repo.revoke(conn, link_id, self._now_ms())

        await self.ctx.db.write(unit)

    # -- opening a link ----------------------------------------------------------------------------
    async def open(self, token: str):
        """The link's row while it works; NotFound for a token that never existed, LinkGone once revoked or expired."""
        if not TOKEN_RE.match(token or ""):
            raise NotFound("No such link.")
        def unit(conn: Conn):
            link = repo.by_token(conn, token)
            sharer = users_repo.by_id(conn, link["user_id"]) if link is not None else None
            return link, sharer

        row, sharer = await self.ctx.db.read(unit)
        if row is None or sharer is None or sharer["is_disabled"] or sharer["hidden"]:
            raise NotFound("No such link.")  # a disabled or hidden account shares nothing
        if row["revoked_at"] is not None:
            raise LinkGone("This link was turned off by the person who shared it.")
        if row["expires_at"] <= self._now_ms():
            raise LinkGone("This link has expired.")
        return row

    async def reaches_stem(self, link, stem: str) -> bool:
        """Whether this link's target has a medium with this variant stem (the only media a link serves)."""
        kind, target = link["target_type"], link["target_id"]

        def unit(conn: Conn) -> bool:
            if repo.avatar_is(conn, link["user_id"], stem):  # the sharer's picture, shown beside their name
                return True
            if kind == "post":
                return repo.post_holds_stem(conn, target, stem)
            if kind == "album":
                return albums_repo.album_holds_stem(conn, target, link["user_id"], stem)
            return repo.user_posts_hold_stem(conn, target, stem)

        return await self.ctx.db.read(unit)

    # -- helpers -----------------------------------------------------------------------------------
    @staticmethod
    def _check_owner(conn: Conn, user_id: int, target_type: str, target_id: int) -> None:
        if target_type == "post":
            post = posts_repo.post_by_id(conn, target_id)
            if post is None:
                raise NotFound("No such post.")
            if post["user_id"] != user_id:
                raise Forbidden("You can share only your own posts.", code="not_yours")
        elif target_type == "album":
            role = albums_repo.role_of(conn, target_id, user_id)
            if role is None:
                raise NotFound("No such album.")
            if role != "owner":
                raise Forbidden("Only the album's owner can share it.", code="not_yours")
        else:
            if users_repo.by_id(conn, target_id) is None:
                raise NotFound("No such user.")
            if target_id != user_id:
                raise Forbidden("You can share only your own profile.", code="not_yours")

    @staticmethod
    def _json(row, base_url: str) -> dict:
        return {
            "link_id": str(row["id"]),
            "url": f"{base_url}/s/{row['token']}",
            "target_type": row["target_type"],
            "target_id": str(row["target_id"]),
            "created_at": iso_time(row["created_at"]),
            "expires_at": iso_time(row["expires_at"]),
        }
