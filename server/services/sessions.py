"""Sessions: sign in (through the failed-sign-in throttle) and out, and which account a bearer token signs in.

Tokens are random and stored only as a hash. Checked tokens are cached for ``TOKEN_CACHE_SECONDS`` and
re-checked in the background once half that old, so a busy client never waits for the database while a
sign-out in another process is honoured within the cache time. The re-checks due are made together, up to
``RECHECK_BATCH`` tokens per query, by one background task: thousands of active clients cost a few queries
every refresh period instead of one thread hop each.
"""

from __future__ import annotations

import asyncio
import logging
import time

from .. import auth
from ..caches import LRUCache
from ..clock import now_ms
from ..context import Context
from ..repos import users as users_repo
from ..web.errors import Forbidden, Unauthorized
from ..web.serialize import user_json
from .registration import MAX_PASSWORD_CHARS

log = logging.getLogger(__name__)

TOKEN_CACHE_SECONDS = 30  # how long another process may keep honouring a token after sign-out elsewhere
TOKEN_REFRESH_SECONDS = TOKEN_CACHE_SECONDS / 2  # a token in use is re-checked in the background after this
RECHECK_BATCH = 500  # tokens re-checked per query


class Sessions:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._tokens = LRUCache(100_000, ttl=TOKEN_CACHE_SECONDS)  # token hash -> (user id, when checked)
        self._token_forgets = 0
        self._rechecking: set[str] = set()  # digests queued for a re-check or being re-checked
        self._recheck_queue: list[str] = []
        self._recheck_task: asyncio.Task | None = None

    async def login(self, username: object, password: object, address: str = "unknown") -> tuple[dict, str]:
        """Sign in; ``address`` is the client's, for the failed-sign-in throttle (``login_throttle``)."""
        if not isinstance(username, str) or not isinstance(password, str) or len(password) > MAX_PASSWORD_CHARS:
            raise Unauthorized("Wrong username or password.", code="invalid_credentials")
        name = username.strip().lower().lstrip("@")
        succeeded = await self.ctx.login_throttle.attempt(name, address)  # 429 past the limits; may wait a little
        row = await self.ctx.db.read(lambda conn: users_repo.by_username(conn, name))
        ok = await auth.verify_password(row["password_hash"] if row else None, password)
        if not ok or row is None:
            raise Unauthorized("Wrong username or password.", code="invalid_credentials")
        await succeeded()
        if row["is_disabled"]:
            raise Unauthorized("This account is disabled. Ask the server's admin.", code="account_disabled")
        token = auth.new_token()

        def unit(conn) -> None:
            users_repo.add_token(conn, auth.token_hash(token), row["id"], now_ms())
            if row["must_change_password"]:
                # A temporary password from an admin's reset works once: this sign-in used it up. The account
                # sets its own with POST /me/password (no current password needed while this flag is set).
                users_repo.consume_password(conn, row["id"], row["password_hash"])

        await self.ctx.db.write(unit)
        return user_json(row, private_fields=True), token

    async def change_password(self, user_id: int, current: object, new: object) -> dict:
        """Set a new password. The current one is asked for, except right after signing in with a temporary
        password (``must_change_password``)."""
        from .registration import check_password

        password = check_password(new)
        row = await self.ctx.db.read(lambda conn: users_repo.by_id(conn, user_id))
        if row is None:
            raise Unauthorized("This account no longer exists.")
        if not row["must_change_password"]:
            if not isinstance(current, str) or not await auth.verify_password(row["password_hash"], current):
                raise Forbidden("The current password is wrong.", code="wrong_password")
        password_hash = await auth.hash_password(password)
        await self.ctx.db.write(lambda conn: users_repo.update_profile(
            conn, user_id, {"password_hash": password_hash, "must_change_password": 0}))
        return user_json(await self.ctx.db.read(lambda conn: users_repo.by_id(conn, user_id)), private_fields=True)

    async def logout(self, token: str) -> None:
        digest = auth.token_hash(token)
        self._token_forgets += 1
        self._tokens.discard(digest)
        await self.ctx.db.write(lambda conn: users_repo.delete_token(conn, digest))

    async def user_for_token(self, token: str) -> int | None:
        """The account a bearer token signs in, from the cache when it was checked recently.

        A token in use is re-checked in the background once its check is TOKEN_REFRESH_SECONDS old, so busy
        clients never wait for the database; one not re-checked within TOKEN_CACHE_SECONDS is checked again
        before it is honoured, which bounds how long a sign-out in another process goes unnoticed.
        """
        user_id = self.recent_user_for_token(token)
        if user_id is not None:
            return user_id
        return await self._check_token(auth.token_hash(token))

    def recent_user_for_token(self, token: str) -> int | None:
        """``user_for_token`` without waiting, for a token checked recently; None when it must be checked now."""
        digest = auth.token_hash(token)
        cached = self._tokens.get(digest)
        if cached is None:
            return None
        user_id, checked_at = cached
        if time.monotonic() - checked_at > TOKEN_REFRESH_SECONDS and digest not in self._rechecking:
            self._rechecking.add(digest)
            self._recheck_queue.append(digest)
            if self._recheck_task is None:
                self._recheck_task = asyncio.get_running_loop().create_task(self._recheck_tokens())
        return user_id

    async def _check_token(self, digest: str) -> int | None:
        forgets = self._token_forgets
        user_id = await self.ctx.db.read(lambda conn: users_repo.user_for_token(conn, digest))
        # A sign-out that happened while we read may predate what we read: use it, but do not keep it.
        if user_id is not None and forgets == self._token_forgets:
            self._tokens.set(digest, (user_id, time.monotonic()))
        return user_id

    async def _recheck_tokens(self) -> None:
        """Re-check the queued tokens, ``RECHECK_BATCH`` per query, until the queue is empty."""
        try:
            while self._recheck_queue:
                batch = self._recheck_queue[:RECHECK_BATCH]
                del self._recheck_queue[:RECHECK_BATCH]
                try:
                    await self._recheck_batch(batch)
                except Exception:  # the entries stay until their hard limit; the next use queues them again
                    log.warning("re-checking %d cached tokens failed", len(batch), exc_info=True)
                finally:
                    self._rechecking.difference_update(batch)
        finally:
            self._recheck_task = None

    async def _recheck_batch(self, digests: list[str]) -> None:
        forgets = self._token_forgets
        valid = await self.ctx.db.read(lambda conn: users_repo.users_for_tokens(conn, digests))
        now = time.monotonic()
        for digest in digests:
            user_id = valid.get(digest)
            if user_id is None:
                self._tokens.discard(digest)
            elif forgets == self._token_forgets:  # no sign-out here while we read: what we read is current
                self._tokens.set(digest, (user_id, now))

    def forget_tokens(self) -> None:
        self._token_forgets += 1
        self._tokens.clear()
