"""Explore (a grid of ranked posts, one session per visit) and suggestions of whom to follow."""

from __future__ import annotations

from .base import PAGE_SIZE, Feature

SUGGESTIONS_SHOWN = 8


class ExploreController(Feature):
    async def load(self, more: bool = False) -> None:
        """The first page starts a new session; ``more`` continues it (the cursor carries what was shown)."""
        posts = self.state.explore
        if posts.loading or (more and not posts.next_cursor):
            return
        posts.loading = True
        try:
            page = await self.call(lambda: self.api.explore(posts.next_cursor if more else None, PAGE_SIZE), quiet=posts.loaded)
        finally:
            posts.loading = False
        if page is None:
            posts.loaded = True
            return
        if more:
            posts.append(list(page.items), page.next_cursor)
        else:
            posts.replace_all(list(page.items), page.next_cursor)

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
