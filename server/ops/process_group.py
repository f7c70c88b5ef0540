"""``photoshare serve --workers N``: N server processes sharing one port.

Each child binds the port with SO_REUSEPORT, so the kernel spreads new connections across them; the
parent only supervises. SIGTERM or SIGINT to the parent stops every child gracefully (each finishes
its requests, as a single server does); a child that dies on its own is started again, unless
children keep dying right after start, which means something is wrong that restarting cannot fix.

Several processes only make sense when everything they share lives outside them: with the embedded
SQLite database and in-process timelines, caches and job queue, each process would hold its own
copy of state that must be one. ``scaled_out_problem`` says what is missing.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import time
from multiprocessing.connection import wait

from ..config import Settings
from .lifeline import watch_this_server

log = logging.getLogger(__name__)

MAX_PROCESSES = 64
STOP_TIMEOUT_SECONDS = 20  # aiohttp's shutdown_timeout (10 s) plus closing the backends
RESTART_DELAY_SECONDS = 1.0
QUICK_DEATH_SECONDS = 10.0  # a child that dies this soon after starting failed to start
MAX_QUICK_DEATHS = 5  # in a row: a bad setting or a taken port, not bad luck
POLL_SECONDS = 0.5


def scaled_out_problem(settings: Settings) -> str | None:
    """Why several server processes would be wrong for this deployment, or None if they are fine."""
    if settings.resolved_database_url.startswith("sqlite:"):
        return ("the embedded SQLite database belongs to one server process; set database_url to PostgreSQL "
                "(and redis_url) to run several, see docs/operations.md")
    if not settings.values.get("redis_url"):
        return ("without redis_url, home timelines, caches, rate limits and live notifications live inside each "
                "process and would differ between them; set redis_url to run several")
    if not hasattr(socket, "SO_REUSEPORT"):
        return "this platform cannot share a port between processes (no SO_REUSEPORT); run one process per port behind a load balancer"
    return None


def _serve_child(values: dict, index: int, web_ui_upstream: str | None = None, supervisor: tuple | None = None) -> None:
    from ..web.app import create_app

    if supervisor is not None:  # a killed supervisor cannot stop us: end with it (lifeline.py)
        from .lifeline import exit_with

        exit_with(*supervisor)

    settings = Settings(values)
    logging.basicConfig(level=getattr(logging, settings.log_level.upper()),
                        format=f"%(asctime)s %(levelname)s [server {index}] %(name)s: %(message)s")
    app = create_app(settings)
    if web_ui_upstream:  # the parent runs the one web app child; every server process forwards to it
        from .webui import attach_web_ui

        attach_web_ui(app, web_ui_upstream)
    from .runtime import tune_for_serving
    from ..web.serving import run_app

    tune_for_serving()
    run_app(app, settings, host=settings.host, port=settings.port, reuse_port=True, shutdown_timeout=10)


class ProcessGroup:
    def __init__(self, settings: Settings, count: int) -> None:
        self.settings = settings
        self.count = count
        # spawn, not fork: a clean interpreter per child, the same on every platform and in the frozen binary.
        self._mp = multiprocessing.get_context("spawn")
        self.children: dict[int, tuple[multiprocessing.Process, float]] = {}
        self._stop_requested = False
        self._quick_deaths = 0
        self.web_ui = None
        if settings.web_ui:
            from .webui import WebUIProcess

            self.web_ui = WebUIProcess(settings)

    def _start_child(self, index: int) -> None:
        upstream = self.web_ui.upstream if self.web_ui is not None else None
        process = self._mp.Process(target=_serve_child, args=(self.settings.values, index, upstream, watch_this_server()), name=f"photoshare-serve-{index}")
        process.start()
        self.children[index] = (process, time.monotonic())

    def _request_stop(self, signum, frame) -> None:
        self._stop_requested = True

    def run(self) -> int:
        """Run until asked to stop; returns the exit code for the parent."""
        previous = {sig: signal.signal(sig, self._request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            if self.web_ui is not None:
                self.web_ui.start()
            for index in range(self.count):
                self._start_child(index)
            while not self._stop_requested:
                wait([process.sentinel for process, _ in self.children.values()], timeout=POLL_SECONDS)
                if not self._stop_requested and not self._replace_dead_children():
                    return 1
                if self.web_ui is not None and not self._stop_requested:
                    self.web_ui.supervise()
            return 0
        finally:
            self._stop_children()
            if self.web_ui is not None:
                self.web_ui.stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _replace_dead_children(self) -> bool:
        for index, (process, started) in list(self.children.items()):
            if process.is_alive():
                continue
            quick = time.monotonic() - started < QUICK_DEATH_SECONDS
            self._quick_deaths = self._quick_deaths + 1 if quick else 0
            log.error("server process %d (pid %s) exited with code %s", index, process.pid, process.exitcode)
            if self._quick_deaths >= MAX_QUICK_DEATHS:
                log.error("server processes keep failing right after starting; stopping (see the errors above)")
                return False
            time.sleep(RESTART_DELAY_SECONDS)
            self._start_child(index)
        return True

    def _stop_children(self) -> None:
        for process, _ in self.children.values():
            if process.is_alive():
                process.terminate()  # SIGTERM: aiohttp stops accepting, finishes requests, closes the backends
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for process, _ in self.children.values():
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                log.error("server process pid %s did not stop in %d s; killing it", process.pid, STOP_TIMEOUT_SECONDS)
                process.kill()
                process.join()
