"""Temporary folders per process, and the startup sweep: what a killed process left goes, what a live one
is writing stays. The other processes are real ones (a Python child holding its folder)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from server.scratch import STALE_UNLOCKED_SECONDS, ScratchDir, sweep

ROOT = Path(__file__).resolve().parents[2]
HOLDER = """
import sys, time
from server.scratch import ScratchDir
folder = ScratchDir(sys.argv[1]).path()
(folder / "upload-partial").write_bytes(b"x" * 1000)
print(folder, flush=True)
sys.stdin.read()  # until the test closes our stdin, or kills us
"""


def start_holder(tmp: Path) -> tuple[subprocess.Popen, Path]:
    child = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return child, Path(child.stdout.readline().strip())


def test_a_live_process_keeps_its_files_and_a_killed_one_loses_them(tmp_path):
    tmp = tmp_path / "tmp"
    live, live_folder = start_holder(tmp)
    killed, killed_folder = start_holder(tmp)
    try:
        killed.send_signal(signal.SIGKILL)
        killed.wait(10)
        assert (killed_folder / "upload-partial").exists()
        removed, freed = sweep(tmp)
        assert (removed, freed) == (1, 1000)
        assert not killed_folder.exists() and not killed_folder.with_name(killed_folder.name + ".lock").exists()
        assert (live_folder / "upload-partial").exists(), "a live process's upload must survive another's start"
    finally:
        live.stdin.close()
        live.wait(10)
        killed.kill() if killed.poll() is None else None
    sweep(tmp)  # the live one ended without cleaning up (like a crash): now it goes too
    assert list(tmp.iterdir()) == []


def test_entries_without_an_owner_go_only_once_stale(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    fresh, old = tmp / "upload-abc", tmp / "render-7-xyz"
    fresh.write_bytes(b"new")
    old.mkdir()
    (old / "photo.jpg").write_bytes(b"o" * 10)
    long_ago = time.time() - STALE_UNLOCKED_SECONDS - 60
    for path in (old / "photo.jpg", old):
        os.utime(path, (long_ago, long_ago))
    assert sweep(tmp) == (1, 10)
    assert fresh.exists() and not old.exists()


def test_a_clean_stop_removes_its_own_folder(tmp_path):
    scratch = ScratchDir(tmp_path / "tmp")
    folder = scratch.path()
    (folder / "avatar-1").mkdir()
    assert scratch.path() == folder  # one folder for the process's life
    scratch.close()
    assert list((tmp_path / "tmp").iterdir()) == []
