"""Checks that run inside a network namespace with only loopback, against the one-file binary.

``tests/packaging/test_binary.py`` starts this module as ``python -m tests.packaging.netless SCENARIO ...``
under ``unshare -n`` (or ``unshare -r -n``): the binary's server listens on the namespace's own loopback,
so the client that talks to it must live there too. Every ``photoshare`` process gets a clean
environment: a fresh HOME, its own TMPDIR (where the binary unpacks itself), no PHOTOSHARE_* settings.
A failed check raises AssertionError; the exit status and output go back to the test.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.fixtures.images import photographic
from tests.fixtures.videos import make_video
from tests.ports import free_port

START_TIMEOUT_SECONDS = 60  # a first start unpacks the binary and creates the database on a busy machine
READY_TIMEOUT_SECONDS = 120  # media processing of a photo and a short video, one media process
STOP_TIMEOUT_SECONDS = 30
WINDOW_TIMEOUT_SECONDS = 90  # a cold Flutter start also unpacks the desktop client into the fresh HOME
WORKER_READY_LINE = "PhotoShare worker running"
WEB_UI_LINE = "web app started"  # serve runs the web app as a child and proxies it at /
SETUP_LINK = re.compile(r"/setup\?code=([A-Za-z0-9-]+)")
PASSWORD = "a long password"


def clean_env(work: Path, **extra: str) -> dict[str, str]:
    home, tmp = work / "home", work / "tmp"
    home.mkdir(parents=True, exist_ok=True)
    tmp.mkdir(parents=True, exist_ok=True)
    # One media process keeps the machine usable; the defaults are otherwise untouched.
    return {"HOME": str(home), "TMPDIR": str(tmp), "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
            "PHOTOSHARE_MEDIA_PROCESSES": "1", **extra}


class Photoshare:
    """One ``photoshare`` command from the binary, its output in a log file."""

    started: list[Photoshare] = []  # stopped at the end of a scenario, whether it passed or not

    def __init__(self, binary: str, work: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.args = [binary, *args]
        self.log_path = work / f"{args[0]}-{os.getpid()}-{time.monotonic_ns()}.log"
        with open(self.log_path, "wb") as log:
            # Its own process group: the desktop client it may start goes away with it.
            self.process = subprocess.Popen(self.args, cwd=work, env=env or clean_env(work), stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        Photoshare.started.append(self)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def check_running(self) -> None:
        if self.process.poll() is not None:
            raise AssertionError(f"{' '.join(self.args[1:])} exited with {self.process.returncode}:\n{self.log()[-3000:]}")

    def wait_for(self, what: str, predicate, timeout: float):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_running()
            try:
                value = predicate()
            except AssertionError as failed:
                raise AssertionError(f"{failed}\n{' '.join(self.args[1:])} said:\n{self.log()[-3000:]}") from None
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}:\n{self.log()[-3000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Send ``sig`` (the binary's launcher passes it on to the program) and wait; the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        self.kill_group()
        return self.process.wait()

    def kill_group(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run(binary: str, work: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([binary, *args], cwd=work, env=clean_env(work), capture_output=True, text=True,
                          timeout=timeout)


def check_no_network() -> None:
    """Only loopback: an address outside cannot even be routed to."""
    with socket.socket() as sock:
        sock.settimeout(3)
        try:
            sock.connect(("192.0.2.1", 80))  # TEST-NET-1, never assigned
        except OSError:
            return
    raise AssertionError("the network namespace has a route out")


def healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=2, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def web_page(response: httpx.Response) -> httpx.Response | None:
    return response if response.status_code == 200 and "text/html" in response.headers.get("content-type", "") else None


def start_server(binary: str, work: Path, *args: str) -> tuple[Photoshare, str]:
    port = free_port()
    server = Photoshare(binary, work, "serve", "--port", str(port), *args)
    url = f"http://127.0.0.1:{port}"
    server.wait_for("/healthz", lambda: healthy(url), START_TIMEOUT_SECONDS)
    return server, url


def jpeg(size=(1200, 900)) -> bytes:
    out = io.BytesIO()
    photographic(size, seed=6).save(out, "JPEG", quality=88)
    return out.getvalue()


def scenario_serve(binary: str, work: Path) -> None:
    """serve on a fresh HOME (default data folder), replicating with the bundled Litestream: register the
    first account (with the setup code serve prints), upload a photo and a video (ffmpeg), see both
    processed in the home feed, fetch a variant and the web app; then restore the replica with
    ``admin restore`` and list the account with ``admin users list``."""
    check_no_network()
    replica = work / "replica"
    server, url = start_server(binary, work, "--replicate", str(replica))
    with httpx.Client(base_url=url, timeout=30, trust_env=False) as client:
        # A first start prints a one-time setup link; the first account registers with its code.
        setup = SETUP_LINK.search(server.log())
        account = {"username": "grandma", "password": PASSWORD, **({"setup_code": setup.group(1)} if setup else {})}
        response = client.post("/api/v1/auth/register", json=account)
        assert response.status_code == 201, response.text
        headers = {"Authorization": f"Bearer {response.json()['token']}"}
        video = work / "clip.mp4"
        make_video(video, seconds=1.5)
        uploads = [("photo.jpg", jpeg(), "image/jpeg"), ("clip.mp4", video.read_bytes(), "video/mp4")]
        for index, (name, data, kind) in enumerate(uploads):
            response = client.post("/api/v1/posts", headers={**headers, "Idempotency-Key": f"binary-{index}"},
                                   files={"media": (name, data, kind)}, data={"caption": f"from the binary {name}"})
            assert response.status_code == 201, response.text

        def feed_ready():
            response = client.get("/api/v1/feed", headers=headers)
            assert response.status_code == 200, (response.status_code, response.text)
            posts = response.json()["posts"]
            statuses = [media["status"] for post in posts for media in post["media"]]
            assert "failed" not in statuses, posts
            return posts if len(posts) == 2 and set(statuses) == {"ready"} else None

        posts = server.wait_for("both posts processed in the feed", feed_ready, READY_TIMEOUT_SECONDS)
        assert {post["media"][0]["type"] for post in posts} == {"photo", "video"}
        variant = posts[-1]["media"][0]["variants"]["640"]
        response = client.get(variant, headers=headers)
        assert response.status_code == 200 and response.headers["content-type"].startswith("image/"), response.headers
        if WEB_UI_LINE in server.log():  # the web app beside the API, for phones on the network
            page = server.wait_for("the web app at /", lambda: web_page(client.get("/")), START_TIMEOUT_SECONDS)
            assert "flutter" in page.text, page.text[:500]
        server.wait_for("Litestream replicating", lambda: "photoshare_replication_up 1" in client.get("/metrics").text,
                        START_TIMEOUT_SECONDS)
    assert server.stop() == 0, server.log()[-3000:]
    # Stopped cleanly (its web app, media processes and Litestream with it), it removed its unpacked copy.
    assert not list((work / "tmp").glob("_MEI*")), list((work / "tmp").iterdir())
    print(f"serve: healthy, registered, 2 posts processed, replicated ({server.log_path.name})")

    restored = work / "restored"
    result = run(binary, work, "admin", "restore", str(replica), "--data-dir", str(restored))
    assert result.returncode == 0, result.stdout + result.stderr
    result = run(binary, work, "admin", "users", "list", "--data-dir", str(restored))
    assert result.returncode == 0 and "grandma" in result.stdout, result.stdout + result.stderr
    print("admin restore and admin users list: the account came back from the replica")


def scenario_worker(binary: str, work: Path) -> None:
    """worker starts on the default data folder, says it runs, and exits cleanly on SIGTERM."""
    check_no_network()
    worker = Photoshare(binary, work, "worker")
    worker.wait_for("the worker's ready line", lambda: WORKER_READY_LINE in worker.log(), START_TIMEOUT_SECONDS)
    status = worker.stop(signal.SIGTERM)
    assert status == 0, f"worker exited with {status} on SIGTERM:\n{worker.log()[-3000:]}"
    print("worker: started and stopped cleanly on SIGTERM")


def scenario_web(binary: str, work: Path) -> None:
    """web serves the Flutter client, CanvasKit and our fonts from inside the binary."""
    check_no_network()
    port = free_port()
    web = Photoshare(binary, work, "web", "--port", str(port), "--server", "http://127.0.0.1:9")
    url = f"http://127.0.0.1:{port}"

    def page():
        try:
            return web_page(httpx.get(url + "/", timeout=2, trust_env=False))
        except httpx.HTTPError:
            return None

    assert "flutter" in web.wait_for("the web app", page, START_TIMEOUT_SECONDS).text
    for path in ("/canvaskit/canvaskit.wasm", "/main.dart.js", "/fonts/DejaVuSans.ttf"):
        response = httpx.get(url + path, timeout=10, trust_env=False)
        assert response.status_code == 200 and len(response.content) > 10_000, (path, response.status_code)
    web.stop(signal.SIGINT)
    print("web: the client, CanvasKit and the fonts are served")


def scenario_app(binary: str, work: Path, display: str) -> None:
    """app --server URL opens its window (searched with xdotool on the test's Xvfb display)."""
    check_no_network()
    server, url = start_server(binary, work)
    env = clean_env(work, DISPLAY=display)
    app = Photoshare(binary, work, "app", "--server", url, env=env)

    def window():
        found = subprocess.run(["xdotool", "search", "--name", "PhotoShare"], env={**os.environ, "DISPLAY": display},
                               capture_output=True, text=True, timeout=30).stdout.split()
        return found[0] if found else None

    try:
        window_id = app.wait_for("the PhotoShare window", window, WINDOW_TIMEOUT_SECONDS)
        print(f"app: window {window_id} open")
    finally:
        # The app leaves on SIGINT (as from source); its desktop client goes with the process group.
        app.stop(signal.SIGINT)
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", choices=["serve", "worker", "web", "app"])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--work", required=True, type=Path)
    parser.add_argument("--display", default="")
    options = parser.parse_args()
    binary = str(Path(options.binary).resolve())
    try:
        if options.scenario == "app":
            scenario_app(binary, options.work, options.display)
        else:
            globals()[f"scenario_{options.scenario}"](binary, options.work)
    finally:
        for program in reversed(Photoshare.started):
            program.stop()


if __name__ == "__main__":
    sys.exit(main())
