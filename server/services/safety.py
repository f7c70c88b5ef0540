"""Blocks and mutes: one person's say over whom they hear from.

A **block** (either way) ends every relation between two accounts: it removes the follows and follow requests
both ways (counters kept, celebrity crossings acted on), takes each one's posts out of the other's home timeline
(through the timeline manager, the only timeline writer), and from then on the visibility rule
(``services/visibility.py``) hides each from the other: profiles, posts, comments, lists and search answer as if
the other did not exist, so follows, likes, comments and mentions between the two are refused (404) or dropped.

A **mute** only quiets: the muted account's posts leave the muter's home timeline (the manager reads follows that
are not muted) and their stories the muter's tray. Nothing else changes; the follow stays, and the muted account
is not told.

Reports and their review live in ``services/moderation.py``.
"""

from __future__ import annotations

from ..clock import now_ms
from ..context import Context
from ..repos import blocks as repo
from ..repos import follows as follows_repo
from ..repos import users as users_repo
from ..repos.user_refs import user_by_ref
from ..stores.base import Conn
from ..web.errors import Conflict, InvalidInput, NotFound
from ..web.serialize import user_json

LISTS = {"blocks": "blocks", "mutes": "mutes"}


class Safety:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def job_handlers(self) -> dict:
        return {}

    @staticmethod
    def _other(conn: Conn, user_id: int, ref: str, *, verb: str, undo: bool = False):
        """The account named by ``ref``: 404 when there is none (or it is disabled, unless this undoes a block or
        mute of it), 400 when it is the caller."""
        row = user_by_ref(conn, ref)
        if row is None or (row["is_disabled"] and row["id"] != user_id and not undo):
            raise NotFound("No such user.")
        if row["id"] == user_id:
            raise InvalidInput(f"You cannot {verb} yourself.", code=f"cannot_{verb}_self")
        return row

    # -- blocks ---------------------------------------------------------------------------------------------
    async def block(self, user_id: int, ref: str) -> dict:
        """Block an account (again is fine): follows and requests both ways end, each leaves the other's feed."""
        manager = self.ctx.timeline_manager
        notifications = self.ctx.notifications

        def unit(conn: Conn):
            other = self._other(conn, user_id, ref, verb="block")
            repo.add_block(conn, user_id, other["id"], now_ms())
            unfollowed = []
            for follower_id, followee_id in follows_repo.remove_all_between(conn, user_id, other["id"]):
                after = users_repo.follower_count(conn, followee_id) or 0
                manager.count_changing_in(conn, followee_id, after + 1, after)
                notifications.withdraw_in(conn, user_id=followee_id, type="follow", actor_id=follower_id)
                unfollowed.append((follower_id, followee_id, after))
            for requester_id, target_id in ((user_id, other["id"]), (other["id"], user_id)):
                notifications.withdraw_in(conn, user_id=target_id, type="follow_request", actor_id=requester_id)
            return other["id"], unfollowed

        other_id, unfollowed = await self.ctx.db.write(unit)
        self.ctx.job_committed()
        self._counts_changed(user_id, other_id)
        await manager.block_changed(user_id, other_id, unfollowed)
        return {"blocking": True}

    def _counts_changed(self, a: int, b: int) -> None:
        """Each one's comments stop (or start) counting in the comment counts the other sees (``hydrate.py``)."""
        self.ctx.hydrator.forget_viewer(a)
        self.ctx.hydrator.forget_viewer(b)

    async def unblock(self, user_id: int, ref: str) -> dict:
        """Lift a block; nothing that it ended comes back by itself (follows are asked for again)."""
        def unit(conn: Conn) -> int:
            other = self._other(conn, user_id, ref, verb="block", undo=True)
            if not repo.remove_block(conn, user_id, other["id"]):
                raise Conflict("You do not block this account.", code="not_blocking")
            return other["id"]

        self._counts_changed(user_id, await self.ctx.db.write(unit))
        return {"blocking": False}

    # -- mutes ----------------------------------------------------------------------------------------------
    async def mute(self, user_id: int, ref: str) -> dict:
        """Mute an account (again is fine): its posts leave the caller's home feed, its stories the tray."""
        visibility = self.ctx.visibility

        def unit(conn: Conn) -> int:
            other = self._other(conn, user_id, ref, verb="mute")
            if visibility.blocked_in(conn, user_id, other["id"]):
                raise NotFound("No such user.")
            repo.add_mute(conn, user_id, other["id"], now_ms())
            return other["id"]

        other_id = await self.ctx.db.write(unit)
        await self.ctx.timeline_manager.mute_changed(user_id, other_id)
        return {"muting": True}

    async def unmute(self, user_id: int, ref: str) -> dict:
        def unit(conn: Conn) -> int:
            other = self._other(conn, user_id, ref, verb="mute", undo=True)
            if not repo.remove_mute(conn, user_id, other["id"]):
                raise Conflict("You do not mute this account.", code="not_muting")
            return other["id"]

        other_id = await self.ctx.db.write(unit)
        await self.ctx.timeline_manager.mute_changed(user_id, other_id)
        return {"muting": False}

    # -- the caller's lists ---------------------------------------------------------------------------------
    async def listed(self, user_id: int, which: str, after: tuple[int, int] | None,
                     limit: int) -> tuple[list[dict], tuple[int, int] | None]:
        """Whom the caller blocks (``blocks``) or mutes (``mutes``), newest first, and the cursor to go on."""
        rows = await self.ctx.db.read(lambda conn: repo.users_page(conn, LISTS[which], user_id, after, limit + 1))
        users = [user_json(row) for row in rows[:limit]]
        if len(rows) <= limit:
            return users, None
        last = rows[limit - 1]
        return users, (last["listed_at"], last["id"])
