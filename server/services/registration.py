"""Registration: new accounts (open, invite-only or closed), the first-run setup code, invite codes.

The first account becomes the admin; while a setup code is pending (``photoshare serve`` issued one),
only a registration carrying it gets through. Usernames and passwords are checked here for every path
that creates an account (the admin's own ``users create`` too, in ``admin.py``).
"""

from __future__ import annotations

import re

from .. import auth
from ..clock import now_ms
from ..context import Context
from ..repos import setup_codes as setup_repo
from ..repos import users as users_repo
from ..stores.base import Conn, IntegrityError
from ..web.errors import Conflict, Forbidden, InvalidInput
from ..web.serialize import user_json

USERNAME_RE = re.compile(r"^[a-z0-9._]{3,30}$")
MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 1024  # argon2 cost grows with input; nobody types more than this
INVITE_LIFETIME_MS = 7 * 24 * 3600 * 1000
# A first-run setup code works for a day: long enough to get to a phone, short enough that a copy left
# in a log (journald keeps what `serve` prints) soon stops mattering. `serve` issues a fresh one each start.
SETUP_CODE_LIFETIME_MS = 24 * 3600 * 1000


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


class Registration:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

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

    async def has_accounts(self) -> bool:
        """Whether anyone has registered yet (the setup page's question once no code is pending)."""
        return await self.ctx.db.read(lambda conn: users_repo.count(conn) > 0)

    async def issue_setup_code(self, lifetime_ms: int = SETUP_CODE_LIFETIME_MS) -> tuple[str, int] | None:
        return await issue_setup_code(self.ctx.db, lifetime_ms)

    async def drop_setup_codes(self) -> None:
        await drop_setup_codes(self.ctx.db)

    async def setup_required(self) -> bool:
        """Whether registering needs a setup code right now (no account yet, and a code was issued)."""
        return await self.ctx.db.read(lambda conn: users_repo.count(conn) == 0 and setup_repo.issued(conn))

    async def create_invite(self, created_by: int | None = None) -> str:
        code = auth.new_invite_code()
        now = now_ms()
        await self.ctx.db.write(lambda conn: users_repo.add_invite(conn, auth.token_hash(code), created_by, now, now + INVITE_LIFETIME_MS))
        return code
