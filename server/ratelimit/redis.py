"""Rate limits shared by every process: the same token bucket as ``LocalRateLimiter``, kept in Redis.

One hash per bucket, ``<prefix>rl:<key>`` = {tokens, at}, updated by a Lua script so a check-and-take is
atomic however many processes hit it at once. Time comes from Redis's own clock, so processes on hosts
whose clocks disagree still share one bucket fairly. A bucket expires once it would be full again, so
idle users cost no memory.

If Redis cannot be reached the limiter *fails open*: writes are allowed (and it is logged once per
outage). Refusing every write because a cache is down would turn a Redis outage into a full outage.
"""

from __future__ import annotations

import logging
import math

from ..redislink import RedisLink, RedisUnavailable

log = logging.getLogger(__name__)

# KEYS: bucket. ARGV: capacity, refill per millisecond, cost. Returns 0 (taken) or milliseconds to wait.
_TAKE = """
local capacity, rate, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens, at = tonumber(state[1]) or capacity, tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens < cost then
  wait = math.ceil((cost - tokens) / rate)
else
  tokens = tokens - cost
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1000)
return wait
"""


class RedisRateLimiter:
    def __init__(self, link: RedisLink) -> None:
        self.link = link
        self._take = link.client.register_script(_TAKE)
        self._warned = False

    async def hit(self, key: str, per_minute: int, cost: float = 1.0, window_seconds: float = 60.0) -> int:
        if per_minute <= 0:
            return 0
        rate_per_ms = per_minute / (window_seconds * 1000)
        bucket = self.link.key("rl", key)
        try:
            wait_ms = await self.link.run(lambda client: self._take(keys=[bucket], args=[per_minute, repr(rate_per_ms), cost]))
        except RedisUnavailable as exc:
            if not self._warned:
                log.warning("rate limits are not enforced while Redis is unreachable (%s)", exc)
                self._warned = True
            return 0
        self._warned = False
        return math.ceil(int(wait_ms) / 1000)

