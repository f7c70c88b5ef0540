"""CPU instructions the server spends per feed read, counted by valgrind's callgrind: a figure no other
process on the machine can move, for comparing two versions of the code where wall-clock runs are noisy.

    .venv/bin/python -m bench.feed.instructions                 # warm and cold, this checkout
    .venv/bin/python -m bench.feed.instructions --viewers 200   # more reads (each read costs ~50x under valgrind)

The PhotoShare server (``bench.feed.servers``, as ``bench.feed.run`` starts it) runs under
``valgrind --tool=callgrind --instr-atstart=no`` on the feed dataset (``bench/feed/dataset.py``); counting is
switched on only around the measured reads with ``callgrind_control``, so start-up and warm-up are not in
the figures. Cold: each viewer's first read (the timeline rebuilt from the database). Warm: further reads of
the same viewers' top pages, ``--rounds`` each, four at a time. The figure is the server process's
instructions (every thread: the event loop and the database readers) divided by the reads; what the kernel
does for the sockets is not counted. Needs Debian's ``valgrind``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp

from . import dataset
from .run import HERE, HOST, free_port, machine, stop

CONCURRENCY = 4
STARTUP_SECONDS = 600  # the server's imports and first queries run ~50x slower under valgrind


def total_instructions(out_file: Path) -> int:
    for line in out_file.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {out_file}")


class Counted:
    """The server under callgrind, with counting switched on and off from outside."""

    def __init__(self, work_dir: Path) -> None:
        self.work_dir = work_dir
        self.port = free_port()
        self.out = work_dir / "callgrind.out"
        self.dumps = 0
        self.process = subprocess.Popen(
            ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={self.out}",
             sys.executable, "-m", "bench.feed.servers", "photoshare", str(self.port), str(dataset.DATA_DIR)],
            cwd=HERE.parent.parent, stdout=subprocess.DEVNULL, stderr=open(work_dir / "valgrind.log", "w"))

    def control(self, *args: str) -> None:
        subprocess.run(["callgrind_control", *args, str(self.process.pid)], check=True, capture_output=True)

    def measured(self) -> int:
        """Dump what was counted since the last dump (a dump resets the counters) and return it."""
        self.control("-d")
        self.dumps += 1
        return total_instructions(Path(f"{self.out}.{self.dumps}"))


async def measure(viewers: int, rounds: int, seed: int, keep: Path | None = None) -> dict:
    info = json.loads((dataset.DATA_DIR / dataset.DONE_MARKER).read_text())
    picked = random.Random(seed).sample(range(info["users"]), viewers)
    tokens = [dataset.token_for(dataset.user_id_at(index)) for index in picked]
    with tempfile.TemporaryDirectory(prefix="feed-instructions-") as work:
        if keep is not None:  # the callgrind files stay there, for callgrind_annotate
            keep.mkdir(parents=True, exist_ok=True)
            work = str(keep)
        server = Counted(Path(work))
        try:
            async with aiohttp.ClientSession() as session:
                url = f"http://{HOST}:{server.port}/api/v1/feed?limit=20"
                await wait_for_health(session, server)
                semaphore = asyncio.Semaphore(CONCURRENCY)

                async def read(token: str) -> None:
                    async with semaphore:
                        async with session.get(url, headers={"Authorization": f"Bearer {token}"}) as response:
                            body = await response.read()
                            if response.status != 200:
                                raise RuntimeError(f"feed read answered {response.status}: {body[:200]!r}")

                server.control("-i", "on")
                await asyncio.gather(*(read(token) for token in tokens))
                server.control("-i", "off")
                cold = server.measured()
                await asyncio.gather(*(read(token) for token in tokens))  # the top pages kept, untimed
                server.control("-i", "on")
                await asyncio.gather(*(read(token) for _ in range(rounds) for token in tokens))
                server.control("-i", "off")
                warm = server.measured()
        finally:
            stop(server.process)
    return {"viewers": viewers, "cold_reads": viewers, "warm_reads": viewers * rounds,
            "cold_instructions_per_read": round(cold / viewers), "warm_instructions_per_read": round(warm / (viewers * rounds))}


async def wait_for_health(session: aiohttp.ClientSession, server: Counted) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STARTUP_SECONDS
    while loop.time() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with {server.process.returncode} (see valgrind.log)")
        try:
            async with session.get(f"http://{HOST}:{server.port}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.5)  # polling a process that takes minutes to start: nothing to wait on instead
    raise RuntimeError(f"the server did not answer within {STARTUP_SECONDS} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, default=100, help="distinct viewers (cold reads), default 100")
    parser.add_argument("--rounds", type=int, default=10, help="warm reads per viewer, default 10")
    parser.add_argument("--seed", type=int, default=7, help="which viewers (random sample), default 7")
    parser.add_argument("--keep", type=Path, help="a folder to keep the callgrind files in (cold: .1, warm: .2)")
    args = parser.parse_args()
    print("dataset:", json.dumps(dataset.build()), flush=True)
    results = {"machine": machine(), **asyncio.run(measure(args.viewers, args.rounds, args.seed, args.keep))}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
