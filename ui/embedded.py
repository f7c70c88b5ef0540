"""``photoshare app --embedded``: a private server next to the window, for one person, local-first.

It runs as a child process (``photoshare serve`` on loopback) so a crash in either never takes the
other down, and it stops with the app.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path

from app.resources import photoshare_command

# A cold start runs migrations and spawns the media process pool; on a slow disk that takes seconds.
START_TIMEOUT_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedServer:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = self._remembered_port()
        self.process: subprocess.Popen | None = None

    def _remembered_port(self) -> int:
        """The same port every start, so the saved session (which names the server) stays valid."""
        remembered = self.data_dir / "port"
        try:
            port = int(remembered.read_text())
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", port))
            return port
        except (OSError, ValueError):
            port = _free_port()
            self.data_dir.mkdir(parents=True, exist_ok=True)
            remembered.write_text(str(port))
            return port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / "server.log", "ab")
        self.process = subprocess.Popen(photoshare_command("serve", "--host", "127.0.0.1", "--port", str(self.port),
                                                           "--data-dir", str(self.data_dir)), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the embedded server stopped (see {self.data_dir / 'server.log'})")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1):
                    return self.url
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the embedded server did not start in time")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
