"""Small in-process caches with a size bound and an optional time limit."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any, Hashable, Iterable


class LRUCache:
    """Least-recently-used mapping; entries older than ``ttl`` seconds (if given) count as missing."""

    def __init__(self, max_items: int, ttl: float | None = None) -> None:
        self.max_items = max_items
        self.ttl = ttl
        self._data: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, default: Any = None) -> Any:
        entry = self._data.get(key)
        if entry is None:
            self.misses += 1
            return default
        stored_at, value = entry
        if self.ttl is not None and time.monotonic() - stored_at > self.ttl:
            del self._data[key]
            self.misses += 1
            return default
        self._data.move_to_end(key)
        self.hits += 1
        return value

    def get_many(self, keys: Iterable[Hashable]) -> tuple[dict, list]:
        """Found entries and missing keys; written out in full because it is on the feed's hot path."""
        data, ttl = self._data, self.ttl
        now = time.monotonic() if ttl is not None else 0.0
        found, missing = {}, []
        for key in keys:
            entry = data.get(key)
            if entry is None or (ttl is not None and now - entry[0] > ttl):
                if entry is not None:
                    del data[key]
                missing.append(key)
                continue
            data.move_to_end(key)
            found[key] = entry[1]
        self.hits += len(found)
        self.misses += len(missing)
        return found, missing

    def set(self, key: Hashable, value: Any) -> None:
        self._data[key] = (time.monotonic(), value)
        self._data.move_to_end(key)
        while len(self._data) > self.max_items:
            self._data.popitem(last=False)

    def discard(self, key: Hashable) -> None:
        self._data.pop(key, None)

    def clear(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
