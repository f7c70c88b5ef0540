"""Search as you type: one question once typing pauses, and a late answer to an older question never wins."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from app.api_types import SearchResults, UserSummary
from ui.controllers.search import DEBOUNCE_SECONDS, SearchController
from ui.models import AppState


class SlowSearch:
    """Answers each query after its own delay, and remembers what was asked."""

    def __init__(self, delays: dict[str, float] | None = None) -> None:
        self.delays = delays or {}
        self.asked: list[str] = []

    async def search(self, query: str) -> SearchResults:
        self.asked.append(query)
        await asyncio.sleep(self.delays.get(query, 0))
        return SearchResults(users=(UserSummary(user_id="1", username=f"match-for-{query}"),), hashtags=())


def controller_with(api) -> SearchController:
    async def call(action, quiet=False):
        return await action()

    return SearchController(SimpleNamespace(state=AppState(), core=SimpleNamespace(api=api), call=call))


async def settle(controller: SearchController) -> None:
    while controller._waiting is not None and not controller._waiting.done():
        await asyncio.sleep(0.01)


async def test_typing_asks_once_after_the_pause_with_the_last_text():
    api = SlowSearch()
    search = controller_with(api)
    for text in ("a", "al", "ali"):
        search.typed(text)
        await asyncio.sleep(DEBOUNCE_SECONDS / 5)
    assert api.asked == []  # still typing
    await settle(search)
    assert api.asked == ["ali"]
    assert [u.username for u in search.state.search.users] == ["match-for-ali"] and search.state.search.query == "ali"


async def test_a_late_answer_to_an_older_question_is_ignored():
    api = SlowSearch({"al": 0.4, "alice": 0.0})
    search = controller_with(api)
    older = asyncio.create_task(search.find("al"))
    await asyncio.sleep(0.05)
    await search.find("alice")
    await older  # its answer arrives last
    assert [u.username for u in search.state.search.users] == ["match-for-alice"] and search.state.search.query == "alice"


async def test_clearing_the_field_brings_back_the_suggestions():
    search = controller_with(SlowSearch())
    await search.find("bob")
    await search.find("  ")
    assert search.state.search.query == "" and search.state.search.users == [] and not search.state.search.searched
