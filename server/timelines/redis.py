"""Home timelines as Redis sorted sets, shared by every server and worker process.

One sorted set per user, ``<prefix>tl:<user_id>``. A post is a member whose *score* is its id's creation
millisecond (``id >> TIME_SHIFT``, exact in a double, unlike a 64-bit id) and whose *member* is the id as
8 big-endian bytes: Redis orders equal scores by member bytes, so the set's order is exactly id order.

Warm and cold: a warm timeline always holds a *head* member at score -1: ``~`` + the floor (8 bytes) + the
generation it was built in. A missing key (never built, expired, evicted) is cold; a key holding only its
head is warm and empty. The head lives in the same key as the posts, so eviction can never leave a floor
without its posts or posts without their floor.

Generations: while Redis is unreachable, pushes and removals are lost. When Redis answers again the
process bumps ``<prefix>tl:gen``; every timeline built in an older generation then reads as cold and is
rebuilt from the database, which is the truth. So an outage costs rebuilds, never a wrong feed.

Sizing: with the cap at ``TIMELINE_MAX_ITEMS`` (600) a full timeline is ~12 KB as a listpack (8-byte
members, integer scores) but ~68 KB as a skiplist. Redis keeps a sorted set a listpack up to
``zset-max-listpack-entries`` members (default 128), so deployments should raise it to 1024; ``open``
warns when it is lower (docs/redis.md). Listpack inserts are O(n), which at 600 small entries is a
memmove of a few KB: cheaper than the skiplist's pointer chasing.
"""

from __future__ import annotations

import logging
import secrets
import struct
from typing import Sequence

from redis.exceptions import NoScriptError, ResponseError

from ..ids import TIME_SHIFT
from ..redislink import RedisLink, RedisUnavailable
from .base import TIMELINE_MAX_ITEMS, TimelineSlice

log = logging.getLogger(__name__)

# A user who opens the app weekly keeps a warm timeline; anyone idle longer costs one database query on
# return, and their memory is free meanwhile. Reads renew it; pushes do not (pushing is not using).
TIMELINE_IDLE_TTL_MS = 7 * 24 * 3600 * 1000
# Renewing on every read would make every feed read a write (an expiry change Redis must propagate to
# replicas and the AOF). A read renews only once less than the idle TTL is left, and then to the idle TTL
# plus this step: at most one renewal a day per timeline, and always at least the idle TTL after a read.
TTL_RENEW_STEP_MS = 24 * 3600 * 1000
# A rebuild is one database query; a reader that died in the middle leaves a marker that expires.
REBUILD_MARKER_TTL_MS = 60_000
# Listpack limit deployments should configure: the cap plus the head, rounded up to Redis's customary power of two.
RECOMMENDED_LISTPACK_ENTRIES = 1024
HEAD_SCORE = -1  # below every post's score (creation milliseconds are >= 0)
# Followers per script call in a fan-out pipeline. One call per follower spends most of the time encoding
# commands in Python; one call per whole batch would hold Redis for ~20 ms. A hundred is ~2 ms of Redis
# time each, with other clients served between them.
FOLLOWERS_PER_SCRIPT = 100
ZADD_ARGS_PER_CALL = 512  # score/member pairs per ZADD inside a script, well under Lua's unpack limit
_ID = struct.Struct(">Q")

# Shared Lua: keep the newest `cap` posts; when posts go, the floor rises to the oldest kept one.
_TRIM = """
local function trim(key, cap, gen)
  local excess = redis.call('ZCARD', key) - 1 - cap
  if excess > 0 then
    redis.call('ZREMRANGEBYRANK', key, 1, excess)
    local oldest = redis.call('ZRANGE', key, 1, 1)[1]
    redis.call('ZREMRANGEBYSCORE', key, -1, -1)
    redis.call('ZADD', key, -1, '~' .. oldest .. gen)
  end
end
"""

