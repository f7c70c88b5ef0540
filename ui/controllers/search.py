"""Search: people and hashtags matching what was typed."""

from __future__ import annotations

from .base import Feature


class SearchController(Feature):
    async def find(self, query: str) -> None:
        query = query.strip()
        self.state.search.query = query
        if not query:
            self.state.search.users, self.state.search.hashtags = [], []
            return
        found = await self.call(lambda: self.api.search(query))
        if found is not None:
            self.state.search.users = list(found.users)
            self.state.search.hashtags = list(found.hashtags)
            self.state.search.searched = True
