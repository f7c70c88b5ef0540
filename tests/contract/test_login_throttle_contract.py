"""Failed-sign-in throttling, in-process and in Redis: both dimensions, the growing delay, the 429, and the
owner who is never locked out for long. Time is a test clock; delays are recorded, never slept through."""

from __future__ import annotations

import contextlib

import pytest

from server.ratelimit import login as lt
from server.ratelimit.login import LocalFailureBuckets, LoginThrottle, TooManyFailedSignIns
from tests.backends.redis import fresh_redis_link
from tests.clocks import ManualClock


@contextlib.asynccontextmanager
async def redis_buckets():
    from server.ratelimit.login_redis import RedisFailureBuckets

    async with fresh_redis_link() as link:
        yield RedisFailureBuckets(link)


@contextlib.asynccontextmanager
async def local_buckets():
    yield LocalFailureBuckets()


@pytest.fixture(params=["memory", "redis"])
async def throttle(request):
    clock = ManualClock()
    async with {"memory": local_buckets, "redis": redis_buckets}[request.param]() as buckets:
        made = LoginThrottle(buckets, clock=clock, sleep=clock.sleep)
        made.test_clock = clock
        yield made


async def guess(throttle, account, address):
    """A wrong password: the attempt is counted and nothing else happens. Returns the delay it waited."""
    before = len(throttle.test_clock.slept)
    await throttle.attempt(account, address)
    return throttle.test_clock.slept[before] if len(throttle.test_clock.slept) > before else 0.0


async def test_one_account_from_one_address_slows_down_then_stops(throttle):
    delays = [await guess(throttle, "grandma", "203.0.113.7") for _ in range(lt.PAIR_CAPACITY)]
    assert delays[: lt.PAIR_FREE_FAILURES] == [0.0] * lt.PAIR_FREE_FAILURES
    growing = delays[lt.PAIR_FREE_FAILURES:]
    assert growing == sorted(growing) and growing[0] == lt.FIRST_DELAY_SECONDS and max(growing) <= lt.MAX_DELAY_SECONDS
    with pytest.raises(TooManyFailedSignIns) as refused:
        await throttle.attempt("grandma", "203.0.113.7")
    assert refused.value.status == 429 and 1 <= refused.value.retry_after <= lt.PAIR_LEAK_SECONDS
    assert refused.value.headers["Retry-After"] == str(refused.value.retry_after)
    # The owner elsewhere is not slowed at all, and right away.
    assert await guess(throttle, "grandma", "198.51.100.20") == 0.0
    # Once one failure has leaked away, one more guess is let through here.
    throttle.test_clock.now += refused.value.retry_after
    await throttle.attempt("grandma", "203.0.113.7")
    with pytest.raises(TooManyFailedSignIns):
        await throttle.attempt("grandma", "203.0.113.7")
    # After a quiet spell long enough for every failure to leak away, it is as new.
    throttle.test_clock.now += lt.PAIR_CAPACITY * lt.PAIR_LEAK_SECONDS
    assert await guess(throttle, "grandma", "203.0.113.7") == 0.0


async def test_a_right_password_clears_the_count_for_its_address(throttle):
    for _ in range(lt.PAIR_FREE_FAILURES + 2):
        await guess(throttle, "grandpa", "203.0.113.8")
    succeeded = await throttle.attempt("grandpa", "203.0.113.8")
    await succeeded()
    assert [await guess(throttle, "grandpa", "203.0.113.8") for _ in range(lt.PAIR_FREE_FAILURES)] == [0.0] * lt.PAIR_FREE_FAILURES


async def test_one_address_spraying_many_accounts_is_stopped_and_other_addresses_are_not(throttle):
    delays = [await guess(throttle, f"user{index}", "203.0.113.9") for index in range(lt.ADDRESS_CAPACITY)]
    assert delays[: lt.ADDRESS_FREE_FAILURES] == [0.0] * lt.ADDRESS_FREE_FAILURES and delays[-1] == lt.MAX_DELAY_SECONDS
    with pytest.raises(TooManyFailedSignIns) as refused:
        await throttle.attempt("someone-new", "203.0.113.9")
    assert refused.value.retry_after <= lt.ADDRESS_LEAK_SECONDS
    assert await guess(throttle, "someone-new", "203.0.113.10") == 0.0
    # Signing in to one's own account in between gives back only that sign-in's unit, never the whole count.
    throttle.test_clock.now += lt.ADDRESS_LEAK_SECONDS
    succeeded = await throttle.attempt("sprayer", "203.0.113.9")
    await succeeded()
    await throttle.attempt("victim", "203.0.113.9")
    with pytest.raises(TooManyFailedSignIns):
        await throttle.attempt("victim2", "203.0.113.9")


async def test_a_guess_spread_over_many_addresses_stops_strangers_but_not_the_owner_at_home(throttle):
    home = "192.0.2.1"
    succeeded = await throttle.attempt("grandma", home)
    await succeeded()  # the owner signed in from home once
    for index in range(lt.ACCOUNT_CAPACITY):
        await throttle.attempt("grandma", f"10.{index // 250}.{index % 250}.1")
    with pytest.raises(TooManyFailedSignIns) as refused:
        await throttle.attempt("grandma", "10.99.99.99")
    assert refused.value.retry_after <= lt.ACCOUNT_LEAK_SECONDS
    assert await guess(throttle, "grandma", home) == 0.0  # home is known: the account-wide limit does not apply
    assert await guess(throttle, "grandpa", "10.99.99.99") == 0.0  # other accounts are unaffected


async def test_refused_guesses_do_not_extend_the_stop(throttle):
    for _ in range(lt.PAIR_CAPACITY):
        await throttle.attempt("grandma", "203.0.113.11")
    waits = []
    for _ in range(20):  # an attacker hammering while stopped
        with pytest.raises(TooManyFailedSignIns) as refused:
            await throttle.attempt("grandma", "203.0.113.11")
        waits.append(refused.value.retry_after)
    assert waits == [waits[0]] * 20