# KEYS: generation, then a (timeline, rebuild marker) pair per follower. ARGV: cap, then score/member pairs.
# Cold (or older-generation) timelines stay cold: a partial timeline would look complete. Returns how
# many were warm.
_PUSH = _TRIM + """
local gen = redis.call('GET', KEYS[1]) or '0'
local cap = tonumber(ARGV[1])
local posts = {}
for i = 2, #ARGV, 2 do
  local hi, lo = struct.unpack('>I4I4', ARGV[i + 1])
  table.insert(posts, {ARGV[i], ARGV[i + 1], hi, lo})
end
local warm = 0
for k = 2, #KEYS, 2 do
  local timeline = KEYS[k]
  redis.call('DEL', KEYS[k + 1])
  local head = redis.call('ZRANGEBYSCORE', timeline, -1, -1)[1]
  if head and string.sub(head, 10) ~= gen then
    redis.call('DEL', timeline)
  elseif head then
    local floor_hi, floor_lo = struct.unpack('>I4I4', string.sub(head, 2, 9))
    for _, post in ipairs(posts) do
      if post[3] > floor_hi or (post[3] == floor_hi and post[4] >= floor_lo) then
        redis.call('ZADD', timeline, post[1], post[2])
      end
    end
    trim(timeline, cap, gen)
    warm = warm + 1
  end
end
return warm
"""

# KEYS: timeline, rebuild marker, generation. ARGV: token, ttl ms, floor (8 bytes), then score/member
# pairs already filtered and capped. Refused unless the marker still holds this rebuild's token.
_STORE = """
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
local gen = redis.call('GET', KEYS[3]) or '0'
redis.call('DEL', KEYS[2], KEYS[1])
redis.call('ZADD', KEYS[1], -1, '~' .. ARGV[3] .. gen)
for i = 4, #ARGV, %d do
  redis.call('ZADD', KEYS[1], unpack(ARGV, i, math.min(i + %d, #ARGV)))
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
""" % (2 * ZADD_ARGS_PER_CALL, 2 * ZADD_ARGS_PER_CALL - 1)

# KEYS: timeline, generation. ARGV: renew-below ms, renew-to ms, limit, then for a page below a post the
# score (millisecond) of that post. One command a read: a warm timeline's head, then the page's members
# concatenated in one string (8 bytes each, newest first), which the caller splits without parsing a reply
# per post. For a page below a post, the members in that post's own millisecond come first (the caller
# keeps those below it), then strictly older ones. Nil when cold or built in an older generation.
_READ = """
local head = redis.call('ZRANGEBYSCORE', KEYS[1], -1, -1)[1]
if not head then return false end
if string.sub(head, 10) ~= (redis.call('GET', KEYS[2]) or '0') then return false end
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
local page
if ARGV[4] then
  page = table.concat(redis.call('ZREVRANGEBYSCORE', KEYS[1], ARGV[4], ARGV[4]))
    .. table.concat(redis.call('ZREVRANGEBYSCORE', KEYS[1], '(' .. ARGV[4], 0, 'LIMIT', 0, ARGV[3]))
else
  page = table.concat(redis.call('ZREVRANGEBYSCORE', KEYS[1], '+inf', 0, 'LIMIT', 0, ARGV[3]))
end
return {head, page}
"""


def _member(post_id: int) -> bytes:
    return _ID.pack(post_id)


def _score(post_id: int) -> int:
    return post_id >> TIME_SHIFT


def _post_id(member: bytes) -> int:
    return _ID.unpack(member)[0]


def _post_ids(members: bytes) -> list[int]:
    """Concatenated 8-byte members, in order (struct caches the compiled format per length)."""
    return list(struct.unpack(f">{len(members) >> 3}Q", members))


def _pairs(post_ids: Sequence[int]) -> list:
    out: list = []
    for post_id in post_ids:
        out += (_score(post_id), _member(post_id))
    return out


