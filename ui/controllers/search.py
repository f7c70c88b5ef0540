"""Search: people and hashtags matching what is typed, asked as the user types.

Typing waits ``DEBOUNCE_SECONDS`` after the last keystroke before asking the server, and only the
answer to the newest question is shown: an older answer arriving late (a slow link, a slow query for
a short prefix) is dropped rather than replacing newer results.
"""

from __future__ import annotations

import asyncio

from .base import Feature

DEBOUNCE_SECONDS = 0.3


class SearchController(Feature):
    def __init__(self, controller) -> None:
        super().__init__(controller)
        self._asked = 0  # the number of the newest question; answers to older ones are ignored
        self._waiting: asyncio.Task | None = None

    def typed(self, query: str) -> None:
        """A keystroke: ask once the typing pauses (an earlier pending question is dropped)."""
        if self._waiting is not None and not self._waiting.done():
            self._waiting.cancel()
        self._waiting = asyncio.get_running_loop().create_task(self._after_pause(query))

    async def _after_pause(self, query: str) -> None:
        await asyncio.sleep(DEBOUNCE_SECONDS)
        await self.find(query)

    async def find(self, query: str) -> None:
        """Ask now (Enter, the search button, or the pause after typing)."""
        query = query.strip()
        self._asked += 1
        asked = self._asked
        search = self.state.search
        if not query:
            search.query, search.users, search.hashtags, search.searched = "", [], [], False
            return
        found = await self.call(lambda: self.api.search(query), quiet=True)
        if asked != self._asked or found is None:  # a newer question was asked meanwhile, or no answer
            return
        search.query = query
        search.users = list(found.users)
        search.hashtags = list(found.hashtags)
        search.searched = True
