"""The Database contract: every store (SQLite, PostgreSQL) keeps the promises services rely on.

Units of work are atomic, a failed unit leaves nothing behind, uniqueness and foreign keys surface
as ``IntegrityError``, after-commit callbacks run only for committed units, concurrent writers never
lose an update, a read sees one snapshot, rows read the same way, and text orders the same way.
PostgreSQL tests need a server (tests/services.py says how they skip or fail).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest

from server.stores.base import IntegrityError
from server.stores.schema import MIGRATIONS

STORES = ["sqlite", "postgres"]


@contextlib.contextmanager
def store_url(kind: str, tmp_path):
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path}/contract.db"
        return
    from tests.backends.postgres import fresh_postgres

    with fresh_postgres() as overrides:
        yield overrides["database_url"]


def make_database(url: str, pool_size: int = 4):
    """Tests make a handful of concurrent calls: a small pool opens faster."""
    if url.startswith("sqlite:"):
        from server.stores.sqlite import SQLiteDatabase

        return SQLiteDatabase(url, synchronous="normal")
    from server.stores.postgres import PostgresDatabase

    return PostgresDatabase(url, pool_size=pool_size)


@pytest.fixture(params=STORES)
def url(request, tmp_path):
    with store_url(request.param, tmp_path) as value:
        yield value


@pytest.fixture
def postgres_url(tmp_path):
    """For what only PostgreSQL has: concurrent writers that race, and connections that can drop."""
    with store_url("postgres", tmp_path) as value:
        yield value


@pytest.fixture
async def db(url):
    database = make_database(url)
    await database.open()
    yield database
    await database.close()


def add_user(user_id: int, username: str | None = None):
    def unit(conn):
        conn.execute(
            "INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, 'x', 0)",
            (user_id, username or f"u{user_id}"),
        )
        return user_id

    return unit


async def usernames(db) -> list[str]:
    return await db.read(lambda conn: [row[0] for row in conn.fetch_all("SELECT username FROM users ORDER BY id")])


# -- schema ------------------------------------------------------------------------------------
async def test_migrations_are_recorded_once_and_reopening_applies_nothing(db, url):
    names = await db.read(lambda conn: [row["name"] for row in conn.fetch_all("SELECT name FROM _migrations ORDER BY name")])
    assert names == sorted(name for name, _ in MIGRATIONS)
    await db.write(add_user(1))
    again = make_database(url)
    await again.open()
    try:
        assert await again.read(lambda conn: conn.fetch_val("SELECT COUNT(*) FROM _migrations")) == len(MIGRATIONS)
        assert await usernames(again) == ["u1"]
    finally:
        await again.close()


async def test_processes_starting_together_migrate_once(url):
    """Several processes opening one fresh database at once (PostgreSQL serialises them with a lock)."""
    databases = [make_database(url) for _ in range(3)]
    await asyncio.gather(*(database.open() for database in databases))
    try:
        count = await databases[0].read(lambda conn: conn.fetch_val("SELECT COUNT(*) FROM _migrations"))
        assert count == len(MIGRATIONS)
    finally:
        await asyncio.gather(*(database.close() for database in databases))


# -- atomic units ------------------------------------------------------------------------------
async def test_a_failing_unit_leaves_nothing_and_its_neighbours_commit(db):
    def half_then_fail(conn):
        conn.execute("INSERT INTO users (id, username, password_hash, created_at) VALUES (10, 'ten', 'x', 0)")
        raise ValueError("boom")

    outcomes = await asyncio.gather(db.write(add_user(1)), db.write(half_then_fail), db.write(add_user(2)), return_exceptions=True)
    assert outcomes[0] == 1 and outcomes[2] == 2
    assert isinstance(outcomes[1], ValueError)
    assert await usernames(db) == ["u1", "u2"]


async def test_uniqueness_and_foreign_keys_surface_as_integrity_error(db):
    await db.write(add_user(1))
    with pytest.raises(IntegrityError):
        await db.write(add_user(1))  # primary key
    with pytest.raises(IntegrityError):
        await db.write(add_user(2, "u1"))  # unique username
    with pytest.raises(IntegrityError):
        await db.write(lambda conn: conn.execute(
            "INSERT INTO posts (id, user_id, caption, created_at) VALUES (1, 999, '', 0)"))  # no such user
    assert await usernames(db) == ["u1"]


async def test_an_integrity_error_undoes_the_whole_unit(db):
    await db.write(add_user(1))

    def insert_then_collide(conn):
        conn.execute("INSERT INTO users (id, username, password_hash, created_at) VALUES (2, 'two', 'x', 0)")
        add_user(1)(conn)

    with pytest.raises(IntegrityError):
        await db.write(insert_then_collide)
    assert await usernames(db) == ["u1"]


async def test_after_commit_callbacks_run_only_for_committed_units(db):
    seen = []

    def good(conn):
        conn.after_commit(lambda: seen.append("good"))
        add_user(1)(conn)

    def bad(conn):
        conn.after_commit(lambda: seen.append("bad"))
        add_user(2)(conn)
        raise ValueError("rolled back")

    def collides(conn):
        conn.after_commit(lambda: seen.append("collides"))
        add_user(1)(conn)

    await asyncio.gather(db.write(good), return_exceptions=True)
    await asyncio.gather(db.write(bad), db.write(collides), return_exceptions=True)
    assert seen == ["good"]


async def test_a_committed_unit_is_visible_when_its_callback_runs(db, url):
    observed = []

    def unit(conn):
        add_user(5)(conn)
        conn.after_commit(lambda: observed.append(True))

    await db.write(unit)
    assert observed == [True]
    assert await usernames(db) == ["u5"]


# -- concurrency -------------------------------------------------------------------------------
async def test_concurrent_read_modify_write_units_never_lose_an_update(db):
    """A unit that reads a value and writes it back plus one: SQLite's single writer makes that safe,
    and PostgreSQL must too (SERIALIZABLE, retried), or a counter would silently lose increments."""
    await db.write(add_user(1))

    def increment(conn):
        value = conn.fetch_val("SELECT follower_count FROM users WHERE id = 1")
        conn.execute("UPDATE users SET follower_count = ? WHERE id = 1", (value + 1,))

    await asyncio.gather(*(db.write(increment) for _ in range(150)))
    assert await db.read(lambda conn: conn.fetch_val("SELECT follower_count FROM users WHERE id = 1")) == 150


async def test_concurrent_counter_updates_and_inserts_all_land(db):
    await db.write(add_user(1))

    def like(user_id):
        def unit(conn):
            add_user(user_id)(conn)
            conn.execute("UPDATE users SET following_count = following_count + 1 WHERE id = 1")
        return unit

    await asyncio.gather(*(db.write(like(user_id)) for user_id in range(2, 402)))
    counts = await db.read(lambda conn: conn.fetch_one(
        "SELECT (SELECT COUNT(*) FROM users) AS users, following_count FROM users WHERE id = 1"))
    assert (counts["users"], counts["following_count"]) == (401, 400)


async def test_many_concurrent_writers(db):
    results = await asyncio.gather(*(db.write(add_user(user_id)) for user_id in range(1, 1001)))
    assert sorted(results) == list(range(1, 1001))
    assert await db.read(lambda conn: conn.fetch_val("SELECT COUNT(*) FROM users")) == 1000


async def test_a_read_unit_sees_one_snapshot_and_later_reads_see_the_commit(db):
    await db.write(add_user(1))
    first_read_done = threading.Event()
    write_committed = threading.Event()

    def read_twice(conn):
        before = conn.fetch_val("SELECT COUNT(*) FROM users")
        first_read_done.set()
        write_committed.wait(10)
        return before, conn.fetch_val("SELECT COUNT(*) FROM users")

    reading = asyncio.ensure_future(db.read(read_twice))
    await asyncio.get_running_loop().run_in_executor(None, first_read_done.wait, 10)
    await db.write(add_user(2))
    write_committed.set()
    assert await reading == (1, 1)
    assert await db.read(lambda conn: conn.fetch_val("SELECT COUNT(*) FROM users")) == 2


async def test_job_queues_in_two_processes_never_claim_the_same_job(db):
    from server.jobs.database import DatabaseJobQueue

    first, second = DatabaseJobQueue(db), DatabaseJobQueue(db)
    second.identity = "another-host:1:1"  # as if a second process
    for n in range(60):
        await first.enqueue("work", {"n": n})
    claims = await asyncio.gather(*(queue.claim(5) for _ in range(8) for queue in (first, second)))
    claimed = [job.id for batch in claims for job in batch]
    assert len(claimed) == len(set(claimed)) == 60


async def test_crashed_workers_jobs_on_this_host_are_requeued_and_no_others(db):
    from server.jobs.database import HOST, DatabaseJobQueue

    queue = DatabaseJobQueue(db)
    dead, elsewhere, alive = [await queue.enqueue("work", {"n": n}) for n in range(3)]
    holders = {dead: f"{HOST}:999999999:1", elsewhere: f"{HOST}x:999999999:1", alive: queue.identity}
    await db.write(lambda conn: [conn.execute(
        "UPDATE jobs SET status = 'running', locked_by = ?, locked_until = ? WHERE id = ?", (holder, 1 << 62, job_id))
        for job_id, holder in holders.items()])
    assert await queue.recover_orphans() == 1
    statuses = await db.read(lambda conn: {row[0]: row[1] for row in conn.fetch_all("SELECT id, status FROM jobs")})
    assert statuses == {dead: "queued", elsewhere: "running", alive: "running"}


# -- rows, parameters and types ----------------------------------------------------------------
async def test_rows_read_by_name_and_position(db):
    await db.write(add_user(7))
    row = await db.read(lambda conn: conn.fetch_one("SELECT id, username AS name FROM users WHERE id = ?", (7,)))
    assert (row["id"], row["name"], row[0], row[1], len(row), tuple(row)) == (7, "u7", 7, "u7", 2, (7, "u7"))
    assert await db.read(lambda conn: conn.fetch_one("SELECT id FROM users WHERE id = ?", (8,))) is None
    assert await db.read(lambda conn: conn.fetch_val("SELECT id FROM users WHERE id = ?", (8,))) is None
    assert await db.read(lambda conn: conn.fetch_all("SELECT id FROM users WHERE id > ?", (100,))) == []


async def test_execute_counts_changed_rows_and_executemany_inserts_all(db):
    await db.write(lambda conn: conn.executemany(
        "INSERT INTO users (id, username, password_hash, created_at) VALUES (?, ?, 'x', 0)", [(n, f"u{n}") for n in range(1, 6)]))
    changed = await db.write(lambda conn: conn.execute("UPDATE users SET bio = 'hi' WHERE id <= ?", (3,)))
    assert changed == 3
    returned = await db.write(lambda conn: conn.fetch_val(
        "UPDATE users SET post_count = post_count + ? WHERE id = ? RETURNING post_count", (4, 2)))
    assert returned == 4


async def test_question_marks_and_percent_signs_in_literals_are_text(db):
    row = await db.read(lambda conn: conn.fetch_one("SELECT '100%' AS a, 'why?' AS b, ? AS c", ("50%?",)))
    assert (row["a"], row["b"], row["c"]) == ("100%", "why?", "50%?")
    await db.write(add_user(1, "a%b"))
    found = await db.read(lambda conn: conn.fetch_val("SELECT id FROM users WHERE username = 'a%b' AND id = ?", (1,)))
    assert found == 1


async def test_booleans_are_stored_as_integers_and_ids_use_64_bits(db):
    big = (1 << 63) - 1

    def unit(conn):
        conn.execute("INSERT INTO users (id, username, password_hash, is_admin, is_private, created_at) VALUES (?, 'big', 'x', ?, ?, ?)",
                     (big, True, False, 1_767_225_600_000))

    await db.write(unit)
    row = await db.read(lambda conn: conn.fetch_one("SELECT id, is_admin, is_private, created_at FROM users"))
    assert (row["id"], row["is_admin"], row["is_private"], row["created_at"]) == (big, 1, 0, 1_767_225_600_000)
    assert type(row["is_admin"]) is int
    count = await db.read(lambda conn: conn.fetch_val("SELECT COUNT(*) FROM users WHERE is_admin = ?", (True,)))
    assert count == 1 and type(count) is int


async def test_aggregates_come_back_as_plain_numbers(db):
    """PostgreSQL's SUM of integers is numeric (a Decimal); SQLite gives an int, and a float for AVG."""
    for user_id in (1, 2):
        await db.write(add_user(user_id))
    await db.write(lambda conn: conn.execute("UPDATE users SET post_count = id * 3"))
    row = await db.read(lambda conn: conn.fetch_one(
        "SELECT SUM(post_count) AS total, AVG(post_count) AS mean, COALESCE(SUM(post_count), 0) AS safe FROM users"))
    assert (row["total"], row["mean"], row["safe"]) == (9, 4.5, 9)
    assert (type(row["total"]), type(row["mean"]), type(row["safe"])) == (int, float, int)


