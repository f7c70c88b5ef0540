"""Where PhotoShare finds the files it ships: beside the sources, or inside the one-file binary.

From a source checkout the bundled files (``assets/``) sit at the repository root. In the binary built by
``photoshare.spec`` they are unpacked at start into a private folder (``sys._MEIPASS``). Code asks here
instead of computing paths from ``__file__``, so the same lines work in both.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def frozen() -> bool:
    """True inside the PyInstaller binary."""
    return bool(getattr(sys, "frozen", False))


def bundle_root() -> Path:
    """The folder that holds ``assets/``: the repository root, or the binary's unpacked folder."""
    if frozen():
        return Path(getattr(sys, "_MEIPASS", os.path.dirname(os.path.abspath(sys.executable))))
    return Path(__file__).resolve().parents[1]


def assets_dir() -> Path:
    """Fonts and images the app serves to its window and to browsers."""
    return bundle_root() / "assets"


def photoshare_command(*args: str) -> list[str]:
    """The command line that runs ``photoshare <args>`` again: the binary itself, or this Python with ``-m app``."""
    if frozen():
        return [sys.executable, *args]
    return [sys.executable, "-m", "app", *args]
