"""The app's route and the browser's address, kept in step.

The app shows a screen at once and then pushes its route to the browser (or the desktop client). The client
answers every push with a route-change event, but late: 100 ms to over a second on a busy machine. It also sends
route changes of its own: Back, Forward, an address typed. An answer to the app's own push must not take the app
anywhere: it may arrive after the person has already gone on (followed, it would take the app back to the screen
before for a moment, and a story viewer's clock, seeing another route, would close the viewer).

The client sends its events in the order things happened to it. So a report that matches an unanswered push is
that push's answer (and settles the earlier pushes, whose answers the client may have merged into it), while any
other report is the client's own navigation: the app goes there, and every push still unanswered was taken by the
client *after* it (or never), so their answers, when they come, are where the client then is and are followed.

Invariant (``tests/unit/test_route_sync.py`` tries interleavings): once every message has arrived, the app shows
the route the client is at; and with no navigation of the client's own, the app never leaves the route it last
went to.
"""

from __future__ import annotations

from collections import deque


class RouteSync:
    def __init__(self, address: str) -> None:
        self.address = address or "/"  # where the client is, or will be once it has taken every push
        self._unanswered: deque[str] = deque()

    def push(self, route: str) -> bool:
        """The app went to ``route``: True when the client must be told (it is, or will be, somewhere else)."""
        if route == self.address:
            return False
        self.address = route
        self._unanswered.append(route)
        return True

    def heard(self, route: str) -> bool:
        """The client reports ``route``: True when the app must go there (the client's own navigation)."""
        if route in self._unanswered:
            while self._unanswered.popleft() != route:
                pass
            return False
        self._unanswered.clear()
        self.address = route
        return True
