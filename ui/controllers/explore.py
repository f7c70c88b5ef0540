"""Explore (a grid of ranked posts, one session per visit) and suggestions of whom to follow."""

from __future__ import annotations

from .base import Feature

SUGGESTIONS_SHOWN = 8


class ExploreController(Feature):
    async def load(self, more: bool = False) -> None:
        """The first page starts a new session; ``more`` continues it (the cursor carries what was shown).
        Paged like any list of posts (``FeedController.fill``), with no device cache: a session is per visit."""
        await self.controller.feed.fill(self.state.explore, self.api.explore, more=more)

    async def load_suggestions(self) -> None:
        found = await self.call(lambda: self.api.suggested_users(SUGGESTIONS_SHOWN), quiet=True)
        suggestions = self.state.suggestions
        if found is not None:
            suggestions.users = found
        suggestions.loaded = True

    async def follow(self, username: str) -> None:
        answer = await self.call(lambda: self.api.follow(username))
        if answer is not None:
            self.state.suggestions.following = {*self.state.suggestions.following, username}
            await self.controller.feed.load()
            await self.controller.stories.load_tray()
