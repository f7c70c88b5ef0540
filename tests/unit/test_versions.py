"""The app and the server say the same version (Settings → About shows the app's; `photoshare --version` the server's)."""

import tomllib
from pathlib import Path

import app
import server


def test_the_app_the_server_and_the_package_carry_one_version():
    project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())["project"]
    assert app.__version__ == server.__version__ == project["version"]
