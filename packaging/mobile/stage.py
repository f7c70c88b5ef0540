"""Write the folder ``flet build apk`` / ``flet build ipa`` builds the phone app from (docs/mobile.md).

``flet build`` packages everything in its folder and installs the folder's ``[project] dependencies`` into
the app. The repository's own are the server's too (PostgreSQL's driver, Litestream, aiohttp…), which have
no Android or iOS builds and have no business on a phone, so the app is built from a client-only copy:

- ``app/``, ``ui/`` and ``assets/`` (the icons ``flet build`` looks for: ``assets/icon.png``,
  ``assets/icon_android.png``), and ``main.py`` (``packaging/mobile/main.py``);
- ``pyproject.toml`` with the repository's name, version and every ``[tool.flet…]`` table as they are, and
  ``CLIENT_PACKAGES`` as dependencies, at the repository's pins.

    .venv/bin/python packaging/mobile/stage.py [build/mobile]
"""

from __future__ import annotations

import re
import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What app/ and ui/ import on a phone. Left out: pillow-heif (HEIC decoding; no phone build, and app/editing.py
# does without it), watchdog (watched folders are a desktop feature), and the web app's server (brotli, FastAPI).
# flet-video brings the Video control, and with it the player (media_kit) into the phone build.
CLIENT_PACKAGES = ("flet", "flet-video", "httpx", "diskcache", "platformdirs", "Pillow")
COPIED = ("app", "ui", "assets")
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "cli")


def client_dependencies(pyproject: dict) -> list[str]:
    pins = {re.split(r"[=<>!~ ;\[]", spec, 1)[0].lower(): spec for spec in pyproject["project"]["dependencies"]}
    return [pins[name.lower()] for name in CLIENT_PACKAGES]


def flet_tables(text: str) -> str:
    """The ``[tool.flet…]`` tables of a pyproject.toml, verbatim."""
    kept, keeping = [], False
    for line in text.splitlines():
        if line.startswith("["):
            keeping = line.startswith("[tool.flet")
        if keeping:
            kept.append(line)
    return "\n".join(kept).strip() + "\n"


def stage(target: Path) -> Path:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pyproject = tomllib.loads(text)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in COPIED:
        shutil.copytree(ROOT / name, target / name, ignore=SKIPPED)
    shutil.copy(ROOT / "packaging" / "mobile" / "main.py", target / "main.py")
    project = pyproject["project"]
    dependencies = "".join(f'    "{spec}",\n' for spec in client_dependencies(pyproject))
    (target / "pyproject.toml").write_text(
        f'[project]\nname = "{project["name"]}"\nversion = "{project["version"]}"\n'
        f'description = "{project["description"]}"\nrequires-python = "{project["requires-python"]}"\n'
        f"dependencies = [\n{dependencies}]\n\n{flet_tables(text)}", encoding="utf-8")
    return target


if __name__ == "__main__":
    folder = stage(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "mobile")
    print(f"staged {folder}: now `cd {folder} && flet build apk` (or `flet build ipa` on a Mac)")
