"""Per-page actions, one controller per feature; ``Controller`` is the page's thin coordinator.

Views call these; nothing here draws. Each feature controller calls the API (through ``app/``) and
changes the observable state of its screens. Network trouble flips ``state.online`` and leaves what is
on screen (from the cache) in place; a server refusal becomes a toast with the server's message.
"""

from .coordinator import Controller

__all__ = ["Controller"]