async def test_text_orders_by_code_point_like_sqlite(db):
    """Prefix search is a range scan (``>= prefix AND < next``): both stores must order text the same."""
    names = ["b", "B", "a", "_x", "zz", "Z", "é", "ab", "a.b", "日本"]
    for user_id, name in enumerate(names, start=1):
        await db.write(add_user(user_id, name))
    ordered = await db.read(lambda conn: [row[0] for row in conn.fetch_all("SELECT username FROM users ORDER BY username")])
    assert ordered == sorted(names)
    in_range = await db.read(lambda conn: [row[0] for row in conn.fetch_all(
        "SELECT username FROM users WHERE username >= ? AND username < ? ORDER BY username", ("a", "b"))])
    assert in_range == ["a", "a.b", "ab"]


async def test_ping(db):
    await db.ping()


# -- PostgreSQL only: racing writers, lost connections --------------------------------------------------------------
async def test_a_unit_that_loses_a_race_runs_again_and_its_callbacks_run_once(postgres_url):
    db = make_database(postgres_url)
    await db.open()
    attempts, callbacks = [], []

    def unit(conn):
        attempts.append(1)
        conn.after_commit(lambda: callbacks.append(1))
        add_user(len(attempts))(conn)
        if len(attempts) < 3:  # what PostgreSQL raises when a concurrent unit won
            conn.execute("DO $$ BEGIN RAISE EXCEPTION 'lost' USING ERRCODE = 'serialization_failure'; END $$")
        return len(attempts)

    try:
        assert await db.write(unit) == 3
        assert callbacks == [1]
        assert await usernames(db) == ["u3"]
    finally:
        await db.close()


