"""Following people: follow, unfollow, follow requests for private accounts, lists, and who may see whom.

Counters (``follower_count``, ``following_count``) change in the same transaction as the follow row,
and notifications are written there too. Timelines follow the database after the commit, through the
timeline manager: a follow merges the followee's recent posts into the follower's warm timeline, an
unfollow takes them out before it answers, so they are never shown after the 200.
"""

from __future__ import annotations

import dataclasses

from ..clock import now_ms
from ..context import Context
from ..repos import access as access_repo
from ..repos import follows as follows_repo
from ..repos import users as users_repo
from ..repos.user_refs import user_by_ref
from ..stores.base import Conn
from ..web.errors import Conflict, Forbidden, InvalidInput, NotFound
from ..web.serialize import user_json

# Requests approved per transaction when an account turns public: keeps each write short.
APPROVE_ALL_BATCH = 500
# Bounds the loop however many requests exist: 2,000 batches is a million requests.
APPROVE_ALL_MAX_BATCHES = 2_000



@dataclasses.dataclass(frozen=True)
class UserView:
    """A user as one viewer sees them: the API object and whether their posts are visible."""

    user_id: int
    user: dict
    may_view: bool


class Follows:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def job_handlers(self) -> dict:
        # Queued by earlier versions a few seconds after an unfollow; the timeline manager's verification
        # made it unnecessary, and one still queued only re-checks the pair.
        return {"unfollow_sweep": self._sweep_after_unfollow}

    # -- follow and unfollow ---------------------------------------------------------------------
    async def follow(self, follower_id: int, ref: str) -> dict:
        """``{following: true}``, or ``{requested: true}`` when the account is private."""
        notifications = self.ctx.notifications

        def unit(conn: Conn) -> tuple[int, bool, int]:
            target = self._target(conn, ref, follower_id)
            if target["id"] == follower_id:
                raise InvalidInput("You cannot follow yourself.", code="cannot_follow_self")
            if follows_repo.is_following(conn, follower_id, target["id"]):
                raise Conflict("You already follow this account.", code="already_following")
            if target["is_private"]:
                if follows_repo.has_request(conn, follower_id, target["id"]):
                    raise Conflict("You already asked to follow this account.", code="already_requested")
                follows_repo.add_request(conn, follower_id, target["id"], now_ms())
                notifications.add_in(conn, user_id=target["id"], type="follow_request", actor_id=follower_id)
                return target["id"], False, target["follower_count"]
            follows_repo.add_follow(conn, follower_id, target["id"], now_ms())
            notifications.add_in(conn, user_id=target["id"], type="follow", actor_id=follower_id)
            self.ctx.timeline_manager.count_changing_in(conn, target["id"], target["follower_count"], target["follower_count"] + 1)
            return target["id"], True, target["follower_count"] + 1

        target_id, following, follower_count = await self.ctx.db.write(unit)
        if not following:
            return {"requested": True}
        await self._started_following(follower_id, target_id, follower_count)
        return {"following": True}

    async def unfollow(self, follower_id: int, ref: str) -> dict:
        """Stop following, or withdraw a pending request; 409 when there is neither."""
        notifications = self.ctx.notifications

        def unit(conn: Conn) -> tuple[int, bool]:
            target = self._target(conn, ref)
            if follows_repo.remove_follow(conn, follower_id, target["id"]):
                notifications.withdraw_in(conn, user_id=target["id"], type="follow", actor_id=follower_id)
                self.ctx.timeline_manager.count_changing_in(conn, target["id"], target["follower_count"], target["follower_count"] - 1)
                return target["id"], target["follower_count"] - 1
            if follows_repo.remove_request(conn, follower_id, target["id"]):
                notifications.withdraw_in(conn, user_id=target["id"], type="follow_request", actor_id=follower_id)
                return target["id"], None
            raise Conflict("You do not follow this account.", code="not_following")

        target_id, follower_count = await self.ctx.db.write(unit)
        if follower_count is not None:
            manager = self.ctx.timeline_manager
            manager.follower_count_changed(target_id, follower_count + 1, follower_count)
            await manager.follow_changed(follower_id, target_id)
        return {"following": False}

    # -- follow requests -------------------------------------------------------------------------
    async def follow_requests(self, user_id: int, after: tuple[int, int] | None, limit: int) -> tuple[list[dict], tuple[int, int] | None]:
        rows = await self.ctx.db.read(lambda conn: follows_repo.requests_page(conn, user_id, after, limit + 1))
        return self._page([user_json(row) for row in rows[:limit]], rows, limit)

    async def approve(self, user_id: int, requester_id: int) -> dict:
        follower_count = await self.ctx.db.write(lambda conn: self._approve_in(conn, user_id, requester_id))
        if follower_count is None:
            raise NotFound("No such follow request.")
        await self._started_following(requester_id, user_id, follower_count)
        return {"approved": True}

    async def deny(self, user_id: int, requester_id: int) -> dict:
        notifications = self.ctx.notifications

        def unit(conn: Conn) -> bool:
            if not follows_repo.remove_request(conn, requester_id, user_id):
                return False
            notifications.withdraw_in(conn, user_id=user_id, type="follow_request", actor_id=requester_id)
            return True

        if not await self.ctx.db.write(unit):
            raise NotFound("No such follow request.")
        return {"approved": False}

    async def approve_all_requests(self, user_id: int) -> int:
        """Approve every pending request (the account turned public); returns how many."""

        def unit(conn: Conn) -> tuple[list[int], int, int]:
            before = after = users_repo.follower_count(conn, user_id) or 0
            requesters = follows_repo.requester_ids(conn, user_id, APPROVE_ALL_BATCH)
            for requester_id in requesters:
                after = self._approve_in(conn, user_id, requester_id)
            return requesters, before, after

        manager = self.ctx.timeline_manager
        approved = 0
        for _ in range(APPROVE_ALL_MAX_BATCHES):
            requesters, before, after = await self.ctx.db.write(unit)
            for requester_id in requesters:
                await manager.forget_timeline(requester_id)  # rebuilt with the new followee on the next read
            manager.follower_count_changed(user_id, before, after)
            approved += len(requesters)
            if len(requesters) < APPROVE_ALL_BATCH:
                break
        return approved

    def _approve_in(self, conn: Conn, user_id: int, requester_id: int) -> int | None:
        """The target's new follower count, or None when there was no such request."""
        if not follows_repo.remove_request(conn, requester_id, user_id):
            return None
        notifications = self.ctx.notifications
        notifications.withdraw_in(conn, user_id=user_id, type="follow_request", actor_id=requester_id)
        if not follows_repo.is_following(conn, requester_id, user_id):
            follows_repo.add_follow(conn, requester_id, user_id, now_ms())
            notifications.add_in(conn, user_id=user_id, type="follow", actor_id=requester_id)
        return users_repo.follower_count(conn, user_id)

    # -- lists and visibility --------------------------------------------------------------------
    async def followers(self, viewer_id: int, ref: str, after: tuple[int, int] | None, limit: int):
        return await self._list(viewer_id, ref, after, limit, follows_repo.followers_page)

    async def following(self, viewer_id: int, ref: str, after: tuple[int, int] | None, limit: int):
        return await self._list(viewer_id, ref, after, limit, follows_repo.following_page)

    async def lookup(self, viewer_id: int, ref: str) -> UserView:
        """The user behind ``{user}`` in a URL, as the viewer sees them; 404 when there is none."""

        def unit(conn: Conn) -> UserView:
            row = self._target(conn, ref, viewer_id)
            followed, requested = follows_repo.relations_of(conn, viewer_id, [row["id"]])
            user = user_json(row, followed_by_me=row["id"] in followed, requested_by_me=row["id"] in requested)
            may_view = access_repo.can_view_author_in(conn, viewer_id, row["id"])
            return UserView(row["id"], user, may_view)

        return await self.ctx.db.read(unit)

    async def can_view(self, viewer_id: int | None, author_id: int) -> bool:
        """May this viewer see the author's posts (the visibility rule: ``services/visibility.py``)."""
        return await self.ctx.visibility.may_see_content_of(viewer_id, author_id)

    async def _list(self, viewer_id: int, ref: str, after, limit: int, page_of):
        def unit(conn: Conn):
            target = self._target(conn, ref, viewer_id)
            if not access_repo.can_view_author_in(conn, viewer_id, target["id"]):
                raise Forbidden("This account is private: only its approved followers see who it follows.", code="private_account")
            rows = page_of(conn, target["id"], after, limit + 1, viewer_id)
            followed, requested = follows_repo.relations_of(conn, viewer_id, [row["id"] for row in rows[:limit]])
            return rows, followed, requested

        rows, followed, requested = await self.ctx.db.read(unit)
        users = [user_json(row, followed_by_me=row["id"] in followed, requested_by_me=row["id"] in requested) for row in rows[:limit]]
        return self._page(users, rows, limit)

    # -- helpers ---------------------------------------------------------------------------------
    @staticmethod
    def _target(conn: Conn, ref: str, viewer_id: int | None = None):
        """The user named in the URL; 404 when there is none or the viewer may not see them (given a viewer:
        blocked either way, disabled, hidden by reports)."""
        row = user_by_ref(conn, ref)
        if row is None or (viewer_id is not None and not access_repo.can_see_user_in(conn, viewer_id, row["id"])):
            raise NotFound("No such user.")
        return row

    @staticmethod
    def _page(users: list[dict], rows: list, limit: int) -> tuple[list[dict], tuple[int, int] | None]:
        if len(rows) <= limit:
            return users, None
        last = rows[limit - 1]
        return users, (last["followed_at"], last["id"])

    async def _started_following(self, follower_id: int, followee_id: int, follower_count: int) -> None:
        manager = self.ctx.timeline_manager
        manager.follower_count_changed(followee_id, follower_count - 1, follower_count)
        await manager.follow_changed(follower_id, followee_id)

    async def _sweep_after_unfollow(self, payload: dict) -> None:
        await self.ctx.timeline_manager.follow_changed(int(payload["follower_id"]), int(payload["followee_id"]))
