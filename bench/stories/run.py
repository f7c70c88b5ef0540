"""Stories and Explore benchmark: the story tray and an Explore page, warm, on the 100k-user dataset.

The feed benchmark's dataset has no stories, likes or hashtags; ``seed.py`` copies it and seeds them (30,000
accounts with 1–3 active stories, 500,000 likes, 50,000 comments, 150,000 tagged posts). Then the real server
(``bench.feed.servers photoshare``) runs on the copy and:

- *first reads*: each measured viewer's first tray (built from the database), 4 at a time, timed one by one;
- *warm*: then ``wrk`` rotating over the same viewers, ``GET /api/v1/stories/tray`` at 4 connections (latency
  without a queue: the figure the target, p99 ≤ 30 ms, is judged by) and at 50;
- the same for ``GET /api/v1/explore?limit=20`` (a first read builds the viewer's candidate pool: co-engagement,
  hashtags, popular).

Example: flock /tmp/photoshare-bench.lock .venv/bin/python -m bench.stories.run
         .venv/bin/python -m bench.stories.run --backends memory
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time

import aiohttp

from bench.feed import dataset
from bench.feed.run import (BACKENDS, CONNECTIONS, HOST, LIGHT_CONNECTIONS, RUN_SECONDS, chosen_backends, forget_redis_keys,
                            machine, start_server, stop, wrk)
from bench.stories import seed

VIEWERS = 2_000  # inside every cache's bound, so each measured read is warm
FIRST_READ_CONCURRENCY = 4
PATHS = {"tray": "/api/v1/stories/tray", "explore": "/api/v1/explore?limit=20"}


def viewer_ids() -> list[int]:
    info = json.loads((dataset.DATA_DIR / dataset.DONE_MARKER).read_text())
    rng = random.Random(11)
    return [dataset.user_id_at(index) for index in rng.sample(range(info["users"]), VIEWERS)]


async def first_reads(port: int, tokens: list[str], path: str) -> dict:
    """Each viewer's first read of ``path``, timed; checks every answer is a 200 with something in it."""
    semaphore = asyncio.Semaphore(FIRST_READ_CONCURRENCY)
    times: list[float] = []
    sizes: list[int] = []
    async with aiohttp.ClientSession() as session:
        async def read(token: str) -> None:
            async with semaphore:
                started = time.perf_counter()
                async with session.get(f"http://{HOST}:{port}{path}", headers={"Authorization": f"Bearer {token}"}) as response:
                    body = await response.json()
                times.append((time.perf_counter() - started) * 1000)
                assert response.status == 200, body
                sizes.append(len(body.get("tray", body.get("posts", []))))

        await asyncio.gather(*(read(token) for token in tokens))
    times.sort()
    return {"reads": len(times), "p50_ms": round(statistics.median(times), 2), "p99_ms": round(times[int(len(times) * 0.99) - 1], 2),
            "mean_items": round(sum(sizes) / len(sizes), 1), "empty": sum(1 for size in sizes if size == 0)}


def measure(name: str, backend_env: dict[str, str], tokens: list[str]) -> dict:
    redis_url = backend_env.get("PHOTOSHARE_REDIS_URL", "")
    if redis_url:
        forget_redis_keys(redis_url)
    results: dict = {}
    server, port = start_server("photoshare", seed.DATA_DIR, backend_env)
    try:
        for what, path in PATHS.items():
            # Each path's first reads right before its warm runs: with Redis, trays are trusted for a minute only.
            results[f"{what}_first"] = asyncio.run(first_reads(port, tokens, path))
            print(f"[{name}] {what}, first reads:", results[f"{what}_first"], flush=True)
            url = f"http://{HOST}:{port}{path}"
            results[f"{what}_warm_light"] = wrk(url, LIGHT_CONNECTIONS, RUN_SECONDS, tokens)
            print(f"[{name}] {what}, warm, {LIGHT_CONNECTIONS} connections:", results[f"{what}_warm_light"], flush=True)
            results[f"{what}_warm"] = wrk(url, CONNECTIONS, RUN_SECONDS, tokens)
            print(f"[{name}] {what}, warm, {CONNECTIONS} connections:", results[f"{what}_warm"], flush=True)
    finally:
        stop(server)
        if redis_url:
            forget_redis_keys(redis_url)
    return results


def main() -> None:
    backends = {name: env for name, env in BACKENDS.items() if "PHOTOSHARE_DATABASE_URL" not in env}  # the SQLite copy
    chosen = chosen_backends(__doc__, backends)
    viewers = viewer_ids()
    print("dataset:", json.dumps(seed.build(viewers=viewers)), flush=True)
    tokens = [dataset.token_for(user_id) for user_id in viewers]
    results: dict = {"machine": machine()}
    for name in chosen:
        results[name] = measure(name, backends[name], tokens)
    (seed.DATA_DIR / "results.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
