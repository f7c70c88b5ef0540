"""Start real ``photoshare`` processes for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 30
WORKER_READY_LINE = "PhotoShare worker running"  # printed by `photoshare worker` once its backends are open


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return fields[0], int(fields[1])


def descendants(root: int) -> set[int]:
    """Every process below ``root`` (children, their children…), from /proc."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := _stat(int(entry))) is not None:
            parents[int(entry)] = stat[1]
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pids: set[int]) -> set[int]:
    """Those of ``pids`` still running (a zombie waiting to be reaped has ended)."""
    return {pid for pid in pids if (stat := _stat(pid)) is not None and stat[0] not in ("Z", "X")}


def stop_process(process: subprocess.Popen | None) -> None:
    """Ask a child to stop (SIGTERM), and kill it if it has not within 15 s."""
    if process and process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


class ServerProcess:
    """``photoshare serve`` (or ``worker``) in a child process; ``args`` are extra command-line options."""

    def __init__(self, data_dir: Path, port: int | None = None, env: dict | None = None, command: str = "serve",
                 args: list[str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        # Unbuffered, so the log shows each line (the worker's ready line above all) as it is printed.
        # These tests drive the API: no web app child, and the first account registers without the
        # setup code (tests/e2e/test_first_run.py covers both as `serve` does them by default).
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", "PHOTOSHARE_JOB_WORKERS": "2", "PHOTOSHARE_MEDIA_PROCESSES": "1",
                    "PHOTOSHARE_WEB_UI": "false", "PHOTOSHARE_REQUIRE_SETUP_CODE": "false", **(env or {})}
        self.command = command
        self.args = list(args or [])
        self.process: subprocess.Popen | None = None
        self.log_path = data_dir.parent / f"{command}-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ServerProcess":
        args = [sys.executable, "-m", "app", self.command, "--data-dir", str(self.data_dir)]
        if self.command == "serve":
            args += ["--port", str(self.port)]
        args += self.args
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        if self.command == "serve":
            self.wait_healthy()
        else:
            self.wait_for_log(WORKER_READY_LINE)
        return self

    def wait_for_log(self, text: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command} exited with {self.process.returncode}:\n{self.log_path.read_text()[-3000:]}")
            if text in self.log_path.read_text(errors="replace"):
                return
            time.sleep(0.1)
        raise RuntimeError(f"{self.command} did not log {text!r}:\n{self.log_path.read_text()[-3000:]}")

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not become healthy:\n{self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        stop_process(self.process)


@contextlib.contextmanager
def started(*processes: ServerProcess):
    """Start the processes in order; stop every one that started, however the block ends.
    Answers the list of the started processes (still readable after the block, to check exit codes)."""
    running: list[ServerProcess] = []
    try:
        for process in processes:
            running.append(process.start())
        yield running
    finally:
        for process in running:
            process.stop()
