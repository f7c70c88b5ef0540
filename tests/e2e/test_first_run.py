"""`photoshare serve` as a newcomer runs it: the setup link, the web app at the same address, a clean stop.

Real processes throughout: the server, its web app child (Flet's web server) and a browser's part
played by aiohttp (the page, then the app's websocket through the server's forwarding).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import time

import aiohttp
import msgpack
import pytest

from tests.e2e.servers import ServerProcess

WEB_APP_TIMEOUT_SECONDS = 90  # the first page load makes Flet copy and patch its web files
SETUP_LINK = re.compile(r"(http://\S+)/setup\?code=([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4})")
CHILD_LINE = re.compile(r"web app started \(pid (\d+)\) on (http://127\.0\.0\.1:\d+)")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by a dead parent's successor) counts as gone
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


def wait_gone(pid: int, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.2)
    return False


def child_of(server: ServerProcess) -> tuple[int, str]:
    server.wait_for_log("web app started")
    pid, upstream = CHILD_LINE.search(server.log_path.read_text()).groups()
    return int(pid), upstream


async def wait_for_web_app(session: aiohttp.ClientSession, url: str) -> str:
    deadline = time.monotonic() + WEB_APP_TIMEOUT_SECONDS
    while True:
        async with session.get(url + "/") as response:
            text = await response.text()
            if response.status == 200:
                return text
            assert response.status == 503 and "PhotoShare is starting" in text, (response.status, text[:300])
        assert time.monotonic() < deadline, "the web app did not come up"
        await asyncio.sleep(0.5)


async def register_flet_client(session: aiohttp.ClientSession, url: str) -> list:
    """Open the app's websocket the way the browser does and register; answers Flet's reply frame."""
    async with session.ws_connect(url.replace("http", "ws", 1) + "/ws", max_msg_size=0) as ws:
        hello = [1, {"session_id": "", "page_name": "", "page": {"route": "/", "width": 400, "height": 800}}]
        await ws.send_bytes(msgpack.packb(hello))
        message = await ws.receive(timeout=30)
        assert message.type == aiohttp.WSMsgType.BINARY, message
        return msgpack.unpackb(message.data, strict_map_key=False)


@pytest.fixture
def first_run_server(tmp_path):
    env = {"PHOTOSHARE_WEB_UI": "true", "PHOTOSHARE_REQUIRE_SETUP_CODE": "true", "PHOTOSHARE_REGISTRATION": "closed"}
    server = ServerProcess(tmp_path / "data", env=env).start()
    yield server
    server.stop()


def test_first_run_setup_link_web_app_and_clean_stop(first_run_server):
    server = first_run_server
    log = server.log_path.read_text()
    assert (server.data_dir / "photoshare.db").exists()
    assert f"Open PhotoShare in a browser: {server.url}/" in log
    base, code = SETUP_LINK.search(log).groups()
    assert base == server.url and f"setup code {code}" in log
    pid, upstream = child_of(server)
    assert upstream != server.url

    async def scenario():
        async with aiohttp.ClientSession() as session:
            page = await wait_for_web_app(session, server.url)
            assert '<base href="/">' in page and "flutter" in page.lower()  # Flet's page, through the server
            async with session.get(server.url + "/main.dart.js") as response:
                assert response.status == 200 and len(await response.read()) > 100_000
            async with session.get(server.url + "/healthz") as response:  # the server's own paths stay its own
                assert response.status == 200 and (await response.json())["status"] == "ok"
            async with session.get(server.url + "/api/v1/nope") as response:
                assert response.status == 404 and (await response.json())["error"]["code"] == "not_found"

            reply = await register_flet_client(session, server.url)
            assert reply[0] == 1 and reply[1]["session_id"] and not reply[1].get("error")

            async with session.get(server.url + "/api/v1/setup") as response:
                assert await response.json() == {"setup_required": True, "registration": "closed"}  # as this server is set
            body = {"username": "stranger", "password": "a long password"}
            async with session.post(server.url + "/api/v1/auth/register", json=body) as response:
                assert response.status == 403 and (await response.json())["error"]["code"] == "setup_code_required"
            async with session.get(server.url + f"/setup?code={code}") as response:
                assert response.status == 200 and code in await response.text()
            form = {"code": code, "username": "grandma", "password": "knitting needles", "password2": "knitting needles"}
            async with session.post(server.url + "/setup", data=form) as response:
                assert response.status == 200 and "You are the admin" in await response.text()
            async with session.post(server.url + "/api/v1/auth/login",
                                    json={"username": "grandma", "password": "knitting needles"}) as response:
                assert (await response.json())["user"]["is_admin"] is True
            async with session.post(server.url + "/api/v1/auth/register", json=body) as response:
                assert (await response.json())["error"]["code"] == "registration_closed"  # the mode rules from now on

    asyncio.run(scenario())
    server.stop()
    assert server.process.returncode == 0
    assert wait_gone(pid, 5), "the web app child outlived the server"


def test_the_web_app_child_is_restarted_and_dies_with_a_killed_server(first_run_server):
    server = first_run_server
    pid, _ = child_of(server)
    os.kill(pid, signal.SIGKILL)
    server.wait_for_log("starting it again")
    deadline = time.monotonic() + 30
    while len(CHILD_LINE.findall(server.log_path.read_text())) < 2:
        assert time.monotonic() < deadline, server.log_path.read_text()[-2000:]
        time.sleep(0.2)
    second = int(CHILD_LINE.findall(server.log_path.read_text())[-1][0])
    assert second != pid and alive(second)
    server.kill()  # SIGKILL: the server cannot stop its child, so the child notices and leaves by itself
    assert wait_gone(second, 10), "the web app child outlived a killed server"


def test_web_ui_off_and_no_setup_code(tmp_path):
    server = ServerProcess(tmp_path / "data", env={"PHOTOSHARE_WEB_UI": "false", "PHOTOSHARE_REQUIRE_SETUP_CODE": "false"}).start()
    try:
        log = server.log_path.read_text()
        assert "web app is off" in log and "/setup?code=" not in log and "web app started" not in log

        async def scenario():
            async with aiohttp.ClientSession() as session:
                async with session.get(server.url + "/") as response:
                    assert response.status == 404 and response.content_type == "application/json"
                body = {"username": "owner", "password": "a long password"}
                async with session.post(server.url + "/api/v1/auth/register", json=body) as response:
                    assert response.status == 201 and (await response.json())["user"]["is_admin"] is True

        asyncio.run(scenario())
    finally:
        server.stop()


def test_a_restart_replaces_the_setup_code(tmp_path):
    env = {"PHOTOSHARE_WEB_UI": "false", "PHOTOSHARE_REQUIRE_SETUP_CODE": "true"}
    first = ServerProcess(tmp_path / "data", env=env).start()
    first.stop()
    old_code = SETUP_LINK.search(first.log_path.read_text()).group(2)
    second = ServerProcess(tmp_path / "data", port=first.port, env=env)
    second.log_path = tmp_path / "second.log"
    second.start()
    try:
        new_code = SETUP_LINK.search(second.log_path.read_text()).group(2)
        assert new_code != old_code

        async def scenario():
            async with aiohttp.ClientSession() as session:
                body = {"username": "owner", "password": "a long password", "setup_code": old_code}
                async with session.post(second.url + "/api/v1/auth/register", json=body) as response:
                    assert (await response.json())["error"]["code"] == "invalid_setup_code"
                async with session.post(second.url + "/api/v1/auth/register", json={**body, "setup_code": new_code}) as response:
                    assert response.status == 201
        asyncio.run(scenario())
    finally:
        second.stop()
    third = ServerProcess(tmp_path / "data", port=first.port, env=env)
    third.log_path = tmp_path / "third.log"
    third.start()
    third.stop()
    assert "/setup?code=" not in third.log_path.read_text()  # accounts exist: no code, no link


@pytest.mark.slow
def test_several_server_processes_share_one_web_app(tmp_path):
    from tests.backends.postgres import fresh_postgres
    from tests.backends.redis import fresh_redis

    with fresh_postgres() as database, fresh_redis() as redis:
        env = {f"PHOTOSHARE_{name.upper()}": str(value) for name, value in {**database, **redis}.items()}
        env.update({"PHOTOSHARE_WEB_UI": "true", "PHOTOSHARE_REQUIRE_SETUP_CODE": "true", "PHOTOSHARE_JOB_WORKERS": "0"})
        server = ServerProcess(tmp_path / "data", env=env, args=["--workers", "2"]).start()
        try:
            pid, _ = child_of(server)
            assert SETUP_LINK.search(server.log_path.read_text())  # issued once, by the supervising parent

            async def scenario():
                async with aiohttp.ClientSession() as session:
                    await wait_for_web_app(session, server.url)
                    for _ in range(4):  # whichever process takes the connection forwards to the one child
                        reply = await register_flet_client(session, server.url)
                        assert reply[0] == 1 and reply[1]["session_id"]

            asyncio.run(scenario())
            time.sleep(1)
            assert len(CHILD_LINE.findall(server.log_path.read_text())) == 1
        finally:
            server.stop()
        assert server.process.returncode == 0
        assert wait_gone(pid, 5)


def test_child_command_runs_the_binary_itself_when_frozen(monkeypatch, tmp_path):
    import sys

    from server.config import load
    from server.ops.webui import WebUIProcess

    settings = load(overrides={"data_dir": str(tmp_path), "host": "0.0.0.0", "port": 9999}, environ={}, config_file=None)
    command = WebUIProcess(settings, port=12345).command()
    assert command[:3] == [sys.executable, "-m", "app"]
    assert command[3:] == ["web", "--host", "127.0.0.1", "--port", "12345", "--server", "http://127.0.0.1:9999"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", "/opt/photoshare/photoshare")
    assert WebUIProcess(settings, port=12345).command()[:2] == ["/opt/photoshare/photoshare", "web"]
    env = WebUIProcess(settings, port=12345).environment()
    assert env["PHOTOSHARE_CLIENT_DIR"] == str(tmp_path / "web-app") and env["PHOTOSHARE_PARENT_PID"] == str(os.getpid())


def test_banner_addresses(tmp_path):
    from server.config import load
    from server.ops.first_run import SetupCode, banner, browser_urls

    def settings(**values):
        return load(overrides={"data_dir": str(tmp_path), **values}, environ={}, config_file=None)

    assert browser_urls(settings(host="127.0.0.1", port=8080)) == ["http://127.0.0.1:8080"]
    assert browser_urls(settings(host="0.0.0.0", port=8080))[-1] == "http://127.0.0.1:8080"
    assert browser_urls(settings(public_url="https://photos.example.org/")) == ["https://photos.example.org"]
    lines = "\n".join(banner(settings(host="127.0.0.1"), SetupCode("ABCD-EFGH-JKMN", int(time.time() * 1000) + 86_400_000)))
    assert "http://127.0.0.1:8080/setup?code=ABCD-EFGH-JKMN" in lines and "24 hours" in lines
    assert "--host 0.0.0.0" in lines  # loopback only: say how to let phones in


def test_the_web_app_watches_the_server_by_pid_not_as_its_parent(tmp_path):
    """The one-file binary puts a launcher between the server and the web app: watching getppid() would
    not do. Here a stand-in server (sleep) is not the probe's parent either; killing it ends the probe."""
    import sys

    from tests.e2e.servers import ROOT

    stand_in = subprocess.Popen(["sleep", "60"])
    probe = ("import sys, time\n"
             "from app.cli.launch import _exit_with_parent\n"
             "_exit_with_parent(int(sys.argv[1]))\n"
             "print('watching', flush=True)\n"
             "time.sleep(60)\n")
    launcher = subprocess.Popen(["sh", "-c", f'"{sys.executable}" -c "$0" "$1"; echo "probe exited $?"', probe, str(stand_in.pid)],
                                cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert launcher.stdout.readline().strip() == "watching"
        time.sleep(1.5)
        assert launcher.poll() is None  # the server is alive: the app stays
        stand_in.kill()
        stand_in.wait()
        assert launcher.stdout.readline().strip() == "probe exited 0"
        launcher.wait(10)
    finally:
        stand_in.kill()
        launcher.kill()


def test_a_web_app_that_died_on_a_taken_port_starts_again_on_another(tmp_path, monkeypatch):
    """The child's port was taken (by a process that keeps it): restarting on the same port would fail for ever.
    The supervisor restarts it on a fresh port and tells the proxy where it now is."""
    import socket
    import sys

    from server.config import load
    from server.ops import webui

    monkeypatch.setattr(webui, "RESTART_DELAY_SECONDS", (0,))
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    taken = squatter.getsockname()[1]
    # A stand-in for `photoshare web`: binds its port and stays, or exits 3 (as uvicorn does) when it is taken.
    child = ("import socket, sys, time\nserver = socket.socket()\n"
             "try:\n    server.bind(('127.0.0.1', int(sys.argv[1])))\nexcept OSError:\n    sys.exit(3)\n"
             "server.listen()\ntime.sleep(60)\n")
    settings = load(overrides={"data_dir": str(tmp_path)}, environ={}, config_file=None)
    process = webui.WebUIProcess(settings, port=taken)
    monkeypatch.setattr(process, "command", lambda: [sys.executable, "-c", child, str(process.port)])
    moved_to = []
    process.on_upstream_change = moved_to.append
    try:
        process.start()
        assert process.process.wait(10) == 3  # its port was taken
        deadline = time.monotonic() + 10
        while not process.running and time.monotonic() < deadline:
            process.supervise()
            time.sleep(0.05)
        assert process.running, "the web app was not started again"
        assert process.port != taken and moved_to == [f"http://127.0.0.1:{process.port}"]
        while True:  # the new child listens there (once it has bound: bounded)
            try:
                socket.create_connection(("127.0.0.1", process.port), timeout=5).close()
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline + 10, "the restarted web app never listened"
                time.sleep(0.05)
    finally:
        process.stop()
        squatter.close()
