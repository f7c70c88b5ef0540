"""`photoshare app` checks the desktop window's system libraries first (app/desktop_libs.py).

Without them Flet's desktop client printed a loader error and the app exited 0 with no window. The check
reads the loader's cache (`ldconfig -p`); here the real cache of this machine is shown to the command with
libraries taken out, as on a desktop that lacks them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from app.desktop_libs import LIBRARIES, cached_sonames, ldconfig_output, message, missing
from tests.e2e.servers import ROOT

# Lines of `ldconfig -p` from a Debian 13 machine (x86-64) with everything installed, plus a 32-bit entry.
LDCONFIG = """753 libs found in cache `/etc/ld.so.cache'
\tlibsecret-1.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libsecret-1.so.0
\tlibmpv.so.2 (libc6,x86-64) => /lib/x86_64-linux-gnu/libmpv.so.2
\tlibgtk-3.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libgtk-3.so.0
\tlibgstapp-1.0.so.0 (libc6) => /lib/i386-linux-gnu/libgstapp-1.0.so.0
\tlibc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6
"""


def test_the_check_names_what_the_loader_cannot_find(tmp_path):
    assert {"libsecret-1.so.0", "libmpv.so.2", "libgtk-3.so.0", "libc.so.6"} <= cached_sonames(LDCONFIG)
    assert "libgstapp-1.0.so.0" not in cached_sonames(LDCONFIG)  # a 32-bit copy does not serve a 64-bit program
    lacking = missing(LDCONFIG, library_path="")
    assert "libgstapp-1.0.so.0" in lacking and "libmpv.so.2" not in lacking and "libgtk-3.so.0" not in lacking
    # A folder on LD_LIBRARY_PATH holding the library is enough.
    (tmp_path / "libgstapp-1.0.so.0").write_bytes(b"")
    assert "libgstapp-1.0.so.0" not in missing(LDCONFIG, library_path=str(tmp_path))
    # A cache that does not know the C library says nothing (not glibc's): no false alarm.
    assert missing("0 libs found in cache\n", library_path="") == []
    text = message(["libmpv.so.2", "libgstapp-1.0.so.0"])
    assert "libmpv.so.2" in text and "sudo apt-get install libgstreamer-plugins-base1.0-0 libmpv2" in text


def test_this_machine_has_them_all():
    assert ldconfig_output() is not None and missing() == []


def test_photoshare_app_stops_with_the_install_command(tmp_path):
    """The real command with a loader cache lacking libmpv and GStreamer's base plugins: exit 3, no window."""
    hidden = ("libmpv.so.2", "libgstapp-1.0.so.0")
    real = ldconfig_output()
    fake = tmp_path / "bin" / "ldconfig"
    fake.parent.mkdir()
    (tmp_path / "cache.txt").write_text("".join(line + "\n" for line in real.splitlines()
                                                if not line.strip().startswith(hidden)))
    fake.write_text(f"#!/bin/sh\ncat {tmp_path / 'cache.txt'}\n")
    fake.chmod(0o755)
    env = {"PATH": f"{fake.parent}:/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
           "PHOTOSHARE_CLIENT_DIR": str(tmp_path / "client")}
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "app", "app"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 3, result.stderr
    assert "libmpv.so.2 (libmpv2)" in result.stderr and "libgstapp-1.0.so.0 (libgstreamer-plugins-base1.0-0)" in result.stderr
    assert "sudo apt-get install libgstreamer-plugins-base1.0-0 libmpv2" in result.stderr
    assert time.monotonic() - started < 30 and not os.path.exists(tmp_path / ".flet")  # the client was never unpacked
    assert set(LIBRARIES) >= set(hidden)
