"""Failed sign-ins over HTTP: a growing delay, then 429 with Retry-After and the JSON error, per account and
address and per address; the owner signing in from another address is never held up.

The throttle's clock and sleep are the test's (nothing is slept through for real), and its limits are made
small here: each guess costs a real password hash (about a second on a busy machine), and the limits at
their real sizes are the contract tests' (tests/contract/test_login_throttle_contract.py). The second address is
127.0.0.2: Linux routes all of 127/8 to the loopback, so a client bound there reaches the test server as
another machine would.
"""

from __future__ import annotations

import aiohttp

from server.ratelimit import login as lt
from tests.clocks import ManualClock

PASSWORD = "correct horse battery"


def use_test_clock(api, monkeypatch, **limits) -> ManualClock:
    for name, value in limits.items():
        monkeypatch.setattr(lt, name, value)
    clock = ManualClock()
    api.ctx.login_throttle.clock = clock
    api.ctx.login_throttle.sleep = clock.sleep
    return clock


async def login(api, username, password):
    return await api.call("POST", "/api/v1/auth/login", json={"username": username, "password": password})


async def login_from_elsewhere(api, username, password):
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.post(api.client.make_url("/api/v1/auth/login"), json={"username": username, "password": password}) as response:
            return response.status, await response.json()


async def test_wrong_passwords_slow_down_then_stop_while_the_owner_elsewhere_signs_in(api, monkeypatch):
    await api.register("grandma", PASSWORD)
    clock = use_test_clock(api, monkeypatch, PAIR_FREE_FAILURES=2, PAIR_CAPACITY=5)
    for _ in range(lt.PAIR_CAPACITY):
        status, body = await login(api, "grandma", "guess")
        assert status == 401 and body["error"]["code"] == "invalid_credentials"
    expected = [min(lt.MAX_DELAY_SECONDS, lt.FIRST_DELAY_SECONDS * 2 ** n) for n in range(lt.PAIR_CAPACITY - lt.PAIR_FREE_FAILURES)]
    assert clock.slept == expected  # the free ones at once, then doubling

    response = await api.client.post("/api/v1/auth/login", json={"username": "grandma", "password": "guess"})
    body = await response.json()
    assert response.status == 429 and body["error"]["code"] == "rate_limited" and "failed sign-ins" in body["error"]["message"]
    assert 1 <= int(response.headers["Retry-After"]) <= lt.PAIR_LEAK_SECONDS
    status, _ = await login(api, "grandma", PASSWORD)
    assert status == 429  # even the right password waits here: nothing is learnt while stopped

    status, body = await login_from_elsewhere(api, "grandma", PASSWORD)
    assert status == 200 and body["token"]  # the owner on another address: at once

    clock.now += int(response.headers["Retry-After"])
    status, _ = await login(api, "grandma", PASSWORD)
    assert status == 200
    clock.slept.clear()
    for _ in range(lt.PAIR_FREE_FAILURES):  # the right password cleared this address's count
        assert (await login(api, "grandma", "typo"))[0] == 401
    assert clock.slept == []


async def test_one_address_guessing_many_accounts_is_stopped(api, monkeypatch):
    await api.register("grandpa", PASSWORD)
    use_test_clock(api, monkeypatch, ADDRESS_FREE_FAILURES=2, ADDRESS_CAPACITY=4)
    for index in range(lt.ADDRESS_CAPACITY):
        assert (await login(api, f"nobody{index}", "guess"))[0] == 401
    status, body = await login(api, "grandpa", PASSWORD)
    assert status == 429 and body["error"]["code"] == "rate_limited"
    status, _ = await login_from_elsewhere(api, "grandpa", PASSWORD)
    assert status == 200
