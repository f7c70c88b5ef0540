"""One guard around Flet 0.82.2, pinned in pyproject; delete it when Flet fixes the scheduler.

Flet's session runs every scheduled component update in one background loop with no error handling
(``Session.__updates_scheduler``): the first update that raises ends the loop, and the page freezes
for good ("Working…" in the browser). A component whose screen was swapped away can still be
scheduled by a long-lived observable (a like on a post also shown on the feed), and its update
raises. The guard logs that, marks the component stale (Flet skips stale components), and keeps
the loop — and the app — alive.
"""

from __future__ import annotations

import functools
import logging

from flet.components.component import Component

log = logging.getLogger(__name__)
_GUARD = "_photoshare_guarded"


def install() -> None:
    if getattr(Component.update, _GUARD, False):
        return
    original = Component.update

    @functools.wraps(original)
    def guarded_update(self):
        try:
            return original(self)
        except Exception:
            log.debug("dropped an update for a component that is no longer shown", exc_info=True)
            self._stale = True

    setattr(guarded_update, _GUARD, True)
    Component.update = guarded_update