async def test_a_unit_that_keeps_losing_runs_alone_and_commits(postgres_url):
    from server.stores.postgres import SHARED_ATTEMPTS

    db = make_database(postgres_url)
    await db.open()
    gate_modes = []

    def unit(conn):
        gate_modes.append([row[0] for row in conn.fetch_all(
            "SELECT mode FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted")])
        if len(gate_modes) <= SHARED_ATTEMPTS:
            conn.execute("DO $$ BEGIN RAISE EXCEPTION 'lost' USING ERRCODE = 'serialization_failure'; END $$")
        add_user(1)(conn)

    try:
        await db.write(unit)
        # Alongside other writers (a shared hold on the write gate) until it has lost enough, then alone.
        assert gate_modes == [["ShareLock"]] * SHARED_ATTEMPTS + [["ExclusiveLock"]]
        assert await usernames(db) == ["u1"]
        await db.write(add_user(2))  # the gate was opened again
    finally:
        await db.close()


async def test_a_connection_lost_mid_unit_is_replaced_and_the_unit_runs_again(postgres_url):
    """What a PostgreSQL restart or a dropped network link looks like to the next unit on a pooled connection."""
    db = make_database(postgres_url)
    await db.open()
    attempts = []

    def unit(conn):
        attempts.append(1)
        add_user(len(attempts))(conn)
        if len(attempts) == 1:
            conn.fetch_val("SELECT pg_terminate_backend(pg_backend_pid())")
        return len(attempts)

    try:
        assert await db.write(unit) == 2
        assert await usernames(db) == ["u2"]
    finally:
        await db.close()


async def test_a_unit_that_carries_on_after_a_failed_statement_is_refused_whole(postgres_url):
    """SQLite would keep the unit's other rows; PostgreSQL has aborted the transaction, so nothing may commit."""
    from server.stores.postgres import UnitAborted

    db = make_database(postgres_url)
    await db.open()

    def swallow(conn):
        add_user(2)(conn)
        try:
            add_user(1)(conn)
        except IntegrityError:
            pass  # wrong: the unit goes on as if nothing happened

    try:
        await db.write(add_user(1))
        with pytest.raises(UnitAborted):
            await db.write(swallow)
        assert await usernames(db) == ["u1"]
    finally:
        await db.close()