class RedisTimelines:
    def __init__(self, link: RedisLink, max_items: int = TIMELINE_MAX_ITEMS, metrics=None) -> None:
        self.link = link
        self.max_items = max_items
        self.metrics = metrics
        self._generation_key = link.key("tl", "gen")
        self._push = link.client.register_script(_PUSH)
        self._store = link.client.register_script(_STORE)
        self._read = link.client.register_script(_READ)
        self._renew_args = (TIMELINE_IDLE_TTL_MS, TIMELINE_IDLE_TTL_MS + TTL_RENEW_STEP_MS)
        link.on_recovery(self._new_generation)

    def _keys(self, user_id: int) -> list[str]:
        return [self.link.key("tl", user_id), self.link.key("tl", user_id, "rebuild"), self._generation_key]

    async def open(self) -> None:
        try:
            config = await self.link.run(lambda client: client.config_get("zset-max-listpack-entries"))
        except (RedisUnavailable, ResponseError):
            return  # unreachable (checked again never: it is advice) or CONFIG is disabled, as on managed Redis
        entries = int(next(iter(config.values()), 0) or 0)
        if entries < self.max_items + 1:
            log.warning("Redis zset-max-listpack-entries is %d: full timelines (%d ids) will take ~5x the memory;"
                        " set it to %d (see docs/redis.md)", entries, self.max_items, RECOMMENDED_LISTPACK_ENTRIES)

    async def _new_generation(self, client) -> None:
        """Redis is back after an outage: whatever was pushed or removed meanwhile is unknown, so start over."""
        await client.incr(self._generation_key)

    # -- reads ------------------------------------------------------------------------------------
    async def read(self, user_id: int, *, before: int | None, limit: int) -> TimelineSlice | None:
        keys = (self.link.key("tl", user_id), self._generation_key)
        args = (*self._renew_args, limit) if before is None else (*self._renew_args, limit, _score(before))
        try:
            try:  # batched with other requests' reads (RedisLink.call)
                reply = await self.link.call("EVALSHA", self._read.sha, 2, *keys, *args)
            except NoScriptError:  # a restarted or flushed Redis: load the script and run it
                reply = await self.link.run(lambda client: self._read(keys=keys, args=args))
        except RedisUnavailable:
            self._count("unavailable")
            return None
        if not reply:  # nil, or false where the connection speaks RESP3
            self._count("cold")
            return None
        head, page = reply
        ids = _post_ids(page)
        if before is not None:
            ids = [post_id for post_id in ids if post_id < before][:limit]
        self._count("redis")
        return TimelineSlice(ids, _post_id(head[1:9]))

    # -- rebuilds ---------------------------------------------------------------------------------
    async def begin_rebuild(self, user_id: int) -> int:
        token = secrets.randbits(62) + 1
        marker = self._keys(user_id)[1]
        try:
            await self.link.run(lambda client: client.set(marker, token, px=REBUILD_MARKER_TTL_MS))
        except RedisUnavailable:
            return 0  # ``store`` will not get through either; the reader serves what it built
        return token

    async def store(self, user_id: int, post_ids: Sequence[int], *, floor: int, token: int) -> bool:
        ids = sorted({post_id for post_id in post_ids if post_id >= floor})
        if len(ids) > self.max_items:
            ids = ids[-self.max_items:]
            floor = ids[0]
        args = [token, TIMELINE_IDLE_TTL_MS + TTL_RENEW_STEP_MS, _member(floor), *_pairs(ids)]
        try:
            return bool(await self.link.run(lambda client: self._store(keys=self._keys(user_id), args=args)))
        except RedisUnavailable:
            return False

    # -- writes -----------------------------------------------------------------------------------
    async def push(self, user_ids: Sequence[int], post_ids: Sequence[int]) -> int:
        """One MULTI-less pipeline per call (the fan-out batches its followers), a script per slice of followers."""
        user_ids = list(user_ids)
        if not user_ids or not post_ids:
            return 0
        args = [self.max_items, *_pairs(sorted(set(post_ids)))]

        async def send(client):
            pipe = client.pipeline(transaction=False)
            for start in range(0, len(user_ids), FOLLOWERS_PER_SCRIPT):
                keys = [self._generation_key]
                for user_id in user_ids[start:start + FOLLOWERS_PER_SCRIPT]:
                    keys += (self.link.key("tl", user_id), self.link.key("tl", user_id, "rebuild"))
                await self._push(keys=keys, args=args, client=pipe)
            return await pipe.execute()

        try:
            return sum(await self.link.run(send))
        except RedisUnavailable:
            return 0  # lost, and known to be: the generation bump on recovery makes every timeline rebuild

    async def remove_posts(self, user_id: int, post_ids: Sequence[int]) -> None:
        key, marker, _ = self._keys(user_id)

        async def send(client):
            pipe = client.pipeline(transaction=False)
            pipe.delete(marker)  # a rebuild running now may have read the posts before they went
            if post_ids:
                pipe.zrem(key, *(_member(post_id) for post_id in post_ids))
            await pipe.execute()

        try:
            await self.link.run(send)
        except RedisUnavailable:
            pass  # covered by the generation bump on recovery

    async def drop(self, user_id: int) -> None:
        key, marker, _ = self._keys(user_id)
        try:
            await self.link.run(lambda client: client.delete(key, marker))
        except RedisUnavailable:
            pass  # covered by the generation bump on recovery

    async def ping(self) -> None:
        await self.link.ping()

    def _count(self, source: str) -> None:
        if self.metrics is not None:
            self.metrics.count("timeline_reads_total", source=source)
