"""Profiles: a person's header and grid, following them, and editing one's own profile and photo."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from app.editing import crop_to_ratio, fit_within, open_photo, to_jpeg

from .base import Feature

# A profile photo is shown at most a few hundred pixels wide: no need to send the camera's 12 MP.
AVATAR_SIDE = 640
AVATAR_JPEG_QUALITY = 90


class ProfileController(Feature):
    async def load(self, username: str, more: bool = False) -> None:
        profile = self.state.profile(username)
        if not more:
            profile.user = profile.user or self.core.cache.load_user(username)
            user = await self.call(lambda: self.api.user(username), quiet=profile.user is not None)
            if user is not None:
                profile.user = user
                self.core.cache.save_user(user)
            elif profile.user is None:
                profile.error = "This account could not be loaded."
                return
        if profile.user and profile.user.is_private and not profile.user.followed_by_me \
                and (self.state.me is None or profile.user.user_id != self.state.me.user_id):
            profile.posts.loaded = True  # the server would answer 403: say so instead of asking
            return
        await self.controller.feed.fill(profile.posts, lambda c, n: self.api.user_posts(username, c, n), more=more,
                                  cache_key=f"profile:{username}")

    async def toggle_follow(self, username: str) -> None:
        profile = self.state.profile(username)
        user = profile.user
        if user is None or profile.follow_pending:
            return
        profile.follow_pending = True
        try:
            if user.followed_by_me or user.follow_requested_by_me:
                result = await self.call(lambda: self.api.unfollow(username))
            else:
                result = await self.call(lambda: self.api.follow(username))
        finally:
            profile.follow_pending = False
        if result is None:
            return
        if result.get("requested"):
            self.toast(f"Follow request sent to {username}.")
        profile.posts.loaded = False
        self.state.feed.loaded = False
        await self.load(username)
        await self.controller.feed.load()

    async def save(self, display_name: str, bio: str, is_private: bool) -> bool:
        user = await self.call(lambda: self.api.update_me(display_name=display_name.strip(), bio=bio.strip(),
                                                          is_private=is_private))
        if user is None:
            return False
        self._now_me(user)
        self.toast("Profile saved.")
        return True

    async def set_avatar(self, name: str, data: bytes | None = None, path: str | None = None) -> bool:
        """A photo from the picker (bytes in a browser, a path on desktop), squared and downsized here."""
        try:
            source = data if data is not None else Path(path).expanduser().read_bytes()
            jpeg = await asyncio.to_thread(_avatar_jpeg, source)
        except (OSError, ValueError) as error:
            self.toast(f"{name} cannot be opened as a photo ({error.__class__.__name__}).")
            return False
        user = await self.call(lambda: self.api.set_avatar(jpeg))
        if user is None:
            return False
        self._now_me(user)
        return True

    def _now_me(self, user) -> None:
        """The account changed: every place it shows (profile, the header of its posts) follows."""
        self.state.me = user
        self.core.cache.save_user(user)
        if user.username in self.state.profiles:
            self.state.profiles[user.username].user = user
        for model in self.state.all_post_models():
            if model.post.user.user_id == user.user_id and model.post.user.avatar_url != user.avatar_url:
                model.post = replace(model.post, user=replace(model.post.user, avatar_url=user.avatar_url))


def _avatar_jpeg(source: bytes) -> bytes:
    img = fit_within(crop_to_ratio(open_photo(source, draft_side=AVATAR_SIDE * 2), "1:1"), AVATAR_SIDE)
    return to_jpeg(img, AVATAR_JPEG_QUALITY)
