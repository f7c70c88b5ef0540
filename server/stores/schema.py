"""The schema and its migrations, applied in order and recorded in ``_migrations`` (via sqlite-utils).

Statements are written once in a portable subset of SQL: integer columns hold 64-bit ids and Unix
milliseconds, booleans are 0/1 integers. ``WITHOUT ROWID`` is a SQLite storage hint that other
dialects drop. A migration never changes after it has shipped; new changes get a new migration.
"""

from __future__ import annotations

import sqlite3

import sqlite_utils

from ..clock import now_ms

MIGRATIONS: list[tuple[str, list[str]]] = [
    (
        "0001_initial",
        [
            """CREATE TABLE users (
                id INTEGER PRIMARY KEY,
                username TEXT NOT NULL UNIQUE,
                password_hash TEXT NOT NULL,
                display_name TEXT NOT NULL DEFAULT '',
                bio TEXT NOT NULL DEFAULT '',
                avatar_key TEXT,
                is_private INTEGER NOT NULL DEFAULT 0,
                is_admin INTEGER NOT NULL DEFAULT 0,
                is_disabled INTEGER NOT NULL DEFAULT 0,
                follower_count INTEGER NOT NULL DEFAULT 0,
                following_count INTEGER NOT NULL DEFAULT 0,
                post_count INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL
            )""",
            """CREATE TABLE tokens (
                token_hash TEXT PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at INTEGER NOT NULL
            )""",
            "CREATE INDEX tokens_user ON tokens (user_id)",
            """CREATE TABLE invites (
                code_hash TEXT PRIMARY KEY,
                created_by INTEGER,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                used_by INTEGER,
                used_at INTEGER
            )""",
            """CREATE TABLE posts (
                id INTEGER PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                caption TEXT NOT NULL DEFAULT '',
                like_count INTEGER NOT NULL DEFAULT 0,
                comment_count INTEGER NOT NULL DEFAULT 0,
                idempotency_key TEXT,
                created_at INTEGER NOT NULL
            )""",
            "CREATE INDEX posts_user ON posts (user_id, id)",
            "CREATE UNIQUE INDEX posts_idempotency ON posts (user_id, idempotency_key)",
            """CREATE TABLE media (
                id INTEGER PRIMARY KEY,
                post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
                user_id INTEGER NOT NULL,
                position INTEGER NOT NULL,
                kind TEXT NOT NULL,
                status TEXT NOT NULL,
                original_key TEXT NOT NULL,
                content_type TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                size INTEGER NOT NULL,
                width INTEGER,
                height INTEGER,
                duration_ms INTEGER,
                alt_text TEXT NOT NULL DEFAULT '',
                placeholder TEXT,
                variants TEXT NOT NULL DEFAULT '{}',
                failure_reason TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            )""",
            "CREATE INDEX media_post ON media (post_id, position)",
            "CREATE INDEX media_user_sha ON media (user_id, sha256)",
            """CREATE TABLE follows (
                follower_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                followee_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (follower_id, followee_id)
            ) WITHOUT ROWID""",
            "CREATE INDEX follows_followee ON follows (followee_id, follower_id)",
            """CREATE TABLE follow_requests (
                requester_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                target_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (requester_id, target_id)
            ) WITHOUT ROWID""",
            "CREATE INDEX follow_requests_target ON follow_requests (target_id, created_at)",
            """CREATE TABLE likes (
                post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (post_id, user_id)
            ) WITHOUT ROWID""",
            "CREATE INDEX likes_user ON likes (user_id, post_id)",
            """CREATE TABLE comments (
                id INTEGER PRIMARY KEY,
                post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                text TEXT NOT NULL,
                created_at INTEGER NOT NULL
            )""",
            "CREATE INDEX comments_post ON comments (post_id, id)",
            "CREATE INDEX comments_user ON comments (user_id)",
            """CREATE TABLE saves (
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
                save_id INTEGER NOT NULL,
                PRIMARY KEY (user_id, post_id)
            ) WITHOUT ROWID""",
            "CREATE UNIQUE INDEX saves_user_order ON saves (user_id, save_id)",
            "CREATE INDEX saves_post ON saves (post_id)",
            """CREATE TABLE hashtags (
                tag TEXT PRIMARY KEY,
                post_count INTEGER NOT NULL DEFAULT 0
            ) WITHOUT ROWID""",
            """CREATE TABLE post_hashtags (
                tag TEXT NOT NULL,
                post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
                PRIMARY KEY (tag, post_id)
            ) WITHOUT ROWID""",
            "CREATE INDEX post_hashtags_post ON post_hashtags (post_id)",
            """CREATE TABLE notifications (
                id INTEGER PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                type TEXT NOT NULL,
                actor_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                post_id INTEGER REFERENCES posts(id) ON DELETE CASCADE,
                comment_id INTEGER,
                is_read INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL
            )""",
            "CREATE INDEX notifications_user ON notifications (user_id, id)",
            "CREATE INDEX notifications_unread ON notifications (user_id, is_read)",
            "CREATE INDEX notifications_actor ON notifications (actor_id)",
            """CREATE TABLE jobs (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                priority INTEGER NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                max_attempts INTEGER NOT NULL,
                run_at INTEGER NOT NULL,
                locked_until INTEGER,
                locked_by TEXT,
                last_error TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            )""",
            "CREATE INDEX jobs_ready ON jobs (status, priority, run_at, id)",
            """CREATE TABLE blob_refs (
                blob_key TEXT NOT NULL,
                media_id INTEGER NOT NULL,
                PRIMARY KEY (blob_key, media_id)
            ) WITHOUT ROWID""",
            "CREATE INDEX blob_refs_media ON blob_refs (media_id)",
        ],
    ),
    (
        "0002_followers_by_time",
        [
            # Follower lists are newest first; without this a popular account's list sorts every follower per page.
            "CREATE INDEX follows_followee_time ON follows (followee_id, created_at)",
        ],
    ),
    (
        "0003_direct_uploads",
        [
            # A direct upload: reserved by POST /uploads, filled by a signed PUT, consumed by POST /posts.
            """CREATE TABLE uploads (
                id INTEGER PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                content_type TEXT NOT NULL,
                declared_size INTEGER NOT NULL,
                declared_sha256 TEXT,
                status TEXT NOT NULL,
                kind TEXT,
                sha256 TEXT,
                size INTEGER,
                original_key TEXT,
                width INTEGER,
                height INTEGER,
                expires_at INTEGER NOT NULL,
                created_at INTEGER NOT NULL
            )""",
            "CREATE INDEX uploads_user ON uploads (user_id, status)",
            "CREATE INDEX uploads_expiry ON uploads (status, expires_at)",
        ],
    ),
    (
        "0004_likes_by_time",
        [
            # "Who liked this" lists newest first; without this a popular post sorts every like per page.
            "CREATE INDEX likes_post_time ON likes (post_id, created_at, user_id)",
        ],
    ),
    (
        "0005_notifications_by_post",
        [
            # Deleting a post cascades to its notifications; without this every post deletion (and an
            # account's, post by post) reads the whole notifications table, on SQLite and PostgreSQL alike.
            "CREATE INDEX notifications_post ON notifications (post_id)",
        ],
    ),
    (
        "0006_id_shards",
        [
            # Each running process leases a shard of the id space, so ids made at the same millisecond
            # by different processes (servers, workers, admin commands) can never collide.
            """CREATE TABLE id_shards (
                shard INTEGER PRIMARY KEY,
                holder TEXT NOT NULL,
                expires_at INTEGER NOT NULL
            )""",
        ],
    ),
    (
        "0007_setup_codes",
        [
            # The one-time code `photoshare serve` prints while no account exists; only a registration
            # carrying it may create the first account, the admin. The used row stays as the mark that
            # setup happened, so a server whose accounts were all deleted is not claimable by anyone.
            """CREATE TABLE setup_codes (
                code_hash TEXT PRIMARY KEY,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                used_by INTEGER,
                used_at INTEGER
            )""",
        ],
    ),
    (
        "0008_media_processing",
        [
            # Feeds show a post once none of its media is still processing; the check runs for every
            # candidate of a timeline rebuild. A partial index holds only the few media being processed,
            # so the check is a seek into a nearly empty index instead of a read of each media row.
            "CREATE INDEX media_processing ON media (post_id) WHERE status = 'processing'",
        ],
    ),
    (
        "0009_published_at",
        [
            # A post is shown to others from the moment the fan-out has delivered it to its author's
            # followers (server/timelines/manager.py), so "ready" never comes before "in the feed". The
            # fan-out job sets this; posts whose media had all finished before it existed count as published
            # when they were made.
            "ALTER TABLE posts ADD COLUMN published_at INTEGER",
            "UPDATE posts SET published_at = created_at WHERE NOT EXISTS"
            " (SELECT 1 FROM media m WHERE m.post_id = posts.id AND m.status = 'processing')",
        ],
    ),
    (
        "0010_safety",
        [
            # Blocks and mutes (services/safety.py; the visibility rule in repos/access.py reads blocks
            # both ways). A block is one row per direction it was asked in; each side's index answers
            # "does either block the other" with two seeks.
            """CREATE TABLE blocks (
                blocker_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                blocked_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (blocker_id, blocked_id)
            ) WITHOUT ROWID""",
            "CREATE INDEX blocks_blocked ON blocks (blocked_id, blocker_id)",
            "CREATE INDEX blocks_by_time ON blocks (blocker_id, created_at)",
            """CREATE TABLE mutes (
                muter_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                muted_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at INTEGER NOT NULL,
                PRIMARY KEY (muter_id, muted_id)
            ) WITHOUT ROWID""",
            "CREATE INDEX mutes_muted ON mutes (muted_id, muter_id)",
            "CREATE INDEX mutes_by_time ON mutes (muter_id, created_at)",
            # Hidden by reports until a moderator reviews them: shown only to their author (and, opened
            # one by one, to moderators).
            "ALTER TABLE posts ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE comments ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE users ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0",
            # Roles: user, moderator, admin. ``is_admin`` stays in step (older tools read it). The first
            # account is the admin: on an existing server, the earliest account becomes one.
            "ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user'",
            "UPDATE users SET role = 'admin' WHERE is_admin = 1",
            "UPDATE users SET role = 'admin', is_admin = 1 WHERE id = (SELECT id FROM users ORDER BY created_at, id LIMIT 1)",
            # A password set by an admin's reset works once; the account is then asked to pick its own.
            "ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0",
            # Reports: one case per target while it is open (the queue's row), one entry per reporter.
            """CREATE TABLE reports (
                id INTEGER PRIMARY KEY,
                target_type TEXT NOT NULL,
                target_id INTEGER NOT NULL,
                owner_id INTEGER,
                status TEXT NOT NULL,
                hidden INTEGER NOT NULL DEFAULT 0,
                reporter_count INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL,
                resolved_at INTEGER,
                resolved_by INTEGER,
                action TEXT,
                resolution_note TEXT
            )""",
            "CREATE UNIQUE INDEX reports_open_target ON reports (target_type, target_id) WHERE status = 'open'",
            "CREATE INDEX reports_status ON reports (status, id)",
            """CREATE TABLE report_entries (
                report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
                reporter_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                target_type TEXT NOT NULL,
                target_id INTEGER NOT NULL,
                reason TEXT NOT NULL,
                note TEXT NOT NULL DEFAULT '',
                created_at INTEGER NOT NULL,
                PRIMARY KEY (report_id, reporter_id)
            ) WITHOUT ROWID""",
            # Someone reports a given thing once, ever: a dismissed report cannot be filed again to re-hide it.
            "CREATE UNIQUE INDEX report_entries_once ON report_entries (target_type, target_id, reporter_id)",
            "CREATE INDEX report_entries_reporter ON report_entries (reporter_id)",
            # Every moderation and admin decision: who, when, what, on what.
            """CREATE TABLE audit_log (
                id INTEGER PRIMARY KEY,
                actor_id INTEGER,
                actor_name TEXT NOT NULL,
                action TEXT NOT NULL,
                target_type TEXT,
                target_id INTEGER,
                detail TEXT NOT NULL DEFAULT '{}',
                created_at INTEGER NOT NULL
            )""",
            # Notifications that carry more than a post (a report's outcome).
            "ALTER TABLE notifications ADD COLUMN detail TEXT",
        ],
    ),
    (
        "0011_stories_explore",
        [
            # A story: one photo or video shown for story_hours (PHOTOSHARE_STORY_HOURS), then kept in its
            # author's archive only. Its medium lives in the row (stories are never carousels); its files are
            # referenced from blob_refs under the story's own id, as a post's medium is under the media id.
            """CREATE TABLE stories (
                id INTEGER PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                caption TEXT NOT NULL DEFAULT '',
                kind TEXT NOT NULL,
                status TEXT NOT NULL,
                original_key TEXT NOT NULL,
                content_type TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                size INTEGER NOT NULL,
                width INTEGER,
                height INTEGER,
                duration_ms INTEGER,
                placeholder TEXT,
                variants TEXT NOT NULL DEFAULT '{}',
                failure_reason TEXT,
                view_count INTEGER NOT NULL DEFAULT 0,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL
            )""",
            # An author's active stories (expires_at above now) for the tray and the viewer, and the archive by id.
            "CREATE INDEX stories_active ON stories (user_id, expires_at)",
            "CREATE INDEX stories_user ON stories (user_id, id)",
            "CREATE INDEX stories_expiry ON stories (expires_at)",
            """CREATE TABLE story_views (
                story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
                viewer_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                seen_at INTEGER NOT NULL,
                PRIMARY KEY (story_id, viewer_id)
            ) WITHOUT ROWID""",
            # The viewers list, newest first; and a viewer's seen marks for the tray's rings.
            "CREATE INDEX story_views_time ON story_views (story_id, seen_at, viewer_id)",
            "CREATE INDEX story_views_viewer ON story_views (viewer_id, story_id)",
            # Explore's "popular lately" and co-engagement candidates read likes and comments by time.
            "CREATE INDEX likes_user_time ON likes (user_id, created_at)",
            "CREATE INDEX comments_user_time ON comments (user_id, created_at)",
        ],
    ),
    (
        "0012_sharing",
        [
            # PATCH /posts/{id}: when the caption or an alt text last changed (NULL: never edited).
            "ALTER TABLE posts ADD COLUMN edited_at INTEGER",
            # Albums: the owner is a member row too (role 'owner'), so "who is in it" is one table.
            """CREATE TABLE albums (
                id INTEGER PRIMARY KEY,
                owner_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                title TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            )""",
            """CREATE TABLE album_members (
                album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                role TEXT NOT NULL,
                joined_at INTEGER NOT NULL,
                PRIMARY KEY (album_id, user_id)
            ) WITHOUT ROWID""",
            "CREATE INDEX album_members_user ON album_members (user_id, album_id)",
            # An item is a post shown in an album; deleting the album deletes items, never posts.
            """CREATE TABLE album_items (
                id INTEGER PRIMARY KEY,
                album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
                post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
                added_by INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at INTEGER NOT NULL
            )""",
            "CREATE UNIQUE INDEX album_items_post ON album_items (album_id, post_id)",
            "CREATE INDEX album_items_page ON album_items (album_id, id)",
            "CREATE INDEX album_items_by_post ON album_items (post_id)",
            "CREATE INDEX album_items_by_adder ON album_items (added_by)",
            # Share links: the token itself is kept (its owner may copy the link again from the list);
            # it reaches only what it names, until it expires or is revoked.
            """CREATE TABLE share_links (
                id INTEGER PRIMARY KEY,
                token TEXT NOT NULL UNIQUE,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                target_type TEXT NOT NULL,
                target_id INTEGER NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NOT NULL,
                revoked_at INTEGER
            )""",
            "CREATE INDEX share_links_user ON share_links (user_id, id)",
            "CREATE INDEX share_links_target ON share_links (target_type, target_id)",
            # Album notifications (album_invite, album_item) name their album; album_item counts what one
            # adder added in one batch ("Mum added 12 photos to Summer 2026").
            "ALTER TABLE notifications ADD COLUMN album_id INTEGER",
            "ALTER TABLE notifications ADD COLUMN item_count INTEGER",
            "CREATE INDEX notifications_album ON notifications (album_id)",
        ],
    ),
    (
        "0013_tus_uploads",
        [
            # A resumable (tus 1.0) upload: its bytes arrive in PATCHes at a recorded offset. It shares its id
            # with an ``uploads`` row (pending until the bytes are checked), so POST /posts takes it like a
            # direct upload. ``parts`` lists the S3 multipart parts already stored (JSON); ``locked_by`` is the
            # request writing it now (process identity and a token), held until ``locked_until``.
            """CREATE TABLE tus_uploads (
                id INTEGER PRIMARY KEY REFERENCES uploads(id) ON DELETE CASCADE,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                length INTEGER NOT NULL,
                received INTEGER NOT NULL,
                metadata TEXT NOT NULL,
                state TEXT NOT NULL,
                multipart_id TEXT,
                parts TEXT NOT NULL,
                parts_bytes INTEGER NOT NULL,
                idempotency_key TEXT,
                locked_by TEXT,
                locked_until INTEGER,
                expires_at INTEGER NOT NULL,
                created_at INTEGER NOT NULL
            )""",
            "CREATE UNIQUE INDEX tus_uploads_key ON tus_uploads (user_id, idempotency_key)",
            "CREATE INDEX tus_uploads_expiry ON tus_uploads (state, expires_at)",
        ],
    ),
    (
        "0014_exports",
        [
            # A copy of an account's data (POST /me/export): built by the ``build_export`` job into a zip at
            # ``blob_key``; ``done_items`` of ``total_items`` is its progress. Removed when it expires or with the account.
            """CREATE TABLE exports (
                id INTEGER PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                status TEXT NOT NULL,
                done_items INTEGER NOT NULL DEFAULT 0,
                total_items INTEGER NOT NULL DEFAULT 0,
                blob_key TEXT,
                size INTEGER,
                error TEXT,
                created_at INTEGER NOT NULL,
                finished_at INTEGER,
                expires_at INTEGER
            )""",
            "CREATE INDEX exports_user ON exports (user_id, id)",
        ],
    ),
]


def migrate(raw: sqlite3.Connection) -> list[str]:
    """Apply every migration not yet recorded; return the names applied."""
    db = sqlite_utils.Database(raw)
    if "_migrations" not in db.table_names():
        # Inside BEGIN IMMEDIATE: processes opening a new file together wait their turn (busy_timeout)
        # instead of failing with "database is locked" when their transactions cross.
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at INTEGER)")
        raw.execute("COMMIT")
    done = {row["name"] for row in db["_migrations"].rows}
    applied = []
    for name, statements in MIGRATIONS:
        if name in done:
            continue
        raw.execute("BEGIN IMMEDIATE")
        # Another process (a worker starting beside the server) may have applied it while we waited.
        if raw.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone() is not None:
            raw.execute("COMMIT")
            continue
        try:
            for statement in statements:
                raw.execute(statement)
            raw.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (name, now_ms()))
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
