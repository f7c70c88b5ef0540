"""Bearer tokens are cached per process; a sign-out made by another process is honoured within a bound."""

from __future__ import annotations

import asyncio
import time
import types

import pytest

from server.repos import users as users_repo
from server.services import sessions as accounts_module
from tests.clocks import ManualClock


@pytest.fixture
def clock(monkeypatch) -> ManualClock:
    """The clock the token cache reads, moved by the test."""
    clock = ManualClock(1_000.0)
    fake_time = types.SimpleNamespace(monotonic=clock.monotonic, time=time.time)
    monkeypatch.setattr(accounts_module, "time", fake_time)
    monkeypatch.setattr("server.caches.time", fake_time)
    return clock


async def me(api, token) -> int:
    return (await api.call("GET", "/api/v1/me", token))[0]


def revoke_elsewhere(api, user_id: str):
    """Delete the account's tokens straight in the database, as `photoshare admin` in another process does."""
    return api.ctx.db.write(lambda conn: users_repo.delete_tokens_of(conn, int(user_id)))


async def test_a_token_in_use_is_rechecked_in_the_background_and_a_revoked_one_stops(api, clock):
    user, token = await api.register()
    assert await me(api, token) == 200  # checked and cached

    await revoke_elsewhere(api, user["user_id"])
    assert await me(api, token) == 200  # still inside the cache's window: this process has not heard
    clock.now += accounts_module.TOKEN_REFRESH_SECONDS + 1
    assert await me(api, token) == 200  # answered from the cache at once, and re-checked behind it
    for _ in range(100):
        if await me(api, token) == 401:
            break
        await asyncio.sleep(0.01)
    assert await me(api, token) == 401


async def test_a_token_unused_past_the_hard_limit_is_checked_before_it_is_honoured(api, clock):
    user, token = await api.register()
    assert await me(api, token) == 200
    await revoke_elsewhere(api, user["user_id"])
    clock.now += accounts_module.TOKEN_CACHE_SECONDS + 1
    assert await me(api, token) == 401


async def test_signing_out_here_takes_effect_at_once(api):
    _, token = await api.register()
    assert await me(api, token) == 200
    assert (await api.call("POST", "/api/v1/auth/logout", token))[0] in (200, 204)
    assert await me(api, token) == 401


async def test_many_tokens_due_together_are_rechecked_in_batches_and_only_revoked_ones_stop(api, clock, monkeypatch):
    """Re-checks are made a batch per query: every due token is re-checked, across several batches, and a
    revoked token stops while the others go on."""
    from server import auth

    monkeypatch.setattr(accounts_module, "RECHECK_BATCH", 2)
    keep_user, keep_token = await api.register()
    gone_user, _ = await api.register()
    extra = [f"extra-token-{index}" for index in range(5)]  # the revoked account's, added as `login` does

    def add(conn) -> None:
        for token in extra:
            users_repo.add_token(conn, auth.token_hash(token), int(gone_user["user_id"]), 0)

    await api.ctx.db.write(add)
    for token in [keep_token, *extra]:
        assert await me(api, token) == 200  # checked and cached
    await revoke_elsewhere(api, gone_user["user_id"])
    clock.now += accounts_module.TOKEN_REFRESH_SECONDS + 1
    for token in [keep_token, *extra]:
        assert await me(api, token) == 200  # answered from the cache; all six queued for a re-check
    for _ in range(200):
        if all([await me(api, token) == 401 for token in extra]):
            break
        await asyncio.sleep(0.01)
    assert [await me(api, token) for token in extra] == [401] * len(extra)
    assert await me(api, keep_token) == 200
