"""Failed sign-ins slow down, then stop, per account and address, without locking the real owner out.

Every password guess is counted in up to three leaky buckets before the password is checked:

- **the account from this address** (``PAIR_*``): someone at one place trying one account. The first
  ``PAIR_FREE_FAILURES`` answer at once, later ones wait a growing, bounded delay, and past
  ``PAIR_CAPACITY`` the answer is 429 with ``Retry-After`` until one failure has leaked away (one a
  minute): about 60 guesses an hour instead of the 36,000 the write limit alone allowed. The owner
  signing in from another address is not affected at all.
- **this address, any account** (``ADDRESS_*``): one machine spraying guesses over many accounts. Looser,
  since a household or office shares an address.
- **the account, from every address it has never signed in from** (``ACCOUNT_*``): a botnet spreading
  guesses for one account over thousands of addresses. Loosest of all, and it never applies to an address
  the account signed in from successfully in the last ``KNOWN_ADDRESS_DAYS`` days: such an attack can
  stop strangers, but not the owner at home or on their phone.

A guess is counted *before* the password is checked, atomically for all its buckets (all or none), so
parallel requests cannot slip extra guesses past a limit, and nothing is learnt while refused. A correct
password then clears the account-from-this-address bucket and gives back the one unit it took from the
other two (it was not a failure; the address's bucket is not cleared, or signing in to one's own account
between guesses would reset a spraying attacker). Unknown usernames are counted like real ones, so the
answer says nothing about which accounts exist.

Buckets live in this process (``LocalFailureBuckets``) or, with ``redis_url``, in Redis
(``login_throttle_redis.py``) so every process behind a load balancer counts the same guesses. Delays are
awaited (``asyncio.sleep``), never slept on the event loop, and capped at ``MAX_DELAY_SECONDS``. Time comes
from ``clock`` (wall-clock seconds, shared by processes; tests pass their own) and delays go through
``sleep``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import math
import time
from typing import Awaitable, Callable, Protocol

from ..web.errors import RateLimited

# Someone at one address typing one account's password: a few typos are free, then it slows, then stops.
PAIR_FREE_FAILURES = 5
PAIR_CAPACITY = 10
PAIR_LEAK_SECONDS = 60.0  # one failure forgotten a minute: after the stop, one more guess a minute
# One address, any account: shared by a household or an office behind one router, so looser.
ADDRESS_FREE_FAILURES = 20
ADDRESS_CAPACITY = 50
ADDRESS_LEAK_SECONDS = 20.0  # 180 guesses an hour over all accounts, after the burst
# One account, from every address it has not signed in from: a guess spread over many addresses.
ACCOUNT_FREE_FAILURES = 50
ACCOUNT_CAPACITY = 200
ACCOUNT_LEAK_SECONDS = 10.0  # 360 guesses an hour from strangers, whatever their number of addresses
# An address the account signed in from is trusted this long for the account-wide bucket above.
KNOWN_ADDRESS_DAYS = 30
# The delay before answering a guess past a bucket's free ones: doubling from the first, capped so a
# request never waits long (the connection stays open meanwhile).
FIRST_DELAY_SECONDS = 0.25
MAX_DELAY_SECONDS = 4.0
MAX_TRACKED_KEYS = 100_000  # in-process buckets beyond this many: the stalest are forgotten


class TooManyFailedSignIns(RateLimited):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.message = f"Too many failed sign-ins; try again in {retry_after} s."


@dataclasses.dataclass(frozen=True)
class Bucket:
    key: str
    capacity: int
    leak_seconds: float  # how long one failure takes to be forgotten
    free: int  # failures answered without a delay


class FailureBuckets(Protocol):
    async def take(self, buckets: list[Bucket], now: float) -> tuple[float, list[float]]:
        """Add one failure to every bucket if each has room, else to none.

        Returns (0, levels after) when taken, or (seconds until every bucket has room, levels now).
        """

    async def settle(self, clear: list[str], refund: list[Bucket], now: float) -> None:
        """A correct password: empty the ``clear`` buckets, take one failure back from ``refund``."""

    async def remember(self, key: str, seconds: float, now: float) -> None: ...

    async def known(self, key: str, now: float) -> bool: ...


def leaked(level: float, at: float, now: float, leak_seconds: float) -> float:
    return max(0.0, level - max(0.0, now - at) / leak_seconds)


class LocalFailureBuckets:
    """The buckets in this process's memory; every method runs without awaiting, so each is atomic."""

    def __init__(self) -> None:
        self._levels: dict[str, tuple[float, float]] = {}
        self._known: dict[str, float] = {}

    async def take(self, buckets: list[Bucket], now: float) -> tuple[float, list[float]]:
        levels = [leaked(*self._levels.get(b.key, (0.0, now)), now, b.leak_seconds) for b in buckets]
        wait = max([(level + 1 - b.capacity) * b.leak_seconds for level, b in zip(levels, buckets)] + [0.0])
        if wait > 0:
            return wait, levels
        levels = [level + 1 for level in levels]
        for level, bucket in zip(levels, buckets):
            self._levels.pop(bucket.key, None)  # re-inserted last: the dict's order is staleness
            self._levels[bucket.key] = (level, now)
        self._bound(self._levels)
        return 0.0, levels

    async def settle(self, clear: list[str], refund: list[Bucket], now: float) -> None:
        for key in clear:
            self._levels.pop(key, None)
        for bucket in refund:
            if bucket.key in self._levels:
                level = leaked(*self._levels[bucket.key], now, bucket.leak_seconds)
                self._levels[bucket.key] = (max(0.0, level - 1), now)

    async def remember(self, key: str, seconds: float, now: float) -> None:
        self._known.pop(key, None)
        self._known[key] = now + seconds
        self._bound(self._known)

    async def known(self, key: str, now: float) -> bool:
        return self._known.get(key, 0.0) > now

    @staticmethod
    def _bound(table: dict) -> None:
        if len(table) > MAX_TRACKED_KEYS:
            for key in list(table)[: MAX_TRACKED_KEYS // 10]:
                table.pop(key, None)


def _digest(text: str) -> str:
    # Keys stay short and fixed in size whatever a client sends as a username.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def delay_for(levels: list[float], buckets: list[Bucket]) -> float:
    """The wait before answering this guess: doubling with each failure past a bucket's free ones, capped."""
    excess = max([math.ceil(level - b.free - 1e-9) for level, b in zip(levels, buckets)] + [0])
    return 0.0 if excess <= 0 else min(MAX_DELAY_SECONDS, FIRST_DELAY_SECONDS * 2 ** (excess - 1))


class LoginThrottle:
    def __init__(self, buckets: FailureBuckets, *, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], Awaitable] = asyncio.sleep) -> None:
        self.buckets = buckets
        self.clock = clock
        self.sleep = sleep

    def _buckets(self, account: str, address: str) -> tuple[Bucket, Bucket, Bucket]:
        account_key, address_key = _digest(account), _digest(address)
        return (Bucket(f"pair:{account_key}:{address_key}", PAIR_CAPACITY, PAIR_LEAK_SECONDS, PAIR_FREE_FAILURES),
                Bucket(f"addr:{address_key}", ADDRESS_CAPACITY, ADDRESS_LEAK_SECONDS, ADDRESS_FREE_FAILURES),
                Bucket(f"acct:{account_key}", ACCOUNT_CAPACITY, ACCOUNT_LEAK_SECONDS, ACCOUNT_FREE_FAILURES))

    async def attempt(self, account: str, address: str) -> Callable[[], Awaitable[None]]:
        """Count a guess for ``account`` from ``address`` before its password is checked.

        Raises RateLimited (429, Retry-After) when a limit is reached; otherwise waits the delay due and
        returns ``succeeded``, to be awaited if the password was right.
        """
        pair, address_bucket, account_bucket = self._buckets(account, address)
        known_key = f"known:{pair.key[len('pair:'):]}"
        now = self.clock()
        counted = [pair, address_bucket]
        if not await self.buckets.known(known_key, now):
            counted.append(account_bucket)
        wait, levels = await self.buckets.take(counted, now)
        if wait > 0:
            raise TooManyFailedSignIns(max(1, math.ceil(wait)))
        delay = delay_for(levels, counted)
        if delay:
            await self.sleep(delay)

        async def succeeded() -> None:
            now = self.clock()
            await self.buckets.settle([pair.key], counted[1:], now)
            await self.buckets.remember(known_key, KNOWN_ADDRESS_DAYS * 86400, now)

        return succeeded
