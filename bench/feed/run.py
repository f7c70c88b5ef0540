"""Feed benchmark: home-feed throughput and latency (warm and cold) against an aiohttp hello-world,
and the time for one post to reach 10,000 followers' timelines.

Example: .venv/bin/python -m bench.feed.run                      (every backend; builds the datasets on first use)
         .venv/bin/python -m bench.feed.run --backends memory     (the embedded default only)
         .venv/bin/python -m bench.feed.run --backends redis,redis+postgres
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import aiohttp

from bench.feed import dataset, pg_dataset
from bench.feed.fanout import measure_fanout

HERE = Path(__file__).parent
HOST = "127.0.0.1"  # loopback only
WARM_VIEWERS = 5_000  # well inside the timelines' LRU, so every measured read is warm
COLD_VIEWERS = 20_000  # more than a cold run can reach, so every measured read is a first read
CONNECTIONS = 50
LIGHT_CONNECTIONS = 4  # latency without a queue in front of one busy process
RUN_SECONDS = 10
COLD_RUN_SECONDS = 5
STARTUP_TIMEOUT_SECONDS = 120
WARMUP_CONCURRENCY = 16
WRK_TIMEOUT = "5s"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def start_server(kind: str, data_dir: Path | None = None, backend_env: dict[str, str] | None = None) -> tuple[subprocess.Popen, int]:
    """``backend_env``: the PHOTOSHARE_* variables that choose the backends, as a deployment sets them."""
    port = free_port()
    args = [sys.executable, "-m", "bench.feed.servers", kind, str(port)] + ([str(data_dir)] if data_dir else [])
    env = {name: value for name, value in os.environ.items() if not name.startswith("PHOTOSHARE_")}
    process = subprocess.Popen(args, cwd=HERE.parent.parent, env={**env, **(backend_env or {})})
    wait_until_answering(process, port, "/" if kind == "hello" else "/healthz", f"{kind} server")
    return process, port


def wait_until_answering(process: subprocess.Popen, port: int, path: str, what: str) -> None:
    """Poll ``path`` until it answers 200; stop the process and raise if it exits or never does."""
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"{what} did not answer within {STARTUP_TIMEOUT_SECONDS} s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, connections: int, seconds: int, tokens: list[str] | None = None) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", WRK_TIMEOUT]
    env = dict(os.environ)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(tokens or ["-"]))
        env["TOKENS_FILE"] = handle.name
    if tokens:
        command += ["-s", str(HERE / "rotate_tokens.lua")]
    try:
        output = subprocess.run(command + [url], capture_output=True, text=True, env=env, timeout=seconds + 60, check=True).stdout
    finally:
        os.unlink(env["TOKENS_FILE"])
    latency = {match[0]: float(match[1]) * _UNITS[match[2]]
               for match in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)}
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50_ms": latency.get("50"), "p99_ms": latency.get("99"),
        "errors": int(bad.group(1)) if bad else 0,
    }


async def warm_up(port: int, tokens: list[str]) -> dict:
    """Read each viewer's feed once (rebuilding their timelines) and check the pages are full."""
    semaphore = asyncio.Semaphore(WARMUP_CONCURRENCY)
    sizes: list[int] = []
    async with aiohttp.ClientSession() as session:
        async def read(token: str) -> None:
            async with semaphore:
                async with session.get(f"http://{HOST}:{port}/api/v1/feed?limit=20", headers={"Authorization": f"Bearer {token}"}) as response:
                    body = await response.json()
                    assert response.status == 200, body
                    sizes.append(len(body["posts"]))

        await asyncio.gather(*(read(token) for token in tokens))
    return {"viewers": len(sizes), "mean_posts_per_page": round(sum(sizes) / len(sizes), 2)}


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
            "date": dt.date.today().isoformat(), "sqlite": __import__("sqlite3").sqlite_version}


# Each backend the benchmark can run the same measurements on, as the environment a deployment would set:
# the embedded default (memory timelines, SQLite), Redis timelines with the same SQLite database, and Redis
# with the PostgreSQL copy of the same dataset (``pg_dataset.py``).
REDIS_URL = os.environ.get("PHOTOSHARE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0?prefix=photoshare-bench:")
BACKENDS = {
    "memory": {},
    "redis": {"PHOTOSHARE_REDIS_URL": REDIS_URL},
    "redis+postgres": {"PHOTOSHARE_REDIS_URL": REDIS_URL, "PHOTOSHARE_DATABASE_URL": pg_dataset.DATABASE_URL},
}


def forget_redis_keys(redis_url: str) -> None:
    """Start each Redis run cold: drop what an earlier run left under the benchmark's key prefix."""
    import redis

    from server.redislink import split_url

    url, prefix = split_url(redis_url)
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=10_000))
        for start in range(0, len(keys), 10_000):
            client.delete(*keys[start:start + 10_000])
    finally:
        client.close()


