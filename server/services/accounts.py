"""Accounts: register, sign in and out, profile, avatar, and deleting everything an account owns."""

from __future__ import annotations

import asyncio
import logging
import re
import time

from .. import auth
from ..caches import LRUCache
from ..context import Context
from ..errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from ..jobs.base import PRIORITY_CLEANUP
from ..jobs.database import enqueue_in
from ..repos import setup_codes as setup_repo
from ..repos import users as users_repo
from ..serialize import user_json
from ..stores.base import Conn, IntegrityError

log = logging.getLogger(__name__)

USERNAME_RE = re.compile(r"^[a-z0-9._]{3,30}$")
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024  # argon2 cost grows with input; nobody types more than this
MAX_DISPLAY_NAME_CHARS = 50
MAX_BIO_CHARS = 150  # Instagram's limit, so bios fit a profile header
INVITE_LIFETIME_MS = 7 * 24 * 3600 * 1000
# A first-run setup code works for a day: long enough to get to a phone, short enough that a copy left
# in a log (journald keeps what `serve` prints) soon stops mattering. `serve` issues a fresh one each start.
SETUP_CODE_LIFETIME_MS = 24 * 3600 * 1000
TOKEN_CACHE_SECONDS = 30  # how long another process may keep honouring a token after sign-out elsewhere
TOKEN_REFRESH_SECONDS = TOKEN_CACHE_SECONDS / 2  # a token in use is re-checked in the background after this


def now_ms() -> int:
    return int(time.time() * 1000)


def normalise_username(raw: object) -> str:
    if not isinstance(raw, str):
        raise InvalidInput("'username' is required.", code="invalid_username")
    username = raw.strip().lower().lstrip("@")
    if not USERNAME_RE.match(username):
        raise InvalidInput("A username is 3 to 30 characters: letters a-z, digits, '.' and '_'.", code="invalid_username")
    return username


def check_password(raw: object) -> str:
    if not isinstance(raw, str) or len(raw) < MIN_PASSWORD_CHARS:
        raise InvalidInput(f"A password needs at least {MIN_PASSWORD_CHARS} characters.", code="invalid_password")
    if len(raw) > MAX_PASSWORD_CHARS:
        raise InvalidInput(f"A password may have at most {MAX_PASSWORD_CHARS} characters.", code="invalid_password")
    return raw


async def issue_setup_code(db, lifetime_ms: int = SETUP_CODE_LIFETIME_MS) -> tuple[str, int] | None:
    """A new one-time setup code and its expiry (Unix ms), replacing any unused one; None once accounts exist.

    Takes the database alone: ``photoshare serve`` issues the code before any server process starts.
    """
    code = auth.new_setup_code()
    now = now_ms()

    def unit(conn: Conn):
        if users_repo.count(conn) > 0:
            setup_repo.discard_unused(conn)
            return None
        setup_repo.replace_unused(conn, auth.setup_code_hash(code), now, now + lifetime_ms)
        return code, now + lifetime_ms

    return await db.write(unit)


async def drop_setup_codes(db) -> None:
    """Forget every setup code while no account exists: whoever registers first becomes the admin
    (``require_setup_code = false``)."""

    def unit(conn: Conn):
        if users_repo.count(conn) == 0:
            setup_repo.forget_all(conn)

    await db.write(unit)


