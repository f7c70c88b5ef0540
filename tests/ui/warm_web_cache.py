"""Compress the web app's files into the tests' shared cache folder, at the lowest priority, once per machine.

Every web app compresses its engine's files in the background when it starts (``ui/web_front.py``) and keeps the
copies for the next start. A test's web app lives 10–40 s, while brotli needs over a minute of CPU for the engine:
each one began the work and died with it unfinished, a background thread busy for the whole of every browser test.
Started by ``tests/conftest.py`` once a session has collected browser tests, this process does the work while the
tests that need no browser run; the web apps started later find every copy ready.

    python -m tests.ui.warm_web_cache
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from concurrent.futures import wait

LOWEST_PRIORITY = 19


def main() -> int:
    with contextlib.suppress(AttributeError, OSError):  # the compressing thread inherits it (and keeps it)
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)
    from ui.app import web_front

    front = web_front()
    if front is None:
        print("the web app's files are not available here: nothing to compress")
        return 0
    started = time.monotonic()
    jobs = front.precompress()
    wait(jobs)
    front.close()
    failed = [job.exception() for job in jobs if job.exception() is not None]
    print(f"{len(jobs) - len(failed)} of {len(jobs)} compressed copies ready in {time.monotonic() - started:.1f} s"
          + "".join(f"\n  failed: {error!r}" for error in failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
