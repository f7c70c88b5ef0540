"""The time PhotoShare records: whole milliseconds since the Unix epoch, as every ``*_at`` column stores it.

One helper instead of a copy per module, so a test or a future injected clock has one place to look.
Ids carry their own clock (``ids.IdGenerator`` takes one, so tests can drive it).
"""

from __future__ import annotations

import time


def now_ms() -> int:
    """Wall-clock milliseconds since the Unix epoch."""
    return int(time.time() * 1000)
