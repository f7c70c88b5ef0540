"""The system libraries the desktop window needs on Linux, checked before the window is started.

Flet's desktop client (the ``flet`` program inside flet-desktop's ``flet-linux-*.tar.gz``) is a Flutter GTK
application with plugins for sound (GStreamer), video (libmpv) and secure storage (libsecret). Without one of
their libraries the client prints a loader error and the app used to exit with status 0, so the window simply
never came. ``missing()`` looks each library up as the dynamic loader would (``LD_LIBRARY_PATH``, then the
loader's cache from ``ldconfig -p``), and ``photoshare app`` stops with a message naming the missing ones and
the command that installs them.

``LIBRARIES`` is what ``readelf -d`` lists as NEEDED for that program and its bundled plugins (flet-desktop
0.82.2), less the C library's own and what the archive carries itself, with the Debian/Ubuntu package of
each (found with ``dpkg -S``). Most come with ``libgtk-3-0``; the four packages named in docs/client.md are
the ones a desktop without media players usually lacks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

# soname -> Debian/Ubuntu package
LIBRARIES = {
    "libgtk-3.so.0": "libgtk-3-0",
    "libgdk-3.so.0": "libgtk-3-0",
    "libgstreamer-1.0.so.0": "libgstreamer1.0-0",
    "libgstbase-1.0.so.0": "libgstreamer1.0-0",
    "libgstapp-1.0.so.0": "libgstreamer-plugins-base1.0-0",
    "libsecret-1.so.0": "libsecret-1-0",
    "libmpv.so.2": "libmpv2",
    "libepoxy.so.0": "libepoxy0",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libgio-2.0.so.0": "libglib2.0-0",
    "libpango-1.0.so.0": "libpango-1.0-0",
    "libpangocairo-1.0.so.0": "libpangocairo-1.0-0",
    "libharfbuzz.so.0": "libharfbuzz0b",
    "libatk-1.0.so.0": "libatk1.0-0",
    "libcairo.so.2": "libcairo2",
    "libcairo-gobject.so.2": "libcairo-gobject2",
    "libgdk_pixbuf-2.0.so.0": "libgdk-pixbuf-2.0-0",
    "libfontconfig.so.1": "libfontconfig1",
    "libstdc++.so.6": "libstdc++6",
}
LDCONFIG_FALLBACKS = ("/sbin/ldconfig", "/usr/sbin/ldconfig")  # not on a normal user's PATH on Debian


def ldconfig_output() -> str | None:
    """``ldconfig -p``: the loader's cache of libraries, or None where there is no such program."""
    program = shutil.which("ldconfig") or next((path for path in LDCONFIG_FALLBACKS if os.access(path, os.X_OK)), None)
    if program is None:
        return None
    try:
        return subprocess.run([program, "-p"], capture_output=True, text=True, timeout=20, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None


def cached_sonames(output: str) -> set[str]:
    """The sonames in ``ldconfig -p`` output of this machine's word size (lines ``\\tname (libc6,x86-64) => path``)."""
    wanted_64 = sys.maxsize > 2**32
    found = set()
    for line in output.splitlines():
        name, arrow, _path = line.strip().partition(" => ")
        if not arrow or " (" not in name:
            continue
        soname, _, flags = name.partition(" (")
        if ("64" in flags) == wanted_64 and "x32" not in flags:
            found.add(soname.strip())
    return found


def missing(ldconfig: str | None = None, library_path: str | None = None) -> list[str]:
    """The sonames of LIBRARIES the loader would not find; empty if all are there or this is not Linux.

    ``ldconfig``: ``ldconfig -p`` output (default: run it); ``library_path``: LD_LIBRARY_PATH (default: the
    environment's)."""
    if not sys.platform.startswith("linux"):
        return []
    output = ldconfig if ldconfig is not None else ldconfig_output()
    if output is None:
        return []  # no loader cache to ask (not glibc): let the window try
    found = cached_sonames(output)
    if "libc.so.6" not in found:
        return []  # a loader cache that does not know even the C library (NixOS, say) cannot tell: let the window try
    folders = [folder for folder in (library_path if library_path is not None else os.environ.get("LD_LIBRARY_PATH", "")).split(":") if folder]
    return [soname for soname in LIBRARIES
            if soname not in found and not any(os.path.exists(os.path.join(folder, soname)) for folder in folders)]


def packages_for(sonames: list[str]) -> list[str]:
    return sorted({LIBRARIES[soname] for soname in sonames})


def message(sonames: list[str]) -> str:
    packages = packages_for(sonames)
    return ("The desktop app cannot start: these system libraries are missing: {}.\n"
            "On Debian or Ubuntu install them with:\n    sudo apt-get install {}\n"
            "(docs/client.md lists what the desktop app needs; `photoshare web` works without them.)"
            ).format(", ".join(f"{soname} ({LIBRARIES[soname]})" for soname in sonames), " ".join(packages))
