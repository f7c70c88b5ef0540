"""Blocks, mutes and reports: from a post's menu, a profile's menu, and Settings' lists (with undo)."""

from __future__ import annotations

from dataclasses import replace

from app.api_client import ApiError
from app.api_types import UserSummary

from .base import Feature

# Enough pages of my blocks and mutes for any real person's lists (Settings shows them all).
LIST_PAGE_SIZE = 50
MAX_LIST_PAGES = 20


async def tolerate_conflict(action):
    """A 409 on undo means it was already undone (on another device, say): the wanted state holds."""
    try:
        return await action()
    except ApiError as error:
        if error.status == 409:
            return False
        raise


class SafetyController(Feature):
    async def ensure_loaded(self, force: bool = False) -> None:
        """My blocks and mutes, once per session (menus and profiles ask whether someone is in them)."""
        safety = self.state.safety
        if safety.loaded and not force:
            return
        errors: list[str] = []
        blocked = await self._all(self.api.blocks, errors)
        muted = await self._all(self.api.mutes, errors)
        if blocked is not None:
            safety.blocked = blocked
        if muted is not None:
            safety.muted = muted
        safety.error = errors[0] if errors else None
        safety.loaded = True

    async def _all(self, fetch, errors: list[str]) -> list[UserSummary] | None:
        users: list[UserSummary] = []
        cursor = None
        for _ in range(MAX_LIST_PAGES):
            page = await self.call(lambda: fetch(cursor, LIST_PAGE_SIZE), quiet=True)
            if page is None:
                errors.append("The list could not be loaded. Check the connection and try again.")
                return None
            users.extend(page.items)
            cursor = page.next_cursor
            if not cursor:
                break
        return users

    async def block(self, user: UserSummary) -> bool:
        if await self.call(lambda: self.api.block(user.user_id)) is None:
            return False
        self.state.safety.now_blocked(user, True)
        self.state.safety.now_muted(user, False)
        self.state.drop_posts_by(user.user_id)
        profile = self.state.profiles.get(user.username)
        if profile is not None and profile.user is not None:  # blocking ends following, both ways
            profile.user = replace(profile.user, followed_by_me=False, follow_requested_by_me=False)
        self.toast(f"You blocked {user.username}. You won't see each other's posts, and they can't follow you.")
        if self._showing_a_post_by(user.user_id):  # blocked from the post's own screen: it is gone for me now
            await self.navigate("/")
        return True

    def _showing_a_post_by(self, user_id: str) -> bool:
        parts = self.state.route.split("?")[0].strip("/").split("/")
        if len(parts) != 2 or parts[0] != "post":
            return False
        model = self.state.posts.get(parts[1])
        return model is not None and model.post.user.user_id == user_id

    async def unblock(self, user: UserSummary) -> bool:
        if await self.call(lambda: tolerate_conflict(lambda: self.api.unblock(user.user_id))) is None:
            return False
        self.state.safety.now_blocked(user, False)
        if user.username in self.state.profiles:  # the profile can be seen again: fetch it afresh
            profile = self.state.profiles[user.username]
            profile.error, profile.posts.loaded = None, False
            await self.controller.profile.load(user.username)
        self.toast(f"You unblocked {user.username}.")
        return True

    async def mute(self, user: UserSummary) -> bool:
        if await self.call(lambda: self.api.mute(user.user_id)) is None:
            return False
        self.state.safety.now_muted(user, True)
        self.state.drop_posts_by(user.user_id, feed_only=True)
        self.toast(f"You muted {user.username}. Their posts won't appear in your feed; they won't know.")
        return True

    async def unmute(self, user: UserSummary) -> bool:
        if await self.call(lambda: tolerate_conflict(lambda: self.api.unmute(user.user_id))) is None:
            return False
        self.state.safety.now_muted(user, False)
        self.state.feed.loaded = False  # their posts come back with the next look at the feed
        self.toast(f"You unmuted {user.username}.")
        return True

    async def report(self, target_type: str, target_id: str, reason: str, note: str = "") -> bool:
        if await self.call(lambda: self.api.report(target_type, target_id, reason, note)) is None:
            return False
        what = {"post": "post", "comment": "comment", "user": "account"}.get(target_type, target_type)
        self.toast(f"Thanks — the {what} was reported. A moderator will review it.")
        return True
