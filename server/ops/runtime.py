"""Process-wide tuning for a long-running server process (`serve`, each `--workers` child, `worker`)."""

from __future__ import annotations

import gc
import sys

# CPython's defaults (700, 10, 10) collect the youngest objects every 700 net allocations and the whole heap
# every hundred young collections or so. A server holding its caches (tens of thousands of post bodies, author
# summaries, timelines) has millions of long-lived objects, and each full collection walks all of them: about
# 100 ms during which no request is answered. In the feed benchmark that stall was the whole p99 (120 ms at a
# 0.4 ms median); with these thresholds it is 1.6 ms at 4 connections and 11 ms at 50. Reference cycles are
# still collected, young ones after 50,000 allocations instead of 700, the whole heap about once a minute
# under load instead of several times a second.
SERVING_GC_THRESHOLDS = (50_000, 50, 100)
# Database reads run on threads, and SQLite's driver lets go of the interpreter lock for every row it steps
# to. A reader that wants the lock back while the event loop is computing waits for the loop to hand it
# over, by default after 5 ms: a cold feed rebuild steps through ~2,000 rows. Handing over every 0.5 ms
# instead cut the cold feed's latency at 4 connections by about a sixth; the event loop's own work is
# unaffected when no thread is waiting.
SERVING_SWITCH_INTERVAL_SECONDS = 0.0005


def tune_for_serving() -> None:
    gc.set_threshold(*SERVING_GC_THRESHOLDS)
    sys.setswitchinterval(SERVING_SWITCH_INTERVAL_SECONDS)
