"""The upper bound that turns a prefix search into an index range scan."""

from __future__ import annotations

import sqlite3

import pytest

from server.repos.search import prefix_upper_bound


@pytest.mark.parametrize("prefix, bound", [
    ("ali", "alj"), ("a", "b"), ("z", "{"), ("caf\u00e9", "caf\u00ea"),
    ("a\U0010ffff", "b"), ("\ud7ff", "\ue000"),
])
def test_the_bound_is_the_prefix_with_its_last_bumpable_character_bumped(prefix, bound):
    assert prefix_upper_bound(prefix) == bound


def test_a_prefix_of_only_the_largest_character_needs_no_bound():
    assert prefix_upper_bound("\U0010ffff\U0010ffff") is None


@pytest.mark.parametrize("prefix", ["ali", "caf", "日", "a\U0010ffff"])
def test_the_range_holds_exactly_the_strings_with_the_prefix(prefix):
    words = ["al", "ali", "alice", "alj", "alz", "caf", "café", "cafe", "cag", "日本", "日", "旦",
             "a\U0010ffff", "a\U0010ffffz", "b", ""]
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE words (word TEXT PRIMARY KEY)")
    db.executemany("INSERT INTO words VALUES (?)", [(word,) for word in words])
    found = {row[0] for row in db.execute("SELECT word FROM words WHERE word >= ? AND word < ?",
                                          (prefix, prefix_upper_bound(prefix)))}
    assert found == {word for word in words if word.startswith(prefix)}
