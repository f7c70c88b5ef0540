"""Load benchmark: a realistic mix of feed reads and writes on the 100k-user dataset, stepped up until the
mix's p99 passes 100 ms, then an audit of 1,000 feeds against the database.

Example: flock /tmp/photoshare-bench.lock .venv/bin/python -m bench.load.run                    (both backends)
         flock /tmp/photoshare-bench.lock .venv/bin/python -m bench.load.run --backends embedded
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from bench.feed import dataset, pg_dataset
from bench.feed.run import chosen_backends, free_port, machine, stop, wait_until_answering
from bench.load.audit import Database, audit, wait_until_quiet
from bench.load.mix import OPERATIONS, LoadMix

HERE = Path(__file__).parent
DATA_DIR = HERE / "data"  # git-ignored: the per-run copies of the dataset, media and results
HOST = "127.0.0.1"
ACTIVE_USERS = 4_000  # users acting in the run; their timelines are warm after the warm-up
AUDIT_USERS = 1_000
P99_TARGET_MS = 100.0
MAX_ERROR_SHARE = 0.01  # a step with more failed answers than this did not hold, whatever its latency
CONCURRENCY_STEPS = (1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)
STEP_SECONDS = 15
STEPS_BUDGET_SECONDS = 200  # all steps together; the run stops stepping up when it is spent
WARM_UP_SECONDS = 60  # at most: each active user's first feed page once, so steps start from warm timelines
WARM_UP_CONCURRENCY = 8
# Posts in the warm-up: each server process starts its media worker processes on its first photo (about a
# second); a server that has been up for a while has them, so that start is kept out of the measured steps.
WARM_UP_POSTS = 12
QUIET_TIMEOUT_SECONDS = 120
AUDIT_TIMEOUT_SECONDS = 240  # 3,000 feed pages and 1,000 model reads take well under a minute here
# Everyone comes from 127.0.0.1 here, as if 4,000 people shared one address: the per-address write limit
# (600 a minute) would turn the mix's writes into 429s. The per-user limits stay as shipped.
IP_WRITE_LIMIT = "100000000"

REDIS_URL = os.environ.get("PHOTOSHARE_BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/0?prefix=photoshare-bench-load:")
# A copy of bench/feed's PostgreSQL dataset, made again for every run (the mix writes to it).
LOAD_DATABASE = "photoshare_bench_load"
# Name -> (PHOTOSHARE_* settings a deployment would set, server processes).
BACKENDS = {
    "embedded": ({}, 1),
    "redis+postgres": ({"PHOTOSHARE_REDIS_URL": REDIS_URL}, 2),  # PHOTOSHARE_DATABASE_URL added when prepared
}


# -- data ------------------------------------------------------------------------------------------------------

def fresh_sqlite_copy(target: Path) -> str:
    """A fresh data folder holding a copy of bench/feed's SQLite dataset (the mix changes it)."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    source = dataset.DATA_DIR / "photoshare.db"
    shutil.copyfile(source, target / "photoshare.db")
    wal = Path(str(source) + "-wal")
    if wal.exists() and wal.stat().st_size:
        shutil.copyfile(wal, target / "photoshare.db-wal")
    return f"sqlite:///{target / 'photoshare.db'}"


def _server_url(database: str) -> str:
    return pg_dataset.DATABASE_URL.rsplit("/", 1)[0] + "/" + database


def drop_postgres_copy() -> None:
    """Drop ``photoshare_bench_load`` — only if this benchmark made it (it holds bench/feed's marker table)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(_server_url("postgres"), autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (LOAD_DATABASE,)).fetchone():
            return
        with psycopg.connect(_server_url(LOAD_DATABASE)) as check:
            ours = check.execute("SELECT to_regclass(%s)", (pg_dataset.MARKER_TABLE,)).fetchone()[0]
        if not ours:
            raise SystemExit(f"database {LOAD_DATABASE} exists and was not made by this benchmark: not touching it")
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(LOAD_DATABASE)))


def fresh_postgres_copy() -> str:
    """``photoshare_bench_load``: made again from bench/feed's PostgreSQL dataset (a file-level template copy)."""
    import psycopg
    from psycopg import sql

    print("PostgreSQL dataset:", json.dumps(pg_dataset.build()), flush=True)
    drop_postgres_copy()
    with psycopg.connect(_server_url("postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
            sql.Identifier(LOAD_DATABASE), sql.Identifier(pg_dataset.DATABASE_URL.rsplit("/", 1)[1])))
    return _server_url(LOAD_DATABASE)


def redis_client_and_prefix(redis_url: str):
    import redis

    from server.redislink import split_url

    url, prefix = split_url(redis_url)
    return redis.Redis.from_url(url), prefix


