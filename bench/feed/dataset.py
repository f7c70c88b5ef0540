"""Builds (once) the feed benchmark's dataset straight into a PhotoShare SQLite data folder.

100,000 users, 1,000,000 posts, ~20,000,000 follows. Who gets followed is Zipf-like (exponent 0.6:
the top accounts have tens of thousands of followers, a few dozen are over the celebrity threshold,
most have a few hundred); who posts is Zipf-like too. Every post has one ready photo with made-up
variant names (the feed never opens image files). Each user gets the bearer token ``bench-<user id>``.

Rows go in primary-key order with the big secondary indexes dropped and rebuilt afterwards, in large
transactions with ``synchronous=OFF`` — for this build only; the server opens the file normally.

Example: .venv/bin/python -m bench.feed.dataset   (prints where the data is; a rerun reuses it)
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
import sys
import time
from itertools import accumulate
from pathlib import Path

from server.ids import EPOCH_MS, TIME_SHIFT, id_for_time
from server.stores.schema import migrate

USERS = 100_000
POSTS = 1_000_000
FOLLOWING_MIN, FOLLOWING_MAX = 50, 350  # mean 200 followees: 20,000,000 follows
FOLLOW_ZIPF = 0.6  # top account ~80k followers, rank 100 ~5k, rank 10,000 ~300
POST_ZIPF = 0.7  # a few prolific posters, a long tail of occasional ones
POST_DAYS = 60  # posts spread over the last two months
USERS_PER_CHUNK = 2_000  # ~400,000 follow rows per transaction
POSTS_PER_CHUNK = 100_000
SEED = 20260101
DATA_DIR = Path(__file__).parent / "data"
DONE_MARKER = "dataset.json"
BIG_TABLES = ("follows", "posts", "media")
DAY_MS = 86_400_000


def user_id_at(index: int) -> int:
    """Accounts made one per second from the project epoch on: positive, time-sortable ids."""
    return id_for_time(EPOCH_MS / 1000 + 1 + index)


def token_for(user_id: int) -> str:
    return f"bench-{user_id}"


def zipf_cum_weights(count: int, exponent: float) -> list[float]:
    return list(accumulate(1.0 / (rank ** exponent) for rank in range(1, count + 1)))


def build(data_dir: Path = DATA_DIR) -> dict:
    marker = data_dir / DONE_MARKER
    if marker.exists():
        return json.loads(marker.read_text())
    data_dir.mkdir(parents=True, exist_ok=True)
    db_path = data_dir / "photoshare.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    started = time.monotonic()
    rng = random.Random(SEED)
    raw = sqlite3.connect(db_path, isolation_level=None)
    migrate(raw)
    raw.execute("PRAGMA synchronous = OFF")
    raw.execute("PRAGMA cache_size = -1000000")
    indexes = raw.execute(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({', '.join('?' * len(BIG_TABLES))})", BIG_TABLES).fetchall()
    for name, _ in indexes:
        raw.execute(f"DROP INDEX {name}")

    now = int(time.time() * 1000)
    first_user = user_id_at(0)
    user_ids = [user_id_at(index) for index in range(USERS)]
    follower_counts, post_counts = [0] * USERS, [0] * USERS

    following_counts = _insert_follows(raw, rng, user_ids, follower_counts, now)
    _insert_posts(raw, rng, user_ids, post_counts, now)
    _insert_users(raw, user_ids, follower_counts, following_counts, post_counts, now)

    for name, sql in indexes:
        print(f"  index {name}", flush=True)
        raw.execute(sql)
    raw.execute("PRAGMA analysis_limit = 1000")
    raw.execute("ANALYZE")
    raw.execute("PRAGMA journal_mode = WAL")
    raw.close()
    ranked = sorted(range(USERS), key=lambda index: -follower_counts[index])
    info = {
        "users": USERS, "posts": POSTS, "follows": sum(following_counts), "first_user_id": first_user,
        "top_follower_counts": [follower_counts[index] for index in ranked[:5]],
        "over_10k_followers": sum(1 for count in follower_counts if count >= 10_000),
        "build_seconds": round(time.monotonic() - started, 1),
    }
    marker.write_text(json.dumps(info, indent=2))
    return info


def _insert_follows(raw, rng, user_ids, follower_counts, now) -> list[int]:
    popularity = list(range(USERS))
    rng.shuffle(popularity)  # rank -> user index
    cum = zipf_cum_weights(USERS, FOLLOW_ZIPF)
    following_counts = [0] * USERS
    for chunk_start in range(0, USERS, USERS_PER_CHUNK):
        rows = []
        for follower in range(chunk_start, min(USERS, chunk_start + USERS_PER_CHUNK)):
            wanted = rng.randint(FOLLOWING_MIN, FOLLOWING_MAX)
            picks = {popularity[rank] for rank in rng.choices(range(USERS), cum_weights=cum, k=wanted)}
            picks.discard(follower)
            following_counts[follower] = len(picks)
            follower_id = user_ids[follower]
            for followee in sorted(picks):
                follower_counts[followee] += 1
                rows.append((follower_id, user_ids[followee], now - rng.randrange(365 * DAY_MS)))
        raw.execute("BEGIN")
        raw.executemany("INSERT INTO follows (follower_id, followee_id, created_at) VALUES (?, ?, ?)", rows)
        raw.execute("COMMIT")
        print(f"  follows: {chunk_start + USERS_PER_CHUNK:,} users", end="\r", flush=True)
    print()
    return following_counts


def _insert_posts(raw, rng, user_ids, post_counts, now) -> None:
    prolific = list(range(USERS))
    rng.shuffle(prolific)
    cum = zipf_cum_weights(USERS, POST_ZIPF)
    authors = [prolific[rank] for rank in rng.choices(range(USERS), cum_weights=cum, k=POSTS)]
    times = sorted(now - rng.randrange(POST_DAYS * DAY_MS) for _ in range(POSTS))
    for chunk_start in range(0, POSTS, POSTS_PER_CHUNK):
        posts, media = [], []
        for index in range(chunk_start, min(POSTS, chunk_start + POSTS_PER_CHUNK)):
            created = times[index]
            post_id = id_for_time(created / 1000) | (index & ((1 << TIME_SHIFT) - 1))
            author = authors[index]
            post_counts[author] += 1
            posts.append((post_id, user_ids[author], f"bench post {index} #bench", created, created))
            variants = json.dumps({name: f"v/{post_id}/{name}" for name in ("thumb", "320", "640", "1080", "1440")})
            media.append((post_id, post_id, user_ids[author], f"o/{post_id}", hashlib.sha256(str(post_id).encode()).hexdigest(),
                          variants, created, created))
        raw.execute("BEGIN")
        raw.executemany("INSERT INTO posts (id, user_id, caption, created_at, published_at) VALUES (?, ?, ?, ?, ?)", posts)
        raw.executemany(
            "INSERT INTO media (id, post_id, user_id, position, kind, status, original_key, content_type, sha256, size,"
            " width, height, placeholder, variants, created_at, updated_at)"
            " VALUES (?, ?, ?, 0, 'photo', 'ready', ?, 'image/jpeg', ?, 250000, 1080, 1080, 'LEHV6nWB2yPK', ?, ?, ?)", media)
        raw.execute("COMMIT")
        print(f"  posts: {chunk_start + POSTS_PER_CHUNK:,}", end="\r", flush=True)
    print()


def _insert_users(raw, user_ids, follower_counts, following_counts, post_counts, now) -> None:
    raw.execute("BEGIN")
    raw.executemany(
        "INSERT INTO users (id, username, password_hash, follower_count, following_count, post_count, created_at)"
        " VALUES (?, ?, '-', ?, ?, ?, ?)",
        [(user_id, f"bench{index}", follower_counts[index], following_counts[index], post_counts[index], now)
         for index, user_id in enumerate(user_ids)])
    raw.executemany("INSERT INTO tokens (token_hash, user_id, created_at) VALUES (?, ?, ?)",
                    [(hashlib.sha256(token_for(user_id).encode()).hexdigest(), user_id, now) for user_id in user_ids])
    raw.execute("COMMIT")


if __name__ == "__main__":
    print(json.dumps(build(Path(sys.argv[1]) if len(sys.argv) > 1 else DATA_DIR), indent=2))
