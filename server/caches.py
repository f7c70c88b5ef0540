"""Small in-process caches with a size bound and an optional time limit."""

from __future__ import annotations

import time
from typing import Any, Hashable, Iterable

_MISSING = object()


class LRUCache:
    """A bounded mapping that keeps what was used recently; entries older than ``ttl`` seconds (if given) count
    as missing.

    Recency is tracked in two generations instead of a linked order: reads and writes land in the young
    dictionary (an entry found in the old one moves up), and when the young one holds half the bound the old
    generation is dropped whole and the young one takes its place. What was used in the last half-bound of
    accesses always survives; eviction costs nothing per read, which matters on the feed's hot path where a
    page looks up 20 posts and their authors on every request.
    """

    def __init__(self, max_items: int, ttl: float | None = None) -> None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self.max_items = max_items
        self.ttl = ttl
        self._generation_size = max(1, max_items // 2)
        self._young: dict[Hashable, tuple[float, Any]] = {}
        self._old: dict[Hashable, tuple[float, Any]] = {}
        self.hits = 0
        self.misses = 0
        # Bumped whenever an entry is written or dropped (not when one is merely used): a caller that built
        # something from entries can tell, by comparing it, that none of them changed since.
        self.changes = 0

    def _rotate_if_full(self) -> None:
        if len(self._young) >= self._generation_size:
            self._old = self._young
            self._young = {}

    def get(self, key: Hashable, default: Any = None) -> Any:
        entry = self._young.get(key, _MISSING)
        if entry is _MISSING:
            entry = self._old.pop(key, _MISSING)
            if entry is _MISSING:
                self.misses += 1
                return default
            self._young[key] = entry
            self._rotate_if_full()
        if self.ttl is not None and time.monotonic() - entry[0] > self.ttl:
            self.discard(key)
            self.misses += 1
            return default
        self.hits += 1
        return entry[1]

    def get_many(self, keys: Iterable[Hashable]) -> tuple[dict, list]:
        """Found entries and missing keys; written out in full because it is on the feed's hot path."""
        young, old, ttl = self._young, self._old, self.ttl
        now = time.monotonic() if ttl is not None else 0.0
        found, missing = {}, []
        promoted = False
        for key in keys:
            entry = young.get(key)
            if entry is None:
                entry = old.pop(key, None)
                if entry is None:
                    missing.append(key)
                    continue
                young[key] = entry
                promoted = True
            if ttl is not None and now - entry[0] > ttl:
                del young[key]
                self.changes += 1
                missing.append(key)
                continue
            found[key] = entry[1]
        if promoted:
            self._rotate_if_full()
        self.hits += len(found)
        self.misses += len(missing)
        return found, missing

    def set(self, key: Hashable, value: Any) -> None:
        self.changes += 1
        self._old.pop(key, None)
        self._young[key] = (time.monotonic(), value)
        self._rotate_if_full()

    def discard(self, key: Hashable) -> None:
        self.changes += 1
        self._young.pop(key, None)
        self._old.pop(key, None)

    def clear(self) -> None:
        self.changes += 1
        self._young.clear()
        self._old.clear()

    def __contains__(self, key: Hashable) -> bool:
        """Whether an entry is held (expired or not); does not count as a use."""
        return key in self._young or key in self._old

    def __len__(self) -> int:
        return len(self._young) + len(self._old)
