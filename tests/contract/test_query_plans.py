"""The queries that matter use indexes on every store: no full scan of a big table per request.

A few thousand rows are loaded and analysed, then the real repository code runs the feed rebuild,
hydration, search, notifications and follower walks through a recording connection; every
statement it ran is EXPLAINed on the same store, and a plan that reads a whole seeded table fails.
"""

from __future__ import annotations

import json
import random
import re

import pytest

from server.repos import access, blocks, comments, feed_posts, follows, likes, moderation, notifications, search, stories
from server.services import hydrate
from tests.contract.test_database_contract import make_database, store_url

USERS, FOLLOWS_EACH, POSTS, LIKES, NOTIFICATIONS, TAGS = 1_000, 12, 3_000, 8_000, 8_000, 300
SEEDED_TABLES = {"users", "follows", "posts", "media", "likes", "comments", "saves", "hashtags", "post_hashtags", "notifications",
                 "blocks", "mutes"}
VIEWER = 1
# How SQLite's plans name the seeded tables: by name, or by the aliases the repositories give them.
SCANNED_NAMES = SEEDED_TABLES | {"p", "u", "f", "m", "l", "c", "s", "n", "a", "ph", "b", "r", "va"}


def _seed(conn) -> None:
    rng = random.Random(7)
    conn.executemany("INSERT INTO users (id, username, password_hash, follower_count, created_at) VALUES (?, ?, 'x', ?, ?)",
                     [(u, f"user{u:05d}", FOLLOWS_EACH, u) for u in range(1, USERS + 1)])
    pairs = {(u, rng.randint(1, USERS)) for u in range(1, USERS + 1) for _ in range(FOLLOWS_EACH)}
    conn.executemany("INSERT INTO follows (follower_id, followee_id, created_at) VALUES (?, ?, ?)",
                     [(a, b, a * 7 + b) for a, b in pairs if a != b])
    posts = [(p, rng.randint(1, USERS), f"post {p} #tag{p % TAGS}", p) for p in range(1_000, 1_000 + POSTS)]
    conn.executemany("INSERT INTO posts (id, user_id, caption, created_at) VALUES (?, ?, ?, ?)", posts)
    conn.executemany(
        "INSERT INTO media (id, post_id, user_id, position, kind, status, original_key, content_type, sha256, size,"
        " created_at, updated_at) VALUES (?, ?, ?, 0, 'photo', ?, 'o/x', 'image/jpeg', 'x', 1, 0, 0)",
        [(p, p, user, "processing" if p % 97 == 0 else "ready") for p, user, _, _ in posts])
    conn.executemany("INSERT INTO hashtags (tag, post_count) VALUES (?, ?)", [(f"tag{t}", POSTS // TAGS) for t in range(TAGS)])
    conn.executemany("INSERT INTO post_hashtags (tag, post_id) VALUES (?, ?)", [(f"tag{p % TAGS}", p) for p, _, _, _ in posts])
    liked = {(rng.choice(posts)[0], rng.randint(1, USERS)) for _ in range(LIKES)}
    conn.executemany("INSERT INTO likes (post_id, user_id, created_at) VALUES (?, ?, ?)", [(p, u, p + u) for p, u in liked])
    conn.executemany("INSERT INTO comments (id, post_id, user_id, text, created_at) VALUES (?, ?, ?, 'nice', 0)",
                     [(c, rng.choice(posts)[0], rng.randint(1, USERS)) for c in range(1, 3_001)])
    conn.executemany("INSERT INTO saves (user_id, post_id, save_id) VALUES (?, ?, ?)",
                     [(u, 1_000 + u, u) for u in range(1, USERS + 1)])
    conn.executemany(
        "INSERT INTO notifications (id, user_id, type, actor_id, post_id, is_read, created_at) VALUES (?, ?, 'like', ?, ?, ?, 0)",
        [(n, rng.randint(1, USERS), rng.randint(1, USERS), rng.choice(posts)[0], n % 3 == 0) for n in range(1, NOTIFICATIONS + 1)])
    conn.executemany("INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (?, ?, ?)",
                     [(u, (u * 7) % USERS + 1, u) for u in range(1, USERS + 1, 2) if (u * 7) % USERS + 1 != u])
    conn.executemany("INSERT INTO mutes (muter_id, muted_id, created_at) VALUES (?, ?, ?)",
                     [(u, (u * 11) % USERS + 1, u) for u in range(2, USERS + 1, 2) if (u * 11) % USERS + 1 != u])
    conn.execute("ANALYZE")


class Recording:
    """A Conn that remembers every statement it runs, for EXPLAIN afterwards."""

    def __init__(self, conn) -> None:
        self.conn = conn
        self.dialect = conn.dialect
        self.statements: list[tuple[str, list]] = []

    def fetch_all(self, sql, params=()):
        self.statements.append((sql, list(params)))
        return self.conn.fetch_all(sql, params)

    def fetch_one(self, sql, params=()):
        rows = self.fetch_all(sql, params)
        return rows[0] if rows else None

    def fetch_val(self, sql, params=()):
        row = self.fetch_one(sql, params)
        return None if row is None else row[0]


def _hot_paths(conn) -> None:
    """What a feed read, a page of hydrated posts, a search and the notification list run."""
    followees = [user for user, _ in follows.followees_with_counts(conn, VIEWER)]
    post_ids = feed_posts.newest_post_ids(conn, [*followees, VIEWER], before=None, limit=50)
    feed_posts.author_post_ids(conn, followees[0], before=None, limit=20, include_unpublished=False)
    hydrate._load_posts(conn, post_ids or [1_000])
    hydrate._load_authors(conn, set(followees))
    hydrate._viewer_flags(conn, VIEWER, post_ids or [1_000])
    search.users_with_prefix(conn, "user001", 10)
    search.hashtags_with_prefix(conn, "tag1", 10)
    search.tagged_posts_page(conn, "tag7", VIEWER, None, 20)
    notifications.page(conn, VIEWER, None, 20)
    notifications.unread_count(conn, VIEWER)
    follows.follower_ids_after(conn, followees[0], 0, 1_000)
    follows.followers_among(conn, followees[0], [VIEWER, 2, 3])
    follows.followers_page(conn, followees[0], None, 20)
    likes.likers_page(conn, 1_500, VIEWER, None, 20)
    comments.page(conn, 1_500, VIEWER, None, 20)
    access.can_view_author_in(conn, VIEWER, followees[0])
    # The visibility rule's single checks and lists, blocks and mutes, and what the feed reads of them.
    access.can_see_user_in(conn, VIEWER, followees[0])
    access.post_visible_in(conn, VIEWER, 1_500)
    access.comment_visible_in(conn, VIEWER, 7)
    access.visible_authors_in(conn, VIEWER, followees)
    access.is_moderator_in(conn, VIEWER)
    search.visible_tag_counts(conn, ["tag7", "tag8"], VIEWER)
    follows.following_page(conn, VIEWER, None, 20, VIEWER)
    follows.requests_page(conn, VIEWER, None, 20)
    follows.feeds_from(conn, VIEWER, followees[0])
    blocks.blocked_either_way(conn, VIEWER)
    blocks.muted_ids(conn, VIEWER)
    blocks.users_page(conn, "blocks", VIEWER, None, 20)
    blocks.users_page(conn, "mutes", 2, None, 20)
    comments.counts_by_authors(conn, post_ids or [1_000], [2, 3, 4])
    comments.author_counts(conn, 5)  # every comment added or deleted asks it
    stories.unlisted_views(conn, VIEWER, [1_000, 1_001])  # the story view counts its author reads
    moderation.reports_page(conn, "open", None, 20)
    # What deleting a post or an account cascades to, and what withdrawing a like looks up.
    conn.fetch_all("SELECT id FROM notifications WHERE post_id = ?", [1_500])
    conn.fetch_all("SELECT id FROM notifications WHERE actor_id = ? AND user_id = ? AND type = 'like' AND post_id = ?", [5, 6, 1_500])


PARTIAL_INDEXES = ("media_processing",)


def _full_scans_postgres(conn, sql: str, params: list) -> list[str]:
    # On a few thousand rows a sequential scan is often the cheapest plan, and PostgreSQL rightly picks
    # it; with scans priced out of reach, a Seq Scan that remains means no index can serve the query.
    conn.execute("SET LOCAL enable_seqscan = off")
    plan = conn.fetch_val("EXPLAIN (FORMAT JSON) " + sql, params)
    plan = json.loads(plan) if isinstance(plan, str) else plan
    found, nodes = [], [plan[0]["Plan"]]
    while nodes:
        node = nodes.pop()
        if node["Node Type"] == "Seq Scan" and node.get("Relation Name") in SEEDED_TABLES:
            found.append(node["Relation Name"])
        nodes += node.get("Plans", [])
    return found


def _full_scans_sqlite(conn, sql: str, params: list) -> list[str]:
    details = [row[3] for row in conn.fetch_all("EXPLAIN QUERY PLAN " + sql, params)]
    # "SCAN x" reads every row of x (a covering-index scan too); "SEARCH x USING INDEX" seeks.
    # Plans name tables by their alias in the query; a subquery's own rows (a named result) are fine.
    # A scan of a partial index is fine too: it holds only the rows its WHERE picks (media being processed).
    return [detail for detail in details if (match := re.match(r"SCAN (\w+)", detail)) and match.group(1) in SCANNED_NAMES
            and not any(detail.endswith(f"USING INDEX {index}") for index in PARTIAL_INDEXES)]


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_feed_hydration_search_and_notifications_use_indexes(kind, tmp_path):
    with store_url(kind, tmp_path) as url:
        db = make_database(url)
        await db.open()
        try:
            await db.write(_seed)

            def explain_all(conn):
                recording = Recording(conn)
                _hot_paths(recording)
                scans = _full_scans_sqlite if kind == "sqlite" else _full_scans_postgres
                return {sql: found for sql, params in recording.statements if (found := scans(conn, sql, params))}

            full_scans = await db.read(explain_all)
        finally:
            await db.close()
    assert full_scans == {}, "\n".join(f"{found}: {sql[:150]}" for sql, found in full_scans.items())
