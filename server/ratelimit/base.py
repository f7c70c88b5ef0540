"""Write rate limits: a token bucket per user and per client address.

``LocalRateLimiter`` keeps the buckets in this process (the one-process deployment); the Redis one
(``ratelimit/redis.py``) shares them between every process behind a load balancer, so a limit means
the same however many processes a client's requests are spread over.
"""

from __future__ import annotations

import math
import time
from typing import Protocol

MAX_TRACKED_KEYS = 100_000  # forget idle buckets beyond this many so memory stays bounded


class RateLimiter(Protocol):
    async def hit(self, key: str, per_minute: int, cost: float = 1.0, window_seconds: float = 60.0) -> int:
        """Take ``cost`` tokens; return 0 if allowed, else the seconds to wait (for Retry-After).

        ``per_minute`` is the bucket's size, refilled evenly over ``window_seconds``; 0 or less means no limit.
        """


def wait_seconds(tokens: float, cost: float, rate: float) -> int:
    return max(1, math.ceil((cost - tokens) / rate))


class LocalRateLimiter:
    def __init__(self, clock=time.monotonic) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._clock = clock

    async def hit(self, key: str, per_minute: int, cost: float = 1.0, window_seconds: float = 60.0) -> int:
        # Nothing here awaits, so each decision is atomic on the event loop.
        if per_minute <= 0:
            return 0
        now = self._clock()
        rate = per_minute / window_seconds
        tokens, last = self._buckets.get(key, (float(per_minute), now))
        tokens = min(float(per_minute), tokens + (now - last) * rate)
        if tokens < cost:
            self._buckets[key] = (tokens, now)
            return wait_seconds(tokens, cost, rate)
        self._buckets[key] = (tokens - cost, now)
        if len(self._buckets) > MAX_TRACKED_KEYS:
            self._forget_oldest()
        return 0

    def _forget_oldest(self) -> None:
        for key in list(self._buckets)[: MAX_TRACKED_KEYS // 10]:
            self._buckets.pop(key, None)
