"""Helper processes that end with the server that started them, even when it is killed (SIGKILL, OOM).

A killed process gets no chance to stop its children, and nothing else does it for it: media workers
(``ProcessPoolExecutor``) wait for work on a queue whose other end every worker also holds, so they never
see it close, and multiprocessing's resource tracker lives as long as any of them. They used to be left
running for minutes, reparented to PID 1.

Each helper therefore watches its server itself: a daemon thread looks every ``CHECK_SECONDS`` whether
the server's process is still the one it was (its id *and* its start time, so a new process that got the
same number later is not mistaken for it) and ends the helper with ``os._exit`` when it is not. Chosen over
``prctl(PR_SET_PDEATHSIG)``: that signal follows the *thread* that started the child (a pool grown from a
short-lived thread would lose its workers when that thread ends), watches the direct parent (in the one-file
binary that is the helper's own launcher, not the server) and exists on Linux only; the watch works
wherever the server can be probed, and once the workers are gone the resource tracker sees its pipe
close and ends too. The cost is one wake-up per helper per ``CHECK_SECONDS``.
"""

from __future__ import annotations

import os
import threading
import time

CHECK_SECONDS = 0.5  # how soon a helper notices its server died: well within the 5 s an admin would wait


def process_identity(pid: int) -> str | None:
    """Something that tells process ``pid`` apart from a later one given the same number; None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return None if fields[0] in ("Z", "X") else fields[19]  # state, then the start time in clock ticks
    except FileNotFoundError:
        return None
    except OSError:
        pass
    try:
        os.kill(pid, 0)  # no /proc (macOS): existence only
    except ProcessLookupError:
        return None
    except PermissionError:
        pass
    return "alive"


def exit_with(pid: int, identity: str | None = None, check_seconds: float = CHECK_SECONDS) -> None:
    """End this process as soon as process ``pid`` (as it was when ``identity`` was taken) is gone.

    Not on Windows, where ``os.kill`` terminates instead of probing; there the server stops its helpers.
    """
    if os.name == "nt":
        return
    identity = identity or process_identity(pid)
    if identity is None or process_identity(pid) != identity:
        os._exit(0)

    def watch() -> None:
        while process_identity(pid) == identity:
            time.sleep(check_seconds)
        os._exit(0)

    threading.Thread(target=watch, name="server-watch", daemon=True).start()


def watch_this_server() -> tuple[int, str | None]:
    """``initargs`` for a pool initializer (``exit_with``) that ties the pool's workers to this process."""
    return os.getpid(), process_identity(os.getpid())
