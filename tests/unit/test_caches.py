"""The bounded in-process cache behind hydration, tokens and celebrity posts."""

import time

import pytest

from server.caches import LRUCache


def test_recently_used_entries_survive_while_old_ones_are_evicted():
    cache = LRUCache(10)
    for key in range(10):
        cache.set(key, f"v{key}")
        if key < 2:
            continue
        assert cache.get(0) == "v0" and cache.get(1) == "v1"  # 0 and 1 stay in use
    for key in range(100, 140):
        cache.set(key, key)
        assert cache.get(0) == "v0" and cache.get(1) == "v1"
    assert len(cache) <= 10
    assert 0 in cache and 1 in cache
    assert all(key not in cache for key in range(2, 10))  # never read again: gone


def test_the_bound_holds_under_any_access_pattern():
    cache = LRUCache(50)
    for key in range(10_000):
        cache.set(key, key)
        cache.get(key // 2)
        cache.get_many(range(key - 5, key))
        assert len(cache) <= 50


def test_get_many_returns_found_and_missing_in_order():
    cache = LRUCache(100)
    cache.set("a", 1)
    cache.set("c", 3)
    found, missing = cache.get_many(["a", "b", "c", "d"])
    assert found == {"a": 1, "c": 3}
    assert missing == ["b", "d"]
    assert (cache.hits, cache.misses) == (2, 2)


def test_values_that_are_none_or_falsy_are_still_hits():
    cache = LRUCache(4)
    cache.set("none", None)
    cache.set("empty", [])
    assert cache.get("none", "default") is None
    assert cache.get_many(["none", "empty"]) == ({"none": None, "empty": []}, [])


def test_discard_and_clear_forget_in_both_generations():
    cache = LRUCache(6)
    for key in range(4):
        cache.set(key, key)  # 0, 1 and 2 fill the young generation and become the old one; 3 is young
    cache.discard(0)
    cache.discard(3)
    assert cache.get(0) is None and cache.get(3) is None
    assert cache.get(1) == 1
    cache.clear()
    assert len(cache) == 0 and cache.get(1) is None


def test_a_newer_value_replaces_an_older_one_in_either_generation():
    cache = LRUCache(4)
    cache.set("k", "old")
    cache.set("x", 1)
    cache.set("y", 2)  # "k" is now in the old generation
    cache.set("k", "new")
    assert cache.get("k") == "new"
    assert cache.get_many(["k"]) == ({"k": "new"}, [])


def test_entries_expire_after_the_ttl(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    cache = LRUCache(10, ttl=30)
    cache.set("token", 7)
    now[0] += 29
    assert cache.get("token") == 7
    now[0] += 2
    assert cache.get("token") is None
    cache.set("a", 1)
    now[0] += 31
    assert cache.get_many(["a"]) == ({}, ["a"])
    assert "a" not in cache


def test_a_zero_bound_is_refused():
    with pytest.raises(ValueError):
        LRUCache(0)
