"""Upload benchmark: a 100 MB video by tus (resumable, in PATCHes) against a plain multipart POST /posts.

Run:  .venv/bin/python -m bench.uploads.run [--runs 5] [--chunk-mb 32] [--blob-url s3://…]
Prints the machine, the date, and for each way the median time from the first byte to the post's 201
and the throughput; then tus / multipart (target ≥ 0.8). See README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from app.api_client import ApiClient  # noqa: E402
from tests.e2e.servers import ServerProcess  # noqa: E402
from tests.fixtures.videos import padded_video  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
VIDEO_BYTES = 100 * 1000 * 1000  # "100 MB", under the 100 MiB video limit
MB = 1_000_000
NO_LIMITS = {"PHOTOSHARE_RATE_LIMIT_USER_WRITES": "1000000", "PHOTOSHARE_RATE_LIMIT_IP_WRITES": "1000000",
             "PHOTOSHARE_RATE_LIMIT_USER_POSTS": "1000000"}


def cpu_model() -> str:
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor() or "unknown"


def the_video() -> Path:
    DATA.mkdir(exist_ok=True)
    path = DATA / "video-100mb.mp4"
    if not path.exists() or path.stat().st_size != VIDEO_BYTES:
        padded_video(path, VIDEO_BYTES)
    return path


async def multipart_once(api: ApiClient, video: Path) -> float:
    started = time.perf_counter()
    await api.create_post([video], "multipart", idempotency_key=str(uuid.uuid4()))
    return time.perf_counter() - started


async def tus_once(api: ApiClient, video: Path) -> tuple[float, float]:
    """(seconds to the post's 201, of which the bytes alone)."""
    started = time.perf_counter()
    url = await api.tus_create(video, idempotency_key=str(uuid.uuid4()))
    await api.tus_send(url, video)
    sent = time.perf_counter() - started
    await api.create_post_from_uploads([url.rsplit("/", 1)[1]], "tus", idempotency_key=str(uuid.uuid4()))
    return time.perf_counter() - started, sent


async def measure(url: str, video: Path, runs: int, chunk_bytes: int) -> dict[str, list[float]]:
    async with ApiClient(url) as api:
        await api.register(f"bench{uuid.uuid4().hex[:8]}", "correct horse battery")
        api.tus_chunk_bytes = chunk_bytes
        await multipart_once(api, video)  # warm-up: worker processes, page cache, the first fsyncs
        await tus_once(api, video)
        times: dict[str, list[float]] = {"multipart": [], "tus": [], "tus_bytes": []}
        for _ in range(runs):  # interleaved, so a noisy moment hurts both alike
            times["multipart"].append(await multipart_once(api, video))
            total, sent = await tus_once(api, video)
            times["tus"].append(total)
            times["tus_bytes"].append(sent)
        return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chunk-mb", type=float, default=32, help="tus PATCH size in MiB (the app's default is 32)")
    parser.add_argument("--blob-url", default="", help="media store for the server (default: local disk)")
    args = parser.parse_args()
    video = the_video()
    folder = Path(tempfile.mkdtemp(prefix="bench-uploads-"))
    env = {**NO_LIMITS, **({"PHOTOSHARE_BLOB_URL": args.blob_url} if args.blob_url else {})}
    server = ServerProcess(folder / "data", env=env).start()
    try:
        times = asyncio.run(measure(server.url, video, args.runs, int(args.chunk_mb * 1024 * 1024)))
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; {platform.python_version()}; "
          f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"file: {VIDEO_BYTES / MB:.0f} MB video, loopback, `photoshare serve` embedded "
          f"({args.blob_url or 'local disk'}); median of {args.runs} interleaved runs, after one warm-up each")
    rates = {}
    for name, label in (("multipart", "multipart POST /posts"), ("tus", f"tus, {args.chunk_mb:g} MiB PATCHes, then POST /posts"),
                        ("tus_bytes", "  of which the bytes (POST + PATCHes)")):
        median = statistics.median(times[name])
        rates[name] = VIDEO_BYTES / MB / median
        print(f"{label:<48} {median:6.2f} s  {rates[name]:7.1f} MB/s   (runs: {', '.join(f'{t:.2f}' for t in times[name])})")
    print(f"tus / multipart throughput: {rates['tus'] / rates['multipart']:.2f}  (target >= 0.80)")


if __name__ == "__main__":
    main()
