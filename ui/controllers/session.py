"""Session: the first frame's account check, the setup-code question, signing in, out, and registering."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from app.api_client import ApiError
from app.session import SessionData, normalise_server_url

from .base import Feature

log = logging.getLogger(__name__)


class SessionController(Feature):
    async def start(self) -> None:
        """The first frame already shows the cached account and feed (``ui.shell.first_state``);
        now ask the server for both at once."""
        session = self.core.session
        self.state.server_url = session.server_url
        if not session.signed_in:
            await self.navigate("/welcome")
            return
        if self.state.me is None:
            self.state.me = self.core.cache.load_user(session.username or "")
        known = self.state.me is not None
        me, _ = await asyncio.gather(self.call(self.api.me, quiet=True),
                                     self.controller.feed.load() if known else asyncio.sleep(0))
        if not self.core.session.signed_in:  # the server refused the token (call() signed out)
            return
        if me is not None:
            self.state.me = me
            self.core.cache.save_user(me)
        elif not known and self.state.online:  # the server answered but refused the token
            await self.navigate("/welcome")
            return
        self.core.start_background()
        if self.state.route in ("/welcome", ""):
            await self.navigate("/")
        if not known:
            await self.controller.feed.load()

    async def check_setup(self, server_url: str | None = None) -> None:
        """Ask the server whether it waits for its admin (then creating an account takes the setup code), and who may
        register (an invite code required, optional, or no new accounts)."""
        if server_url:
            url = normalise_server_url(server_url)
            if url != self.api.base_url:
                self.api.use_server(url)
        try:
            needed, registration = await self.api.registration_status()
        except ApiError:  # offline, or refused: the form stays as it is (and is not redrawn)
            return
        except Exception:  # a half-typed address httpx cannot use
            log.info("could not ask %s whether it needs a setup code", self.api.base_url, exc_info=True)
            return
        if needed != self.state.setup_code_needed:  # redraw only for news: the visitor may be typing
            self.state.setup_code_needed = needed
        if registration != self.state.registration:
            self.state.registration = registration

    async def sign_in(self, server_url: str, username: str, password: str, *, register: bool,
                      invite_code: str = "", setup_code: str = "") -> bool:
        url = normalise_server_url(server_url)
        if url != self.api.base_url:
            self.api.use_server(url)
        self.state.server_url = url
        refusals: list[str] = []

        async def attempt():
            try:
                if register:
                    return await self.api.register(username.strip().lower(), password, invite_code.strip() or None,
                                                   setup_code.strip() or None)
                return await self.api.login(username.strip().lower(), password)
            except ApiError as error:
                refusals.append(error.code)
                raise

        session = await self.call(attempt)
        if session is None:
            if register:  # the server's answer says which fields the form should show
                if "setup_code_required" in refusals or "invalid_setup_code" in refusals:
                    self.state.setup_code_needed = True
                elif "setup_complete" in refusals:
                    self.state.setup_code_needed = False
                self.state.invite_refused = "invalid_invite" in refusals
            return False
        self.state.setup_code_needed = self.state.invite_refused = False
        self.core.save_session(SessionData(server_url=url, token=session.token, user_id=session.user.user_id,
                                           username=session.user.username))
        self.state.me = session.user
        self.core.cache.save_user(session.user)
        if session.user.must_change_password:  # a one-time password from an admin: a new one comes first
            await self.navigate("/change-password")
            return True
        await self._enter()
        return True

    async def _enter(self) -> None:
        """Signed in for real: uploads, live news and the feed start."""
        self.core.queue.resume_after_sign_in()
        self.core.stop_live()  # a stream opened for an earlier account (or none) must not carry on
        self.core.start_background()
        await self.navigate("/")
        await self.controller.feed.load()

    async def set_new_password(self, new_password: str) -> bool:
        """After a sign-in with a one-time password: set the account's own (the screen then goes on to the feed).
        The server asks for no current password then: the token of that sign-in is proof enough."""
        user = await self.call(lambda: self.api.change_password(new_password))
        if user is None:
            return False
        self.core.save_session(replace(self.core.session, token=self.api.token))  # the server may issue a new token
        self.state.me = user
        self.core.cache.save_user(user)
        self.toast("Your new password is set.")
        await self._enter()
        return True

    async def sign_out(self, local_only: bool = False) -> None:
        if not local_only:
            await self.call(self.api.logout, quiet=True)
        self.core.save_session(self.core.sessions.sign_out())
        self.core.stop_live()
        self.core.cache.forget_account()
        self.state.signed_out()
        await self.navigate("/welcome")
