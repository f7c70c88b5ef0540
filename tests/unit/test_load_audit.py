"""The load benchmark's auditor catches every kind of wrong feed entry, and its model is the feed invariant.

A benchmark that reports "0 wrong" is only worth something if the auditor would have said otherwise:
each kind of error is planted in a hand-made feed and must be found, and nothing else may be reported.
"""

import sqlite3

from bench.load.audit import Database, compare, expected_window, model_feed
from server.stores.schema import migrate

MODEL = [90, 80, 70, 60, 50, 40, 30, 20, 10]  # newest first


def test_a_feed_equal_to_the_model_has_nothing_wrong():
    errors = compare(list(MODEL), MODEL)
    assert errors.wrong == 0


def test_a_missing_entry_is_found():
    errors = compare([90, 80, 60, 50, 40, 30, 20, 10], MODEL)
    assert (errors.missing, errors.extra, errors.duplicated, errors.out_of_order) == ([70], [], [], [])


def test_an_extra_entry_is_found():
    errors = compare([90, 80, 75, 70, 60, 50, 40, 30, 20, 10], MODEL)
    assert (errors.missing, errors.extra, errors.duplicated, errors.out_of_order) == ([], [75], [], [])


def test_a_duplicated_entry_is_found_across_pages():
    # A second page that starts again with the first page's last entry: the cursor repeated an item.
    errors = compare([90, 80, 70, 60, 60, 50, 40, 30, 20, 10], MODEL)
    assert (errors.missing, errors.extra, errors.duplicated, errors.out_of_order) == ([], [], [60], [])


def test_a_reordered_entry_is_found_and_only_it():
    # 30 shown too early: one entry out of place, not everything it jumped over.
    errors = compare([90, 80, 30, 70, 60, 50, 40, 20, 10], MODEL)
    assert (errors.missing, errors.extra, errors.duplicated, errors.out_of_order) == ([], [], [], [30])


def test_every_kind_at_once_is_counted_once_each():
    shown = [90, 70, 80, 80, 65, 60, 50, 40, 30, 20, 10]  # 70 and 80 swapped, 80 shown twice, 65 not in the model
    errors = compare(shown, MODEL)
    assert errors.duplicated == [80]
    assert errors.extra == [65]
    assert len(errors.out_of_order) == 1 and errors.out_of_order[0] in (70, 80)
    assert errors.missing == []
    assert errors.wrong == 3


def test_a_feed_that_ends_too_early_owes_the_rest_of_the_model():
    # The API said "no more" (null cursor) after four entries; the model has nine, and the reader pages 6 deep.
    window = expected_window([90, 80, 70, 60], MODEL, finished=True, depth=6)
    assert compare([90, 80, 70, 60], window).missing == [50, 40]


def test_a_reader_who_stopped_paging_is_owed_only_what_they_scrolled_past():
    window = expected_window([90, 80, 60, 50], MODEL, finished=False, depth=4)
    assert window == [90, 80, 70, 60, 50]
    assert compare([90, 80, 60, 50], window).missing == [70]


def test_the_model_is_own_posts_and_followed_authors_ready_posts_newest_first(tmp_path):
    path = tmp_path / "photoshare.db"
    raw = sqlite3.connect(path, isolation_level=None)
    migrate(raw)
    for user_id in (1, 2, 3):
        raw.execute("INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, '-', 0)", (user_id, f"u{user_id}"))
    raw.execute("INSERT INTO follows (follower_id, followee_id, created_at) VALUES (1, 2, 0)")
    posts = [  # (post id, author, media statuses)
        (10, 1, ["ready"]),  # own
        (11, 2, ["ready", "ready"]),  # followed, a carousel
        (12, 3, ["ready"]),  # not followed
        (13, 2, ["ready", "processing"]),  # followed, not yet published
        (14, 2, ["failed"]),  # followed, processing failed
        (15, 2, ["ready"]),  # followed, newest
    ]
    for post_id, author, statuses in posts:
        raw.execute("INSERT INTO posts (id, user_id, created_at) VALUES (?, ?, 0)", (post_id, author))
        for position, status in enumerate(statuses):
            raw.execute("INSERT INTO media (id, post_id, user_id, position, kind, status, original_key, content_type, sha256,"
                        " size, created_at, updated_at) VALUES (?, ?, ?, ?, 'photo', ?, 'k', 'image/jpeg', 's', 1, 0, 0)",
                        (post_id * 10 + position, post_id, author, position, status))
    raw.execute("DELETE FROM posts WHERE id = 11")  # deleted: its row (and media) are gone
    raw.close()
    db = Database(f"sqlite:///{path}")
    try:
        assert model_feed(db, 1, 10) == [15, 10]
        assert model_feed(db, 1, 1) == [15]
        assert model_feed(db, 1, 10, down_to=11) == [15]
    finally:
        db.close()
