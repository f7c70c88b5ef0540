"""Who may see what: the one visibility rule, for services (``ctx.visibility``).

The rule (API.md, "Visibility — one rule everywhere") is written once, in SQL, in ``repos/access.py``:

- an **account** is visible to a viewer unless it is disabled or deleted, hidden by reports, or one of the two
  blocks the other (the viewer always sees themselves);
- its **content** (posts, comments, stories, album items) is visible when the account is, and it is public or
  the viewer is an approved follower;
- a **post or comment** hidden by reports is shown only to its author; a moderator opening it one at a time
  (the post page) sees it too, marked ``hidden: true``.

What a viewer may not see answers 404 (``NotFound``), as if it did not exist. Lists filter inside their own
query with the fragments ``access.visible_post_sql``, ``visible_content_sql``, ``visible_user_sql`` and
``visible_comment_sql`` (repos only: SQL lives there); everything else asks this service.

A **mute** is not visibility: the muted account stays visible everywhere (profile, post pages, search,
comments). It only keeps the muted account's posts out of the muter's home feed (the timeline manager reads
follows that are not muted) and their stories out of the muter's story tray (``muted_ids``).
"""

from __future__ import annotations

from typing import Any, Iterable

from ..context import Context
from ..repos import access as access_repo
from ..repos import blocks as blocks_repo
from ..stores.base import Conn
from ..web.errors import NotFound


class Visibility:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- accounts -----------------------------------------------------------------------------------------
    async def may_see_user(self, viewer_id: int | None, user_id: int) -> bool:
        """The account's profile, its name in lists and search: not disabled, hidden or blocked either way."""
        return await self.ctx.db.read(lambda conn: access_repo.can_see_user_in(conn, viewer_id, user_id))

    async def may_see_content_of(self, viewer_id: int | None, author_id: int) -> bool:
        """The account's posts, stories, albums: ``may_see_user`` plus public or an approved follower."""
        if viewer_id is not None and viewer_id == author_id:
            return True
        return await self.ctx.db.read(lambda conn: access_repo.can_view_author_in(conn, viewer_id, author_id))

    async def visible_authors(self, viewer_id: int | None, author_ids: Iterable[int]) -> set[int]:
        """Which of these accounts' content the viewer may see, in one query (trays, explore, albums)."""
        ids = sorted(set(author_ids))
        return await self.ctx.db.read(lambda conn: access_repo.visible_authors_in(conn, viewer_id, ids))

    async def visible_users(self, viewer_id: int | None, user_ids: Iterable[int]) -> set[int]:
        """Which of these accounts the viewer may see listed (suggestions, likers, members)."""
        ids = sorted(set(user_ids))
        return await self.ctx.db.read(lambda conn: access_repo.visible_users_in(conn, viewer_id, ids))

    async def require_content_of(self, viewer_id: int | None, author_id: int, what: str = "thing") -> None:
        """404 ("No such <what>.") unless the viewer may see this account's content."""
        if not await self.may_see_content_of(viewer_id, author_id):
            raise NotFound(f"No such {what}.")

    # -- posts --------------------------------------------------------------------------------------------
    async def post_row(self, viewer_id: int | None, post_id: int) -> Any:
        """The post's row (``id``, ``user_id``, ``hidden``) if the viewer may see it; 404 otherwise. Moderators see
        posts hidden by reports (of accounts they may otherwise see)."""
        def unit(conn: Conn):
            row = access_repo.post_visible_in(conn, viewer_id, post_id)
            if row is None and access_repo.is_moderator_in(conn, viewer_id):
                row = access_repo.post_visible_in(conn, viewer_id, post_id, moderator=True)
            return row

        row = await self.ctx.db.read(unit)
        if row is None:
            raise NotFound("No such post.")
        return row

    # -- relations ----------------------------------------------------------------------------------------
    async def blocked_either_way(self, user_id: int) -> set[int]:
        """Everyone this user blocks or is blocked by (for filtering a list already in memory)."""
        return await self.ctx.db.read(lambda conn: blocks_repo.blocked_either_way(conn, user_id))

    async def muted_ids(self, user_id: int) -> set[int]:
        """Whom this user mutes: leave their stories out of this user's tray (home feeds already do)."""
        return await self.ctx.db.read(lambda conn: blocks_repo.muted_ids(conn, user_id))

    async def is_moderator(self, user_id: int | None) -> bool:
        return await self.ctx.db.read(lambda conn: access_repo.is_moderator_in(conn, user_id))

    # -- inside another service's write unit -----------------------------------------------------------------
    @staticmethod
    def blocked_in(conn: Conn, a: int, b: int) -> bool:
        """Does either block the other (checked again inside a write: follows, likes, comments, mentions)."""
        return access_repo.blocked_either_way_in(conn, a, b)
