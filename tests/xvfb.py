"""A virtual screen for the desktop tests: Xvfb on a display number no one else holds.

A fixed number (":93") breaks when another test run, or a display left by a killed one, holds it. Each screen
here takes the next number of a range that starts at a place picked by the process id (parallel runs start
apart), skips numbers whose lock file is held, and is never reused within a run: a client in another network
namespace (the binary's offline tests) could not reach a display number restarted a moment earlier.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import socket
import subprocess
import time
from typing import Iterator

from tests.services import require

FIRST_DISPLAY = 100
START_TIMEOUT_SECONDS = 20
ATTEMPTS = 20
_numbers = itertools.count(FIRST_DISPLAY + (os.getpid() % 200) * 5)


@contextlib.contextmanager
def virtual_screen(width: int, height: int) -> Iterator[str]:
    """Run Xvfb with one screen of this size; yields its DISPLAY value (":N")."""
    require(shutil.which("Xvfb") is not None, "Xvfb is not installed (apt-get install xvfb)")
    problems = []
    for _ in range(ATTEMPTS):
        number = next(_numbers)
        if os.path.exists(f"/tmp/.X{number}-lock"):
            continue
        process = subprocess.Popen(["Xvfb", f":{number}", "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        problem = _wait_for_socket_file(f"/tmp/.X11-unix/X{number}", process)
        if problem is None:
            try:
                yield f":{number}"
            finally:
                process.terminate()
                process.wait(10)
            return
        problems.append(f":{number}: {problem}")
        process.kill()
        process.wait(10)
    require(False, "Xvfb could not start: " + "; ".join(problems[-3:]))


def _wait_for_socket_file(path: str, process: subprocess.Popen) -> str | None:
    """None once the display answers on its socket file (what a client in another network namespace uses);
    otherwise why not."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            return f"Xvfb exited with status {process.returncode}"
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(path)
                return None
            except OSError as exc:
                if time.monotonic() > deadline:
                    return f"no answer on {path} ({exc})"
        time.sleep(0.05)
