"""The failed-sign-in buckets of ``login_throttle`` kept in Redis, shared by every process.

One hash per bucket, ``<prefix>login:<key>`` = {level, at}; taking a guess into all of a request's buckets
is one Lua script, so it is all-or-none and atomic however many processes count at once. The time is the
caller's (``LoginThrottle.clock``, wall-clock seconds), so every process leaks the buckets the same way and
tests can move it; a bucket expires once it would have leaked empty. An address an account signed in from
is a plain key with a time to live.

If Redis cannot be reached the throttle *fails open* (guesses are let through and it is logged once per
outage), like the write rate limits: the general per-address write limit still applies, and refusing every
sign-in because a cache is down would lock everyone out.
"""

from __future__ import annotations

import logging
import math

from ..redislink import RedisLink, RedisUnavailable
from .login import Bucket

log = logging.getLogger(__name__)

# KEYS: the buckets. ARGV: now, then capacity and leak seconds per bucket.
# Returns {wait, level...} as strings (Lua numbers would come back truncated to integers).
_TAKE = """
local now = tonumber(ARGV[1])
local levels, wait = {}, 0
for i, key in ipairs(KEYS) do
  local capacity, leak = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', key, 'level', 'at')
  local level, at = tonumber(state[1]) or 0, tonumber(state[2]) or now
  level = math.max(0, level - math.max(0, now - at) / leak)
  levels[i] = level
  if level + 1 > capacity then wait = math.max(wait, (level + 1 - capacity) * leak) end
end
if wait == 0 then
  for i, key in ipairs(KEYS) do
    local leak = tonumber(ARGV[2 * i + 1])
    levels[i] = levels[i] + 1
    redis.call('HSET', key, 'level', tostring(levels[i]), 'at', tostring(now))
    redis.call('PEXPIRE', key, math.ceil(levels[i] * leak * 1000) + 1000)
  end
end
local out = {tostring(wait)}
for i = 1, #levels do out[#out + 1] = tostring(levels[i]) end
return out
"""

# KEYS: buckets to take one failure back from. ARGV: now, then leak seconds per bucket.
_REFUND = """
local now = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local leak = tonumber(ARGV[i + 1])
  local state = redis.call('HMGET', key, 'level', 'at')
  if state[1] then
    local level = math.max(0, tonumber(state[1]) - math.max(0, now - tonumber(state[2])) / leak - 1)
    redis.call('HSET', key, 'level', tostring(level), 'at', tostring(now))
    redis.call('PEXPIRE', key, math.ceil(level * leak * 1000) + 1000)
  end
end
return 0
"""


class RedisFailureBuckets:
    def __init__(self, link: RedisLink) -> None:
        self.link = link
        self._take = link.client.register_script(_TAKE)
        self._refund = link.client.register_script(_REFUND)
        self._warned = False

    def _key(self, key: str) -> str:
        return self.link.key("login", key)

    async def _run(self, operation, fallback):
        try:
            result = await self.link.run(operation)
        except RedisUnavailable as exc:
            if not self._warned:
                log.warning("failed sign-ins are not throttled while Redis is unreachable (%s)", exc)
                self._warned = True
            return fallback
        self._warned = False
        return result

    async def take(self, buckets: list[Bucket], now: float) -> tuple[float, list[float]]:
        args = [repr(now)]
        for bucket in buckets:
            args += [bucket.capacity, repr(bucket.leak_seconds)]
        keys = [self._key(bucket.key) for bucket in buckets]
        out = await self._run(lambda client: self._take(keys=keys, args=args), None)
        if out is None:
            return 0.0, [0.0] * len(buckets)
        wait, *levels = (float(value) for value in out)
        return (wait if math.isfinite(wait) else 0.0), levels

    async def settle(self, clear: list[str], refund: list[Bucket], now: float) -> None:
        async def operation(client):
            if clear:
                await client.delete(*(self._key(key) for key in clear))
            if refund:
                await self._refund(keys=[self._key(b.key) for b in refund], args=[repr(now), *(repr(b.leak_seconds) for b in refund)])

        await self._run(operation, None)

    async def remember(self, key: str, seconds: float, now: float) -> None:
        await self._run(lambda client: client.set(self._key(key), "1", px=max(1, int(seconds * 1000))), None)

    async def known(self, key: str, now: float) -> bool:
        return bool(await self._run(lambda client: client.exists(self._key(key)), 0))
