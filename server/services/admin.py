"""The admin's tools over accounts, invites, statistics, jobs and integrity: one service for the command line
(``photoshare admin …``) and a future ``/admin`` HTTP API alike.
"""

from __future__ import annotations

from .. import auth
from ..clock import now_ms
from ..context import Context
from ..repos import setup_codes as setup_repo
from ..repos import users as users_repo
from ..stores.base import Conn
from ..web.errors import Conflict, NotFound
from ..web.serialize import user_json
from .registration import check_password, normalise_username


class Admin:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- accounts -------------------------------------------------------------------------------
    async def _user_by_name(self, username: str):
        name = username.strip().lower().lstrip("@")
        row = await self.ctx.db.read(lambda conn: users_repo.by_username(conn, name))
        if row is None:
            raise NotFound(f"No account named {name!r}.")
        return row

    async def create_user(self, username: object, password: object, *, admin: bool = False) -> dict:
        """Create an account whatever the registration mode (the admin's own tool)."""
        username = normalise_username(username)
        password_hash = await auth.hash_password(check_password(password))
        user_id = self.ctx.ids.next_id()

        def unit(conn: Conn):
            if users_repo.by_username(conn, username) is not None:
                raise Conflict("That username is taken.", code="username_taken")
            first_user = users_repo.count(conn) == 0
            now = now_ms()
            users_repo.insert(conn, user_id=user_id, username=username, password_hash=password_hash,
                              is_admin=admin or first_user, created_at=now)
            if first_user:  # the admin came in through the machine itself: the printed setup code is done with
                setup_repo.mark_used_by(conn, user_id, now)
            return users_repo.by_id(conn, user_id)

        return user_json(await self.ctx.db.write(unit), private_fields=True)

    async def set_disabled(self, username: str, disabled: bool) -> dict:
        """Disable (sign out everywhere, refuse sign-in) or enable an account; its posts stay."""
        row = await self._user_by_name(username)

        def unit(conn: Conn):
            users_repo.update_profile(conn, row["id"], {"is_disabled": int(disabled)})
            if disabled:
                users_repo.delete_tokens_of(conn, row["id"])

        await self.ctx.db.write(unit)
        self.ctx.sessions.forget_tokens()
        return user_json(await self.ctx.db.read(lambda conn: users_repo.by_id(conn, row["id"])), private_fields=True)

    async def reset_password(self, username: str, password: object) -> None:
        """Set a new password and sign the account out everywhere."""
        row = await self._user_by_name(username)
        password_hash = await auth.hash_password(check_password(password))

        def unit(conn: Conn):
            users_repo.update_profile(conn, row["id"], {"password_hash": password_hash})
            users_repo.delete_tokens_of(conn, row["id"])

        await self.ctx.db.write(unit)
        self.ctx.sessions.forget_tokens()

    async def list_users(self, limit: int = 1000) -> list:
        return await self.ctx.db.read(lambda conn: users_repo.listing(conn, limit))
