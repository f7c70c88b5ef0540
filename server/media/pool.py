"""The media process pool of one server or worker process: CPU work (decode, resize, encode, ffmpeg) off the loop.

``bootstrap.build_context`` creates it and ``close_context`` closes it; services only ``run`` work in it. The
worker processes start on first use, so processes that never touch media (admin commands, a server that only
reads feeds) never pay for them, and a pool a worker broke (out of memory, a crashing decoder) is replaced by a
fresh one on the next use. A pool handed in from outside (tests share one) is used but never shut down here.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable

from ..ops.lifeline import exit_with, watch_this_server

log = logging.getLogger(__name__)


class MediaPool:
    def __init__(self, workers: int, executor: Executor | None = None) -> None:
        self.workers = workers
        self._executor = executor
        self._owned = executor is None

    def executor(self) -> Executor:
        if self._executor is None:
            # spawn, not fork: the server has threads (SQLite writer, readers) that fork would copy mid-state.
            # Each worker watches this process and ends with it, even if it is killed (server/ops/lifeline.py).
            self._executor = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=exit_with, initargs=watch_this_server())
        return self._executor

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.executor(), fn, *args)
        except BrokenProcessPool:
            # A worker died (out of memory, a crashing decoder). Start a fresh pool for the next try.
            log.error("a media worker process died; restarting the pool")
            if self._owned:
                self._executor = None
            raise

    def close(self) -> None:
        if self._executor is not None and self._owned:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