def forget_redis_keys(redis_url: str) -> None:
    """Drop every key under the benchmark's prefix (before a run: start cold; after: leave nothing)."""
    client, prefix = redis_client_and_prefix(redis_url)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=10_000))
        for start in range(0, len(keys), 10_000):
            client.delete(*keys[start:start + 10_000])
    finally:
        client.close()


# -- the server, started as a deployment starts it --------------------------------------------------------------

def start_serve(data_dir: Path, backend_env: dict[str, str], processes: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    args = [sys.executable, "-m", "app", "serve", "--host", HOST, "--port", str(port), "--data-dir", str(data_dir)]
    if processes > 1:
        args += ["--workers", str(processes)]
    env = {name: value for name, value in os.environ.items() if not name.startswith("PHOTOSHARE_")}
    env.update(backend_env, PHOTOSHARE_WEB_UI="false", PHOTOSHARE_LOG_LEVEL="warning",
               PHOTOSHARE_RATE_LIMIT_IP_WRITES=IP_WRITE_LIMIT)
    process = subprocess.Popen(args, cwd=HERE.parent.parent, env=env, stdout=subprocess.DEVNULL)
    wait_until_answering(process, port, "/healthz", "photoshare serve")
    return process, port


# -- one backend -------------------------------------------------------------------------------------------------

async def warm_up(mix: LoadMix) -> dict:
    """Each active user reads their first feed page once (bounded), as people who use the app do."""
    started = time.monotonic()
    queue = list(mix.users)
    async with aiohttp.ClientSession() as session:
        async def reader() -> None:
            while queue and time.monotonic() - started < WARM_UP_SECONDS:
                user_id = queue.pop()
                await mix._feed(session, None, user_id, mix.state[user_id])

        await asyncio.gather(*(reader() for _ in range(WARM_UP_CONCURRENCY)))
        # Two at a time, so that with several server processes (connections spread by the kernel) each gets some.
        for _ in range(WARM_UP_POSTS // 2):
            await asyncio.gather(mix.act(session, None, "post"), mix.act(session, None, "post"))
    return {"users": len(mix.users) - len(queue), "posts": WARM_UP_POSTS, "seconds": round(time.monotonic() - started, 1)}


def held(step: dict) -> bool:
    return step["p99_ms"] is not None and step["p99_ms"] <= P99_TARGET_MS and step["errors"] <= MAX_ERROR_SHARE * step["requests"]


async def drive(mix: LoadMix, name: str) -> dict:
    results: dict = {"warm_up": await warm_up(mix)}
    print(f"[{name}] warm-up: {results['warm_up']}", flush=True)
    steps = []
    started = time.monotonic()
    for concurrency in CONCURRENCY_STEPS:
        if time.monotonic() - started + STEP_SECONDS > STEPS_BUDGET_SECONDS:
            break
        step = (await mix.step(concurrency, STEP_SECONDS)).summary()
        steps.append(step)
        print(f"[{name}] {concurrency:>3} connections: {step['requests_per_second']:>7.1f} req/s, p50 {step['p50_ms']} ms,"
              f" p99 {step['p99_ms']} ms, errors {step['errors']}, conflicts {step['conflicts']}", flush=True)
        if not held(step):
            break
    results["steps"] = steps
    # The highest step that held (stepping stops at the first that did not): the most load served within target.
    passing = [step for step in steps if held(step)]
    results["sustained"] = passing[-1] if passing else None
    results["posts_created"] = len(mix.posted)
    return results


def audit_sample(mix: LoadMix, rng: random.Random) -> list[int]:
    """Users whose feeds were read during the run (warm timelines: what the server wrote, not a fresh
    rebuild), those who followed or unfollowed someone first: the feeds most likely to be wrong."""
    changed = sorted(mix.feed_readers & mix.followers_changed)
    rest = sorted(mix.feed_readers - mix.followers_changed)
    rng.shuffle(changed)
    rng.shuffle(rest)
    return (changed + rest)[:AUDIT_USERS]


def measure(name: str, users: list[int], everyone: list[int]) -> dict:
    backend_env, processes = dict(BACKENDS[name][0]), BACKENDS[name][1]
    data_dir = DATA_DIR / name.replace("+", "-")
    started = time.monotonic()
    if name == "embedded":
        database_url = fresh_sqlite_copy(data_dir)
    else:
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        database_url = fresh_postgres_copy()
        backend_env["PHOTOSHARE_DATABASE_URL"] = database_url
    redis_url = backend_env.get("PHOTOSHARE_REDIS_URL")
    if redis_url:
        forget_redis_keys(redis_url)
    # The machine is shared: the load average before and after says how much else ran beside the benchmark.
    results: dict = {"processes": processes, "prepare_seconds": round(time.monotonic() - started, 1),
                     "load_average_before": os.getloadavg()[0]}
    print(f"[{name}] data ready in {results['prepare_seconds']} s", flush=True)
    server, port = start_serve(data_dir, backend_env, processes)
    base_url = f"http://{HOST}:{port}"
    db = Database(database_url)
    redis_client, prefix = redis_client_and_prefix(redis_url) if redis_url else (None, "")
    try:
        mix = LoadMix(base_url, users, dataset.token_for, everyone)
        results.update(asyncio.run(drive(mix, name)))
        results["quiet"] = wait_until_quiet(db, redis_client, prefix, QUIET_TIMEOUT_SECONDS)
        print(f"[{name}] quiet: {results['quiet']}", flush=True)
        sample = audit_sample(mix, random.Random(11))
        results["audit"] = asyncio.run(asyncio.wait_for(
            audit(base_url, db, sample, dataset.token_for, new_posts=set(mix.posted)), AUDIT_TIMEOUT_SECONDS))
        results["audit"]["sample_followed_or_unfollowed"] = len(mix.feed_readers & mix.followers_changed & set(sample))
        print(f"[{name}] audit: {json.dumps(results['audit'])}", flush=True)
    finally:
        stop(server)
        db.close()
        if redis_client is not None:
            redis_client.close()
        if redis_url:
            forget_redis_keys(redis_url)
        # The copies are spent (the next run makes new ones): leave no gigabytes behind.
        shutil.rmtree(data_dir, ignore_errors=True)
        if "PHOTOSHARE_DATABASE_URL" in backend_env:
            drop_postgres_copy()
    results["seconds"] = round(time.monotonic() - started, 1)
    results["load_average_after"] = os.getloadavg()[0]
    return results


def report(name: str, results: dict) -> None:
    sustained = results["sustained"]
    print(f"\n== {name} ({results['processes']} server process{'es' if results['processes'] > 1 else ''};"
          f" load average {results['load_average_before']:.1f} before, {results['load_average_after']:.1f} after;"
          f" {results['seconds']:.0f} s) ==")
    if sustained is None:
        print(f"no step held p99 <= {P99_TARGET_MS:.0f} ms (first step: {results['steps'][0] if results['steps'] else 'none'})")
    else:
        print(f"sustained {sustained['requests_per_second']:.1f} req/s at p99 {sustained['p99_ms']} ms"
              f" (<= {P99_TARGET_MS:.0f} ms; {sustained['concurrency']} connections, p50 {sustained['p50_ms']} ms,"
              f" {sustained['errors']} errors, {sustained['conflicts']} conflicts)")
        print(f"  {'operation':<11} {'count':>6} {'p50 ms':>8} {'p99 ms':>8}")
        for op in OPERATIONS:
            figures = sustained["operations"].get(op)
            if figures:
                print(f"  {op:<11} {figures['count']:>6} {figures['p50_ms']:>8} {figures['p99_ms']:>8}")
    if not results["quiet"]["quiet"]:
        print(f"(the job queue still held {results['quiet']['pending']} jobs after {QUIET_TIMEOUT_SECONDS} s:"
              " the audit below may count work that was still to be done)")
    audit_result = results["audit"]
    print(f"audit: {audit_result['wrong']} wrong entries in {audit_result['users']} feeds ({audit_result['entries_shown']} entries shown):"
          f" {audit_result['missing']} missing, {audit_result['extra']} extra, {audit_result['duplicated']} duplicated,"
          f" {audit_result['out_of_order']} out of order; {audit_result['users_with_errors']} feeds wrong;"
          f" {audit_result['new_posts_owed']} of the entries owed are posts made during the run")
    for example in audit_result["examples"]:
        print("  " + example)


def main() -> None:
    chosen = chosen_backends(__doc__, BACKENDS)

    print("dataset:", json.dumps(dataset.build()), flush=True)
    info = json.loads((dataset.DATA_DIR / dataset.DONE_MARKER).read_text())
    everyone = [dataset.user_id_at(index) for index in range(info["users"])]
    users = random.Random(3).sample(everyone, ACTIVE_USERS)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout.strip()
    results: dict = {"machine": machine(), "commit": commit}
    for name in chosen:
        results[name] = measure(name, users, everyone)
    DATA_DIR.mkdir(exist_ok=True)
    (DATA_DIR / "results.json").write_text(json.dumps(results, indent=2))
    print(f"\nmachine: {results['machine']}, commit {commit}")
    for name in chosen:
        report(name, results[name])


if __name__ == "__main__":
    main()