def measure_backend(name: str, backend_env: dict[str, str], tokens: tuple[list[str], list[str], list[str]]) -> dict:
    warm_tokens, cold_light, cold_busy = tokens
    redis_url = backend_env.get("PHOTOSHARE_REDIS_URL", "")
    if redis_url:
        forget_redis_keys(redis_url)
    results: dict = {}
    server, port = start_server("photoshare", dataset.DATA_DIR, backend_env)
    try:
        url = f"http://{HOST}:{port}/api/v1/feed?limit=20"
        # One connection: what a returning user waits for their rebuilt feed; four: a few at once on one process.
        half = len(cold_light) // 2
        results["cold_single"] = wrk(url, 1, COLD_RUN_SECONDS, cold_light[:half])
        print(f"[{name}] cold feed, 1 connection:", results["cold_single"], flush=True)
        results["cold_light"] = wrk(url, LIGHT_CONNECTIONS, COLD_RUN_SECONDS, cold_light[half:])
        print(f"[{name}] cold feed, 4 connections:", results["cold_light"], flush=True)
        results["cold"] = wrk(url, CONNECTIONS, COLD_RUN_SECONDS, cold_busy)
        print(f"[{name}] cold feed, 50 connections:", results["cold"], flush=True)
        started = time.monotonic()
        results["warm_up"] = asyncio.run(warm_up(port, warm_tokens))
        results["warm_up"]["seconds"] = round(time.monotonic() - started, 1)
        print(f"[{name}] warm-up:", results["warm_up"], flush=True)
        results["warm"] = wrk(url, CONNECTIONS, RUN_SECONDS, warm_tokens)
        print(f"[{name}] warm feed, 50 connections:", results["warm"], flush=True)
        results["warm_light"] = wrk(url, LIGHT_CONNECTIONS, RUN_SECONDS, warm_tokens)
        print(f"[{name}] warm feed, 4 connections:", results["warm_light"], flush=True)
    finally:
        stop(server)
    if redis_url:
        forget_redis_keys(redis_url)  # the fan-out below rebuilds its own followers' timelines
    results["fanout"] = asyncio.run(measure_fanout(dataset.DATA_DIR, backend_env))
    print(f"[{name}] fanout:", results["fanout"], flush=True)
    if redis_url:
        forget_redis_keys(redis_url)
    return results


def measure_hello() -> dict:
    hello, port = start_server("hello")
    try:
        return wrk(f"http://{HOST}:{port}/", CONNECTIONS, RUN_SECONDS)
    finally:
        stop(hello)


def chosen_backends(description: str, backends: dict) -> list[str]:
    """The ``--backends`` option: names of ``backends``, comma-separated (default: all of them)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default=",".join(backends),
                        help=f"comma-separated, of {', '.join(backends)} (default: all; Redis from $PHOTOSHARE_BENCH_REDIS_URL)")
    chosen = [name.strip() for name in parser.parse_args().backends.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in backends]
    if unknown:
        parser.error(f"unknown backend(s): {', '.join(unknown)}")
    return chosen


def main() -> None:
    chosen = chosen_backends(__doc__, BACKENDS)

    print("dataset:", json.dumps(dataset.build()), flush=True)
    if any("PHOTOSHARE_DATABASE_URL" in BACKENDS[name] for name in chosen):
        print("PostgreSQL copy:", json.dumps(pg_dataset.build()), flush=True)
    info = json.loads((dataset.DATA_DIR / dataset.DONE_MARKER).read_text())
    rng = random.Random(7)
    viewers = rng.sample(range(info["users"]), WARM_VIEWERS + 2 * COLD_VIEWERS)
    tokens = [dataset.token_for(dataset.user_id_at(index)) for index in viewers]
    groups = (tokens[:WARM_VIEWERS], tokens[WARM_VIEWERS:WARM_VIEWERS + COLD_VIEWERS], tokens[WARM_VIEWERS + COLD_VIEWERS:])
    results: dict = {"machine": machine()}

    results["hello"] = measure_hello()
    print("hello-world:", results["hello"], flush=True)
    for name in chosen:
        results[name] = measure_backend(name, BACKENDS[name], groups)
    # The ceiling is measured again at the end: on a shared virtual machine it drifts by 10-20 % within minutes,
    # so each warm figure is divided by the mean of the two, and both are printed.
    results["hello_after"] = measure_hello()
    print("hello-world, again:", results["hello_after"], flush=True)
    ceiling = (results["hello"]["requests_per_second"] + results["hello_after"]["requests_per_second"]) / 2
    for name in chosen:
        results[name]["ratio_warm_to_hello"] = round(results[name]["warm"]["requests_per_second"] / ceiling, 3)
        print(f"[{name}] warm feed / hello-world (mean of both):", results[name]["ratio_warm_to_hello"], flush=True)
    (dataset.DATA_DIR / "results.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