class Accounts:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._tokens = LRUCache(100_000, ttl=TOKEN_CACHE_SECONDS)  # token hash -> (user id, when checked)
        self._token_forgets = 0
        self._rechecking: set[str] = set()
        self._background: set[asyncio.Task] = set()

    def job_handlers(self) -> dict:
        return {"account_cleanup": self._cleanup_after_deletion}

    # -- registration and sessions -------------------------------------------------------------
    async def register(self, username: object, password: object, invite_code: object = None,
                       setup_code: object = None) -> tuple[dict, str]:
        """Create an account and sign it in.

        While no account exists and a setup code has been issued (``photoshare serve`` does so on a fresh
        server), only a registration carrying that code gets through, whatever the registration mode: it
        creates the admin and uses the code up. Without an issued code the first account becomes the
        admin as before (a server started without ``serve``, or with ``require_setup_code = false``).
        """
        username = normalise_username(username)
        password = check_password(password)
        mode = self.ctx.settings.registration
        if invite_code is not None and not isinstance(invite_code, str):
            raise InvalidInput("'invite_code' must be a string.")
        if setup_code is not None and not isinstance(setup_code, str):
            raise InvalidInput("'setup_code' must be a string.")
        password_hash = await auth.hash_password(password)
        token = auth.new_token()
        user_id = self.ctx.ids.next_id()
        now = now_ms()

        def unit(conn: Conn):
            first_user = users_repo.count(conn) == 0
            setup_pending = first_user and setup_repo.issued(conn)
            if setup_pending and not (setup_code or "").strip():
                raise Forbidden("This server is waiting for its admin. Register with the setup code that "
                                "`photoshare serve` printed (or open its setup link).", code="setup_code_required")
            if (setup_code or "").strip() and not first_user:
                raise Forbidden("This server already has its admin; register without a setup code, or sign in.",
                                code="setup_complete")
            if not first_user and mode == "closed":
                raise Forbidden("Registration is closed on this server. Ask its admin for an account.", code="registration_closed")
            if users_repo.by_username(conn, username) is not None:
                raise Conflict("That username is taken.", code="username_taken")
            users_repo.insert(conn, user_id=user_id, username=username, password_hash=password_hash, is_admin=first_user, created_at=now)
            if setup_pending and not setup_repo.use(conn, auth.setup_code_hash(setup_code), user_id, now):
                raise Forbidden("That setup code is not right, or it expired or was used. Restart `photoshare serve` "
                                "(or run `photoshare admin setup-link`) for a new one.", code="invalid_setup_code")
            if not first_user and mode == "invite":
                if not invite_code or not users_repo.use_invite(conn, auth.token_hash(invite_code.strip()), user_id, now):
                    raise Forbidden("This server needs a valid invite code to register (it may be used or expired).", code="invalid_invite")
            users_repo.add_token(conn, auth.token_hash(token), user_id, now)
            return users_repo.by_id(conn, user_id)

        try:
            row = await self.ctx.db.write(unit)
        except IntegrityError:
            raise Conflict("That username is taken.", code="username_taken") from None
        return user_json(row, private_fields=True), token

    # -- first run ------------------------------------------------------------------------------
    async def issue_setup_code(self, lifetime_ms: int = SETUP_CODE_LIFETIME_MS) -> tuple[str, int] | None:
        return await issue_setup_code(self.ctx.db, lifetime_ms)

    async def drop_setup_codes(self) -> None:
        await drop_setup_codes(self.ctx.db)

    async def setup_required(self) -> bool:
        """Whether registering needs a setup code right now (no account yet, and a code was issued)."""
        return await self.ctx.db.read(lambda conn: users_repo.count(conn) == 0 and setup_repo.issued(conn))

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
        await self.ctx.db.write(lambda conn: users_repo.add_token(conn, auth.token_hash(token), row["id"], now_ms()))
        return user_json(row, private_fields=True), token

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
            task = asyncio.get_running_loop().create_task(self._recheck_token(digest))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        return user_id

    async def _check_token(self, digest: str) -> int | None:
        forgets = self._token_forgets
        user_id = await self.ctx.db.read(lambda conn: users_repo.user_for_token(conn, digest))
        # A sign-out that happened while we read may predate what we read: use it, but do not keep it.
        if user_id is not None and forgets == self._token_forgets:
            self._tokens.set(digest, (user_id, time.monotonic()))
        return user_id

    async def _recheck_token(self, digest: str) -> None:
        try:
            if await self._check_token(digest) is None:
                self._tokens.discard(digest)
        except Exception:  # the entry stays until its hard limit; the next use checks again
            log.warning("re-checking a cached token failed", exc_info=True)
        finally:
            self._rechecking.discard(digest)

    def forget_tokens(self) -> None:
        self._token_forgets += 1
        self._tokens.clear()

    async def create_invite(self, created_by: int | None = None) -> str:
        code = auth.new_invite_code()
        now = now_ms()
        await self.ctx.db.write(lambda conn: users_repo.add_invite(conn, auth.token_hash(code), created_by, now, now + INVITE_LIFETIME_MS))
        return code

    # -- profile --------------------------------------------------------------------------------
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

    # -- administration -------------------------------------------------------------------------
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
                conn.execute("UPDATE setup_codes SET used_by = ?, used_at = ? WHERE used_by IS NULL", (user_id, now))
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
        self.forget_tokens()
        return user_json(await self.ctx.db.read(lambda conn: users_repo.by_id(conn, row["id"])), private_fields=True)

    async def reset_password(self, username: str, password: object) -> None:
        """Set a new password and sign the account out everywhere."""
        row = await self._user_by_name(username)
        password_hash = await auth.hash_password(check_password(password))

        def unit(conn: Conn):
            users_repo.update_profile(conn, row["id"], {"password_hash": password_hash})
            users_repo.delete_tokens_of(conn, row["id"])

        await self.ctx.db.write(unit)
        self.forget_tokens()

    async def list_users(self, limit: int = 1000) -> list:
        return await self.ctx.db.read(lambda conn: conn.fetch_all(
            f"SELECT {users_repo.USER_COLUMNS} FROM users ORDER BY id LIMIT ?", (limit,)))

    # -- deletion -------------------------------------------------------------------------------
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
            post_ids = [r[0] for r in conn.fetch_all("SELECT id FROM posts WHERE user_id = ?", (user_id,))]
            follower_ids = [r[0] for r in conn.fetch_all("SELECT follower_id FROM follows WHERE followee_id = ?", (user_id,))]
            media_ids = [r[0] for r in conn.fetch_all("SELECT id FROM media WHERE user_id = ?", (user_id,))]
            # Counters other people see: likes and comments this account left, follows both ways.
            conn.execute("UPDATE posts SET like_count = like_count - 1 WHERE id IN (SELECT post_id FROM likes WHERE user_id = ?) AND user_id <> ?", (user_id, user_id))
            conn.execute(
                "UPDATE posts SET comment_count = comment_count - (SELECT COUNT(*) FROM comments c WHERE c.post_id = posts.id AND c.user_id = ?)"
                " WHERE id IN (SELECT post_id FROM comments WHERE user_id = ?) AND user_id <> ?",
                (user_id, user_id, user_id),
            )
            conn.execute("UPDATE users SET follower_count = follower_count - 1 WHERE id IN (SELECT followee_id FROM follows WHERE follower_id = ?)", (user_id,))
            conn.execute("UPDATE users SET following_count = following_count - 1 WHERE id IN (SELECT follower_id FROM follows WHERE followee_id = ?)", (user_id,))
            conn.execute(
                "UPDATE hashtags SET post_count = post_count - (SELECT COUNT(*) FROM post_hashtags ph JOIN posts p ON p.id = ph.post_id"
                " WHERE ph.tag = hashtags.tag AND p.user_id = ?) WHERE tag IN (SELECT ph.tag FROM post_hashtags ph JOIN posts p ON p.id = ph.post_id WHERE p.user_id = ?)",
                (user_id, user_id),
            )
            blob_keys = self.ctx.media.release_media_in(conn, media_ids)
            if avatar_key:
                blob_keys += self.ctx.media.avatar_keys(avatar_key)
            # Their new counts, so the cleanup can tell who fell below the celebrity threshold.
            followee_counts = [[r[0], r[1]] for r in conn.fetch_all(
                "SELECT u.id, u.follower_count FROM follows f JOIN users u ON u.id = f.followee_id WHERE f.follower_id = ?", (user_id,))]
            conn.execute("DELETE FROM users WHERE id = ?", (user_id,))  # cascades to everything it owns
            enqueue_in(conn, "account_cleanup", {"user_id": user_id, "post_ids": post_ids, "follower_ids": follower_ids,
                                                 "followee_counts": followee_counts}, PRIORITY_CLEANUP)
            if blob_keys:
                enqueue_in(conn, "delete_blobs", {"keys": blob_keys}, PRIORITY_CLEANUP)
            return post_ids

        post_ids = await self.ctx.db.write(unit)
        self.forget_tokens()
        self.ctx.hydrator.forget_user(user_id)
        for post_id in post_ids:
            self.ctx.hydrator.forget_post(post_id)
        self.ctx.job_committed()

    async def _cleanup_after_deletion(self, payload: dict) -> None:
        manager = self.ctx.timeline_manager
        await manager.account_deleted(payload["user_id"], payload["post_ids"], payload["follower_ids"])
        for followee_id, after in payload.get("followee_counts", ()):  # followees whose count it lowered
            manager.follower_count_changed(followee_id, after + 1, after)
            if manager.is_celebrity(after + 1) and not manager.is_celebrity(after):
                await manager._demoted(followee_id)  # this cleanup is itself the durable job
