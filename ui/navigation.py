"""Where the user is within the app: which tab is lit, the screens pushed on it (for Back), the window's layout
and the chosen theme.

Each tab keeps a path of screens from its root: opening a post from a profile pushes it on the Profile tab
(which stays lit), Back goes to the screen before, and going to a tab's root (the tabs themselves, or code that
lands there, such as saving a profile) starts the path again. The browser's own Back arrives as a route change
to the screen before, and is recognised as such.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import flet as ft

# The bottom bar's (or the rail's) destinations, in order; "/me" stands for my own profile.
TABS = ("/", "/search", "/explore", "/create", "/notifications", "/me")
# At this window width and wider, a navigation rail at the side takes the bottom bar's place.
WIDE_MIN_WIDTH = 900
THEME_MODES = ("system", "light", "dark")


def path_of(route: str) -> str:
    return (route or "/").split("?")[0].rstrip("/") or "/"


def tab_root(tab: str, me: str | None) -> str:
    """The route a tab shows."""
    return (f"/profile/{me}" if me else "/welcome") if tab == "/me" else tab


def root_tab(route: str, me: str | None) -> str | None:
    """The tab whose root this route is, or None for a screen pushed on a tab."""
    path = path_of(route)
    if me and path == f"/profile/{me}":
        return "/me"
    return path if path in TABS else None


@ft.observable
@dataclass
class NavigationModel:
    tab: str = "/"
    stack: list[str] = field(default_factory=list)  # the screens of the lit tab, its root (if visited) first
    wide: bool = False  # a rail at the side rather than a bar at the bottom
    theme: str = "system"  # THEME_MODES

    def went_to(self, route: str, me: str | None, hint: str | None = None) -> None:
        """The app shows ``route`` now. ``hint``: the tab to light for a screen reached with nothing before it
        (an address typed or reloaded)."""
        tab = root_tab(route, me)
        if tab is not None:
            self.tab, self.stack = tab, [route]
        elif self.stack and self.stack[-1] == route:
            return
        elif len(self.stack) > 1 and self.stack[-2] == route:  # Back (ours or the browser's)
            self.stack = self.stack[:-1]
        else:
            if not self.stack and hint in TABS:
                self.tab = hint
            self.stack = [*self.stack, route]

    def back_target(self, me: str | None) -> str:
        """Where Back goes: the screen before, else the lit tab's root."""
        return self.stack[-2] if len(self.stack) > 1 else tab_root(self.tab, me)

    def resized(self, width: float | None) -> None:
        wide = bool(width) and width >= WIDE_MIN_WIDTH
        if wide != self.wide:  # redraw only when the layout changes, not on every pixel of a drag
            self.wide = wide
