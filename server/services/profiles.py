"""Profiles: your own account as you see it, its editable fields, and its picture."""

from __future__ import annotations

from ..context import Context
from ..jobs.base import PRIORITY_CLEANUP
from ..jobs.database import enqueue_in
from ..repos import users as users_repo
from ..stores.base import Conn
from ..web.errors import InvalidInput, Unauthorized
from ..web.serialize import user_json

MAX_DISPLAY_NAME_CHARS = 50
MAX_BIO_CHARS = 150  # Instagram's limit, so bios fit a profile header


class Profiles:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def me(self, user_id: int) -> dict:
        row = await self.ctx.db.read(lambda conn: users_repo.by_id(conn, user_id))
        if row is None:
            raise Unauthorized("This account no longer exists.")
        return user_json(row, private_fields=True)

    async def update_profile(self, user_id: int, data: dict) -> dict:
        changes: dict = {}
        if "display_name" in data:
            changes["display_name"] = self._text(data, "display_name", MAX_DISPLAY_NAME_CHARS)
        if "bio" in data:
            changes["bio"] = self._text(data, "bio", MAX_BIO_CHARS)
        if "is_private" in data:
            if not isinstance(data["is_private"], bool):
                raise InvalidInput("'is_private' must be true or false.")
            changes["is_private"] = int(data["is_private"])
        unknown = set(data) - {"display_name", "bio", "is_private"}
        if unknown:
            raise InvalidInput(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
        before = await self.ctx.db.read(lambda conn: users_repo.by_id(conn, user_id))
        await self.ctx.db.write(lambda conn: users_repo.update_profile(conn, user_id, changes))
        self.ctx.hydrator.forget_user(user_id)
        if before is not None and before["is_private"] and changes.get("is_private") == 0:
            await self.ctx.follows.approve_all_requests(user_id)
        return await self.me(user_id)

    @staticmethod
    def _text(data: dict, name: str, limit: int) -> str:
        value = data[name]
        if value is None:
            return ""
        if not isinstance(value, str):
            raise InvalidInput(f"'{name}' must be a string.")
        value = value.strip()
        if len(value) > limit:
            raise InvalidInput(f"'{name}' may have at most {limit} characters.")
        return value

    async def set_avatar(self, user_id: int, upload_path: str) -> dict:
        avatar_key = await self.ctx.media.store_avatar(user_id, upload_path)
        old = await self.ctx.db.read(lambda conn: users_repo.by_id(conn, user_id))

        def unit(conn: Conn):
            users_repo.update_profile(conn, user_id, {"avatar_key": avatar_key})
            if old is not None and old["avatar_key"] and old["avatar_key"] != avatar_key:
                enqueue_in(conn, "delete_blobs", {"keys": self.ctx.media.avatar_keys(old["avatar_key"])}, PRIORITY_CLEANUP)

        await self.ctx.db.write(unit)
        self.ctx.job_committed()
        self.ctx.hydrator.forget_user(user_id)
        return await self.me(user_id)
