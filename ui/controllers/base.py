"""What every feature controller shares: the page's coordinator, and through it the core, state and API."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..core import ClientCore
    from ..models import AppState
    from .page import Controller

# One page of posts, of whichever list (feed, saved, a tag, a profile).
PAGE_SIZE = 12


class Feature:
    """A feature controller: reaches its siblings (``self.page.feed``...) through the coordinator."""

    def __init__(self, page: Controller) -> None:
        self.page = page

    @property
    def core(self) -> ClientCore:
        return self.page.core

    @property
    def state(self) -> AppState:
        return self.page.state

    @property
    def api(self):
        return self.page.core.api

    async def call(self, action, *, quiet: bool = False):
        return await self.page.call(action, quiet=quiet)

    def toast(self, message: str) -> None:
        self.page.toast(message)

    async def navigate(self, route: str) -> None:
        await self.page.navigate(route)
