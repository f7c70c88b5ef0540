"""The one-file binary: built by packaging/build.sh, then run on a clean HOME with the network cut.

The build is reused when ``dist/photoshare`` is newer than every file it is made from, so a rerun is
quick; the build time and size are printed either way (from ``dist/photoshare.build.txt``, which
build.sh writes). Each scenario runs in a new network namespace that has only loopback (``unshare -n``;
``unshare -r -n`` where creating one needs a user namespace): see tests/packaging/netless.py.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from server import __version__
from tests.e2e.servers import ROOT
from tests.services import require
from tests.xvfb import virtual_screen

pytestmark = pytest.mark.slow

BINARY = ROOT / "dist" / "photoshare"
BUILD_INFO = ROOT / "dist" / "photoshare.build.txt"
# What the binary is made from; anything newer than it means a rebuild.
SOURCES = ["server", "app", "ui", "assets", "packaging", "photoshare.spec", "pyproject.toml"]
BUILD_TIMEOUT_SECONDS = 1800  # a clean build on two busy cores takes a few minutes
SCENARIO_TIMEOUT_SECONDS = 420
TIMING_RUNS = 5




def newest_source() -> tuple[float, Path]:
    newest = (0.0, ROOT)
    for name in SOURCES:
        root = ROOT / name
        paths = [root] if root.is_file() else (p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for path in paths:
            newest = max(newest, (path.stat().st_mtime, path))
    return newest


@pytest.fixture(scope="session")
def binary() -> Path:
    """dist/photoshare, built by packaging/build.sh unless it is newer than every source file."""
    require(sys.platform.startswith("linux"), "the binary smoke test runs on Linux")
    newest_time, newest_path = newest_source()
    if BINARY.exists() and BINARY.stat().st_mtime > newest_time:
        return BINARY
    started = time.monotonic()
    result = subprocess.run(["bash", str(ROOT / "packaging" / "build.sh")], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "PYTHON": sys.executable}, timeout=BUILD_TIMEOUT_SECONDS)
    assert result.returncode == 0, f"packaging/build.sh failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    assert BINARY.exists() and BINARY.stat().st_mtime > newest_time, f"the build left {newest_path} newer than the binary"
    print(f"built because {newest_path.relative_to(ROOT)} changed, in {time.monotonic() - started:.0f} s")
    return BINARY


def netless_prefix() -> list[str]:
    """The command prefix that runs a program in a new network namespace with loopback up and nothing else."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    require(unshare is not None, "unshare is not installed (util-linux)")
    require(ip is not None, "ip is not installed (iproute2)")
    tried = []
    # As root a network namespace is enough; without root, a user namespace maps us to root inside it.
    for flags in (["-n"], ["-r", "-n"]):
        probe = subprocess.run([unshare, *flags, ip, "link", "set", "lo", "up"], capture_output=True, text=True)
        if probe.returncode == 0:
            return [unshare, *flags, "sh", "-c", f'{ip} link set lo up && exec "$@"', "netless"]
        tried.append(f"unshare {' '.join(flags)}: {probe.stderr.strip()}")
    require(False, "cannot create a network namespace (" + "; ".join(tried) + ")")
    return []


@pytest.fixture(scope="session")
def netless() -> list[str]:
    return netless_prefix()


@pytest.fixture
def work(tmp_path):
    """A folder for one scenario; the binary's unpacked copies and the desktop client go with it at the end."""
    yield tmp_path
    shutil.rmtree(tmp_path / "tmp", ignore_errors=True)
    shutil.rmtree(tmp_path / "home", ignore_errors=True)


def run_scenario(netless: list[str], binary: Path, work: Path, scenario: str, *args: str) -> str:
    command = [*netless, sys.executable, "-m", "tests.packaging.netless", scenario, "--binary", str(binary),
               "--work", str(work), *args]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=SCENARIO_TIMEOUT_SECONDS)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"the {scenario} scenario failed:\n{output[-8000:]}"
    return output


def timed(netless: list[str], binary: Path, work: Path, *args: str) -> tuple[float, subprocess.CompletedProcess]:
    env = {"HOME": str(work / "home"), "TMPDIR": str(work / "tmp"), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    for folder in ("home", "tmp"):
        (work / folder).mkdir(exist_ok=True)
    started = time.perf_counter()
    result = subprocess.run([*netless, str(binary), *args], cwd=work, env=env, capture_output=True, text=True, timeout=60)
    return time.perf_counter() - started, result


def test_version_and_help_answer_from_the_binary(binary, netless, work, capsys):
    build_info = BUILD_INFO.read_text().strip() if BUILD_INFO.exists() else "build time not recorded"
    size = binary.stat().st_size
    version_times, help_times = [], []
    for _ in range(TIMING_RUNS):
        seconds, result = timed(netless, binary, work, "--version")
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"photoshare, version {__version__}"
        version_times.append(seconds)
        seconds, result = timed(netless, binary, work, "--help")
        assert result.returncode == 0, result.stderr
        for command in ("serve", "worker", "app", "web", "settings", "admin"):
            assert f"  {command} " in result.stdout, result.stdout
        help_times.append(seconds)
    assert not any((work / "tmp").iterdir()), "the binary left its unpacked copy behind"
    with capsys.disabled():
        print(f"\n[binary] {build_info}; size {size} bytes ({size / 2**20:.0f} MiB)"
              f"; --version median {statistics.median(version_times):.2f} s, --help median {statistics.median(help_times):.2f} s"
              f" ({TIMING_RUNS} runs each, network namespace included)")


def test_serve_registers_uploads_and_processes_offline(binary, netless, work, capsys):
    output = run_scenario(netless, binary, work, "serve")
    with capsys.disabled():
        print("\n[binary] " + output.strip().replace("\n", "\n[binary] "))


def test_worker_starts_and_stops_on_sigterm(binary, netless, work):
    run_scenario(netless, binary, work, "worker")


def test_web_serves_the_client_offline(binary, netless, work):
    run_scenario(netless, binary, work, "web")


@pytest.fixture
def xvfb():
    require(shutil.which("xdotool") is not None, "xdotool is not installed (apt-get install xdotool)")
    with virtual_screen(1100, 900) as display:
        yield display


def test_app_opens_its_window_offline(binary, netless, work, xvfb):
    run_scenario(netless, binary, work, "app", "--display", xvfb)
