"""The folder `flet build apk|ipa` builds the phone app from (packaging/mobile/stage.py, docs/mobile.md).

The Flutter SDK is not on this machine, so nothing here builds an APK; what can be checked is what the build
would package: the client only, its settings, its icons, and that the UI imports without any server package.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib

from PIL import Image

from tests.e2e.servers import ROOT

BLOCKER = """
import importlib.abc, sys
BLOCKED = {"server", "aiohttp", "psycopg", "redis", "watchdog", "pillow_heif", "fastapi", "uvicorn", "flet_web",
           "flet_desktop", "click", "brotli"}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(name + " is not in the phone app")
sys.meta_path.insert(0, Block())
import ui.app, ui.shell, ui.core, app.session, app.upload_queue, app.api_client
print("imported")
"""


def test_the_staged_folder_is_the_client_alone(tmp_path):
    target = tmp_path / "mobile"
    subprocess.run([sys.executable, str(ROOT / "packaging" / "mobile" / "stage.py"), str(target)], check=True,
                   capture_output=True, timeout=60)
    assert sorted(path.name for path in target.iterdir()) == ["app", "assets", "main.py", "pyproject.toml", "ui"]
    pyproject = tomllib.loads((target / "pyproject.toml").read_text())
    assert [spec.split("==")[0] for spec in pyproject["project"]["dependencies"]] == [
        "flet", "flet-video", "httpx", "diskcache", "platformdirs", "Pillow"]
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["tool"]["flet"] == root["tool"]["flet"]
    assert pyproject["tool"]["flet"]["product"] == "PhotoShare" and pyproject["tool"]["flet"]["app"]["module"] == "main"
    for icon in ("icon.png", "icon_android.png"):
        assert Image.open(target / "assets" / icon).size == (1024, 1024)
    result = subprocess.run([sys.executable, "-c", BLOCKER], cwd=target, env={"PYTHONPATH": str(target), "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "imported", result.stderr[-2000:]
