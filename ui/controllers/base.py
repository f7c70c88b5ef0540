"""What every feature controller shares: the page's coordinator, and through it the core, state and API."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..core import ClientCore
    from ..models import AppState
    from .coordinator import Controller

# One page of posts, of whichever list (feed, saved, a tag, a profile).
PAGE_SIZE = 12


class Feature:
    """A feature controller: reaches its siblings (``self.controller.feed``...) through the page's coordinator."""

    def __init__(self, controller: Controller) -> None:
        self.controller = controller

    @property
    def core(self) -> ClientCore:
        return self.controller.core

    @property
    def state(self) -> AppState:
        return self.controller.state

    @property
    def api(self):
        return self.controller.core.api

    async def call(self, action, *, quiet: bool = False):
        return await self.controller.call(action, quiet=quiet)

    def toast(self, message: str) -> None:
        self.controller.toast(message)

    async def navigate(self, route: str) -> None:
        await self.controller.navigate(route)
