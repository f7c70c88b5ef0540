"""The stories/explore benchmark's dataset: a copy of the feed benchmark's 100k-user dataset, migrated, with
what that dataset lacks seeded into it: active stories (and seen marks), likes, comments and hashtags.

The feed dataset (``bench/feed/data``, built by ``bench.feed.dataset``) is copied with SQLite's backup API, so a
feed benchmark using its file meanwhile is undisturbed and its file is never migrated by this one. Built once;
``bench/stories/data/seeded.json`` marks it done (delete the folder to rebuild).

Example: .venv/bin/python -m bench.stories.seed
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from pathlib import Path

from bench.feed import dataset
from server.ids import id_for_time
from server.stores.schema import migrate

DATA_DIR = Path(__file__).parent / "data"
DONE_MARKER = "seeded.json"
SEED = 20261203
HOUR_MS, DAY_MS = 3_600_000, 86_400_000
STORY_AUTHORS = 30_000  # almost a third of the accounts have a story up: a busy evening
STORIES_PER_AUTHOR = (1, 3)
STORY_HOURS = 24
LIKERS = 25_000
LIKES_PER_LIKER = 20  # 500,000 likes over the last week's posts, popular posts drawn more often
LIKE_DAYS = 7
LIKE_ZIPF = 0.8
COMMENTS = 50_000
TAGS = 200
TAGGED_POSTS = 150_000  # recent posts carrying one of the tags
TAG_DAYS = 14


def build(data_dir: Path = DATA_DIR, viewers: list[int] | None = None, source_dir: Path = dataset.DATA_DIR) -> dict:
    """``viewers``: the measured accounts: half of their followees' stories get seen marks (so trays mix rings), and
    they are among the likers (so their explore pools use every source, the costliest case)."""
    marker = data_dir / DONE_MARKER
    if marker.exists():
        return json.loads(marker.read_text())
    source = source_dir / "photoshare.db"
    if not source.exists():
        raise SystemExit(f"no feed dataset at {source}: build it with `python -m bench.feed.dataset` first")
    data_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    target = data_dir / "photoshare.db"
    target.unlink(missing_ok=True)
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst, pages=65_536)
    raw = sqlite3.connect(target, isolation_level=None)
    raw.row_factory = sqlite3.Row
    migrate(raw)
    raw.execute("PRAGMA synchronous = OFF")
    rng = random.Random(SEED)
    now = int(time.time() * 1000)
    user_ids = [row[0] for row in raw.execute("SELECT id FROM users ORDER BY id")]
    info = {"copied_from": str(source), "stories": _stories(raw, rng, user_ids, now)}
    info["story_views"] = _seen_marks(raw, viewers or [], now)
    recent = [row[0] for row in raw.execute("SELECT id FROM posts WHERE id > ? ORDER BY id",
                                            (id_for_time((now - LIKE_DAYS * DAY_MS) / 1000),))]
    info["likes"] = _likes(raw, rng, user_ids, recent, now, viewers or [])
    info["comments"] = _comments(raw, rng, user_ids, recent, now)
    info["tagged_posts"] = _tags(raw, rng, now)
    raw.execute("ANALYZE")
    raw.close()
    info["seconds"] = round(time.monotonic() - started, 1)
    marker.write_text(json.dumps(info, indent=2))
    return info


def _stories(raw, rng: random.Random, user_ids: list[int], now: int) -> int:
    rows = []
    for author in rng.sample(user_ids, STORY_AUTHORS):
        for _ in range(rng.randint(*STORIES_PER_AUTHOR)):
            created = now - rng.randrange((STORY_HOURS - 1) * HOUR_MS)
            story_id = id_for_time(created / 1000) | rng.randrange(1 << 23)
            variants = json.dumps({name: f"v/{story_id}/{name}" for name in ("thumb", "320", "640", "1080", "1440")})
            rows.append((story_id, author, f"o/s{story_id}", variants, created, created + STORY_HOURS * HOUR_MS))
    raw.execute("BEGIN")
    raw.executemany(
        "INSERT OR IGNORE INTO stories (id, user_id, kind, status, original_key, content_type, sha256, size, width, height,"
        " placeholder, variants, created_at, expires_at)"
        " VALUES (?, ?, 'photo', 'ready', ?, 'image/jpeg', '-', 250000, 1080, 1920, 'LEHV6nWB2yPK', ?, ?, ?)", rows)
    raw.execute("COMMIT")
    return len(rows)


def _seen_marks(raw, viewers: list[int], now: int) -> int:
    if not viewers:
        return 0
    raw.execute("BEGIN")
    raw.execute("CREATE TEMP TABLE bench_viewers (id INTEGER PRIMARY KEY)")
    raw.executemany("INSERT INTO bench_viewers (id) VALUES (?)", [(v,) for v in viewers])
    raw.execute(
        "INSERT OR IGNORE INTO story_views (story_id, viewer_id, seen_at) SELECT s.id, f.follower_id, ? FROM bench_viewers b"
        " JOIN follows f ON f.follower_id = b.id JOIN stories s ON s.user_id = f.followee_id WHERE s.id % 2 = 0", (now,))
    raw.execute("UPDATE stories SET view_count = (SELECT COUNT(*) FROM story_views v WHERE v.story_id = stories.id)"
                " WHERE id IN (SELECT story_id FROM story_views)")
    raw.execute("COMMIT")
    return raw.execute("SELECT COUNT(*) FROM story_views").fetchone()[0]


def _likes(raw, rng: random.Random, user_ids: list[int], recent: list[int], now: int, viewers: list[int]) -> int:
    popularity = list(recent)
    rng.shuffle(popularity)
    cum = dataset.zipf_cum_weights(len(popularity), LIKE_ZIPF)
    rows = set()
    likers = list(dict.fromkeys([*viewers, *rng.sample(user_ids, LIKERS)]))[:max(LIKERS, len(viewers))]
    for liker in likers:
        for post_id in rng.choices(popularity, cum_weights=cum, k=LIKES_PER_LIKER):
            rows.add((post_id, liker, now - rng.randrange(LIKE_DAYS * DAY_MS)))
    raw.execute("BEGIN")
    raw.executemany("INSERT OR IGNORE INTO likes (post_id, user_id, created_at) VALUES (?, ?, ?)", sorted(rows))
    raw.execute("UPDATE posts SET like_count = (SELECT COUNT(*) FROM likes l WHERE l.post_id = posts.id)"
                " WHERE id IN (SELECT post_id FROM likes)")
    raw.execute("COMMIT")
    return raw.execute("SELECT COUNT(*) FROM likes").fetchone()[0]


def _comments(raw, rng: random.Random, user_ids: list[int], recent: list[int], now: int) -> int:
    commented = rng.choices(recent[-len(recent) // 4:], k=COMMENTS)  # the newest quarter of the week's posts
    rows = [(id_for_time((now - rng.randrange(DAY_MS)) / 1000) | index, post_id, rng.choice(user_ids), "nice", now)
            for index, post_id in enumerate(commented)]
    raw.execute("BEGIN")
    raw.executemany("INSERT OR IGNORE INTO comments (id, post_id, user_id, text, created_at) VALUES (?, ?, ?, ?, ?)", rows)
    raw.execute("UPDATE posts SET comment_count = (SELECT COUNT(*) FROM comments c WHERE c.post_id = posts.id)"
                " WHERE id IN (SELECT post_id FROM comments)")
    raw.execute("COMMIT")
    return len(rows)


def _tags(raw, rng: random.Random, now: int) -> int:
    since = id_for_time((now - TAG_DAYS * DAY_MS) / 1000)
    posts = [row[0] for row in raw.execute("SELECT id FROM posts WHERE id > ?", (since,))]
    chosen = rng.sample(posts, min(TAGGED_POSTS, len(posts)))
    cum = dataset.zipf_cum_weights(TAGS, 1.0)
    rows = [(f"tag{rng.choices(range(TAGS), cum_weights=cum)[0]}", post_id) for post_id in chosen]
    raw.execute("BEGIN")
    raw.executemany("INSERT OR IGNORE INTO post_hashtags (tag, post_id) VALUES (?, ?)", rows)
    raw.execute("INSERT OR REPLACE INTO hashtags (tag, post_count) SELECT tag, COUNT(*) FROM post_hashtags GROUP BY tag")
    raw.execute("COMMIT")
    return len(rows)


if __name__ == "__main__":
    from bench.stories.run import viewer_ids

    print(json.dumps(build(viewers=viewer_ids()), indent=2))
