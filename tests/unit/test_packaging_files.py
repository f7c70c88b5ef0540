"""packaging/: the user-level installer, the desktop entry, the systemd unit, the examples and the icons."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from tests.services import require
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"
ICONS = ROOT / "assets" / "icons"


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    binary = tmp_path / "photoshare"
    binary.write_text('#!/bin/sh\necho "photoshare, version 1.2.3"\n')
    binary.chmod(0o755)
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin"}
    return home, binary, env


def run_installer(env, *args):
    return subprocess.run(["sh", str(PACKAGING / "install.sh"), *args], env=env, capture_output=True, text=True, timeout=60)


def test_install_and_uninstall_for_the_user(home):
    home, binary, env = home
    result = run_installer(env, "--binary", str(binary))
    assert result.returncode == 0, result.stderr
    installed = home / ".local" / "bin" / "photoshare"
    assert installed.read_bytes() == binary.read_bytes() and os.access(installed, os.X_OK)
    assert "Installed photoshare, version 1.2.3" in result.stdout and "not on your PATH" in result.stdout
    entry = home / ".local" / "share" / "applications" / "photoshare.desktop"
    assert f'Exec="{installed}" app' in entry.read_text()
    icons = home / ".local" / "share" / "icons" / "hicolor"
    for size in (48, 128, 256, 512):
        assert Image.open(icons / f"{size}x{size}" / "apps" / "photoshare.png").size == (size, size)
    assert (icons / "scalable" / "apps" / "photoshare.svg").read_bytes() == (ICONS / "photoshare.svg").read_bytes()

    again = run_installer(env, "--binary", str(binary))  # installing over an install is fine
    assert again.returncode == 0, again.stderr

    (home / ".local" / "share" / "photoshare").mkdir()  # the server's data: never touched
    removed = run_installer(env, "--uninstall")
    assert removed.returncode == 0 and "uninstalled" in removed.stdout
    left = sorted(p.relative_to(home).as_posix() for p in home.rglob("*") if p.is_file())
    assert not [p for p in left if "photoshare" in p], left
    assert (home / ".local" / "share" / "photoshare").is_dir()


def test_installer_honours_xdg_folders_and_needs_a_binary(home, tmp_path):
    home, binary, env = home
    env = {**env, "XDG_BIN_HOME": str(tmp_path / "bin"), "XDG_DATA_HOME": str(tmp_path / "data")}
    assert run_installer(env, f"--binary={binary}").returncode == 0
    assert (tmp_path / "bin" / "photoshare").exists() and (tmp_path / "data" / "applications" / "photoshare.desktop").exists()
    missing = run_installer(env, "--binary", str(tmp_path / "nope"))
    assert missing.returncode == 1 and "no photoshare binary" in missing.stderr
    assert run_installer(env, "--frobnicate").returncode == 2


def test_desktop_entry():
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read(PACKAGING / "photoshare.desktop")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application" and entry["Name"] == "PhotoShare"
    assert entry["Exec"] == "photoshare app" and entry["Icon"] == "photoshare" and entry["Terminal"] == "false"
    assert entry["Categories"].endswith(";") and "Photography" in entry["Categories"]
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(PACKAGING / "photoshare.desktop")], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_systemd_unit(tmp_path):
    text = (PACKAGING / "photoshare.service").read_text()
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read_string(text)
    service = parser["Service"]
    assert service["User"] == "photoshare" and service["StateDirectory"] == "photoshare"
    assert "serve" in service["ExecStart"] and "--data-dir /var/lib/photoshare" in service["ExecStart"]
    for hardening in ("NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "CapabilityBoundingSet="):
        assert f"\n{hardening}\n" in text
    if shutil.which("systemd-analyze"):
        unit = tmp_path / "photoshare.service"
        unit.write_text(text.replace("/usr/local/bin/photoshare", shutil.which("true") or "/bin/true"))
        result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, cwd=tmp_path)
        problems = [line for line in (result.stdout + result.stderr).splitlines() if "photoshare.service" in line]
        assert not problems, problems


def test_settings_example_is_valid():
    from server.config import SETTINGS_BY_NAME, load

    settings = load(environ={}, config_file=PACKAGING / "photoshare.toml")
    assert settings.registration == "invite" and settings.data_dir == "/var/lib/photoshare"
    import tomllib

    keys = tomllib.loads((PACKAGING / "photoshare.toml").read_text())
    assert set(keys) <= set(SETTINGS_BY_NAME)


def test_litestream_example():
    import yaml

    document = yaml.safe_load((PACKAGING / "litestream.yml").read_text())
    [database] = document["dbs"]
    assert database["path"] == "/var/lib/photoshare/photoshare.db" and database["replica"]["type"] == "file"
    from server.config import load
    from server.ops.replication import ReplicationError, litestream_binary

    try:
        binary = litestream_binary(load(environ={}, config_file=None))
    except ReplicationError as exc:
        require(False, f"no litestream program here ({exc})")
    result = subprocess.run([binary, "databases", "-config", str(PACKAGING / "litestream.yml")], capture_output=True, text=True)
    assert result.returncode == 0 and "/var/lib/photoshare/photoshare.db" in result.stdout, result.stderr


def test_icons():
    svg = ElementTree.parse(ICONS / "photoshare.svg").getroot()
    assert svg.get("viewBox") == "0 0 512 512"
    for size in (48, 128, 256, 512):
        image = Image.open(ICONS / f"photoshare-{size}.png")
        assert image.size == (size, size) and image.mode == "RGBA"
        assert image.getpixel((0, 0))[3] == 0 and image.getpixel((size // 2, size // 2))[3] == 255  # rounded tile
    # What browsers get from the web app in place of Flet's own icons.
    for name, size in (("icon-192.png", 192), ("icon-512.png", 512), ("icon-maskable-512.png", 512), ("apple-touch-icon-192.png", 192)):
        assert Image.open(ICONS / name).size == (size, size)
    import json

    assert json.loads((ROOT / "assets" / "manifest.json").read_text())["name"] == "PhotoShare"


def test_command_line_starts_without_the_heavy_imports():
    """`photoshare --help` and `--version` answer at once: no server, image, UI or event-loop modules at import."""
    probe = ("import sys, app.cli\n"
             "heavy = [m for m in ('aiohttp', 'PIL', 'flet', 'asyncio', 'server.web.app', 'sqlite3', 'psycopg', 'argon2')"
             " if m in sys.modules]\n"
             "print(','.join(heavy))\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "", f"imported at startup: {result.stdout.strip()}"
