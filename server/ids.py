"""64-bit, time-sortable ids: 41 bits of milliseconds since the PhotoShare epoch, 13 bits of shard, 10 of sequence.

Ids sort by creation time, so timelines and cursors can order by id alone. They travel as decimal
strings because JavaScript numbers lose precision above 2**53.
"""

from __future__ import annotations

import threading
import time

EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
SHARD_BITS = 13
SEQUENCE_BITS = 10
MAX_SHARD = (1 << SHARD_BITS) - 1
MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1
TIME_SHIFT = SHARD_BITS + SEQUENCE_BITS


class IdGenerator:
    """Thread-safe; at most 1,024 ids per millisecond per shard, after which it waits for the next millisecond."""

    def __init__(self, shard: int = 0, clock=time.time) -> None:
        if not 0 <= shard <= MAX_SHARD:
            raise ValueError(f"shard must be between 0 and {MAX_SHARD}")
        self._shard = shard
        self._clock = clock
        self._lock = threading.Lock()
        self._last_ms = -1
        self._sequence = 0

    def next_id(self) -> int:
        with self._lock:
            now = self._now_ms()
            if now < self._last_ms:  # the wall clock stepped back: keep ids increasing
                now = self._last_ms
            if now == self._last_ms:
                self._sequence = (self._sequence + 1) & MAX_SEQUENCE
                if self._sequence == 0:
                    while now <= self._last_ms:
                        now = self._now_ms()
            else:
                self._sequence = 0
            self._last_ms = now
            return (now << TIME_SHIFT) | (self._shard << SEQUENCE_BITS) | self._sequence

    def _now_ms(self) -> int:
        return int(self._clock() * 1000) - EPOCH_MS


def id_for_time(epoch_seconds: float) -> int:
    """The smallest id that could have been made at this moment (for time-bounded id ranges)."""
    return max(0, int(epoch_seconds * 1000) - EPOCH_MS) << TIME_SHIFT


def id_time_ms(id_: int) -> int:
    """Unix milliseconds at which an id was made."""
    return (id_ >> TIME_SHIFT) + EPOCH_MS


MAX_DECIMAL_DIGITS = 19  # 2**63 - 1 has 19 digits: anything longer cannot be a 64-bit signed integer
INT64_LIMIT = 1 << 63  # SQLite and PostgreSQL store signed 64-bit integers


def parse_uint63(text: object) -> int | None:
    """A whole number from a URL or body: 1 to 19 ASCII digits below 2**63, else None.

    The one check every id, limit, expiry and cursor part goes through. ``str.isdigit`` alone is not
    enough: it accepts Unicode digits ('²', '³', Arabic-Indic digits) that ``int`` then refuses or reads
    differently, and its length is unbounded (``int`` of a 5,000-digit string costs real CPU).
    """
    if not isinstance(text, str) or not 0 < len(text) <= MAX_DECIMAL_DIGITS or not text.isascii() or not text.isdigit():
        return None
    value = int(text)
    return value if value < INT64_LIMIT else None


def parse_id(text: str | int | None) -> int | None:
    """An id from a URL or body; None when it is not a positive 63-bit decimal number."""
    if text is None:
        return None
    value = parse_uint63(str(text))
    return value if value else None
