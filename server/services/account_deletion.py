"""Deleting an account and everything it owns, in one transaction; files and timelines by a durable job.

Asked by the account itself (``DELETE /api/v1/me``, with its password) or by the admin. The transaction
(``repos/account_deletion.py``) lowers the counters other people see and removes the account row, which
cascades to what it owns; the ``account_cleanup`` job then retracts its posts from timelines and tells the
timeline manager whose follower counts fell, and ``delete_blobs`` removes its files.
"""

from __future__ import annotations

from .. import auth
from ..context import Context
from ..jobs.base import PRIORITY_CLEANUP
from ..jobs.database import enqueue_in
from ..repos import account_deletion as repo
from ..repos import exports as exports_repo
from ..repos import users as users_repo
from ..stores.base import Conn
from ..web.errors import Forbidden, InvalidInput, NotFound


class AccountDeletion:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def job_handlers(self) -> dict:
        return {"account_cleanup": self._cleanup_after_deletion}

    async def delete_account(self, user_id: int, password: object) -> None:
        if not isinstance(password, str):
            raise InvalidInput("Confirm with your password: {\"password\": \"…\"}.")
        row = await self.ctx.db.read(lambda conn: users_repo.by_id(conn, user_id))
        if row is None:
            raise NotFound("No such account.")
        if not await auth.verify_password(row["password_hash"], password):
            raise Forbidden("That password is not right; the account was not deleted.", code="wrong_password")
        await self.delete_user(user_id)

    async def delete_user(self, user_id: int) -> None:
        """Remove the account and everything it owns; files and timelines are cleaned by a durable job."""
        avatar_key = None

        def unit(conn: Conn):
            nonlocal avatar_key
            row = users_repo.by_id(conn, user_id)
            if row is None:
                raise NotFound("No such account.")
            avatar_key = row["avatar_key"]
            post_ids, follower_ids, media_ids = repo.owned_ids(conn, user_id)
            touched = repo.lower_counters_of(conn, user_id)  # others' posts whose like or comment count fell
            blob_keys = self.ctx.media.release_media_in(conn, media_ids)
            if avatar_key:
                blob_keys += self.ctx.media.avatar_keys(avatar_key)
            blob_keys += exports_repo.blob_keys_of(conn, user_id)  # copies of its data
            # Their new counts, so the cleanup can tell who fell below the celebrity threshold.
            followee_counts = repo.followee_counts(conn, user_id)
            repo.delete_user(conn, user_id)  # cascades to everything it owns
            enqueue_in(conn, "account_cleanup", {"user_id": user_id, "post_ids": post_ids, "follower_ids": follower_ids,
                                                 "followee_counts": followee_counts}, PRIORITY_CLEANUP)
            if blob_keys:
                enqueue_in(conn, "delete_blobs", {"keys": blob_keys}, PRIORITY_CLEANUP)
            return post_ids, touched

        post_ids, touched = await self.ctx.db.write(unit)
        self.ctx.sessions.forget_tokens()
        self.ctx.hydrator.forget_user(user_id)
        for post_id in {*post_ids, *touched}:
            self.ctx.hydrator.forget_post(post_id)
        self.ctx.job_committed()

    async def _cleanup_after_deletion(self, payload: dict) -> None:
        await self.ctx.timeline_manager.account_deleted(payload["user_id"], payload["post_ids"], payload["follower_ids"],
                                                        payload.get("followee_counts", ()))
