"""Which server the client talks to and the signed-in account's token.

The token lives in a file only the user can read (0600) in the platform's config folder — never in
web client storage, where any script on the page could read it.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import platformdirs

APP_NAME = "photoshare"
DEFAULT_SERVER_URL = "http://127.0.0.1:8080"
SESSION_FILE = "session.json"
# Only the owner may read or write: the token is as good as the password.
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
# Tests and side-by-side installs point the client at another folder with this variable.
CLIENT_DIR_ENV = "PHOTOSHARE_CLIENT_DIR"


def client_dir() -> Path:
    """The client's own folder: session, upload queue, caches, watched-folder memory."""
    configured = os.environ.get(CLIENT_DIR_ENV)
    path = Path(configured) if configured else Path(platformdirs.user_config_dir(APP_NAME))
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    return path


@dataclass
class SessionData:
    server_url: str = DEFAULT_SERVER_URL
    token: str | None = None
    user_id: str | None = None
    username: str | None = None

    @property
    def signed_in(self) -> bool:
        return bool(self.token)


class SessionStore:
    def __init__(self, folder: Path | None = None) -> None:
        self.path = (folder or client_dir()) / SESSION_FILE

    def load(self) -> SessionData:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except (FileNotFoundError, ValueError):
            return SessionData()
        known = SessionData.__dataclass_fields__
        return SessionData(**{key: value for key, value in data.items() if key in known})

    def save(self, session: SessionData) -> None:
        """Write atomically with 0600 from the first byte (no window where the token is world-readable)."""
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".session-")
        try:
            os.fchmod(fd, PRIVATE_FILE_MODE)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(asdict(session), handle)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def sign_out(self) -> SessionData:
        """Forget the token but keep the server address, so signing in again is one step."""
        session = self.load()
        signed_out = SessionData(server_url=session.server_url)
        self.save(signed_out)
        return signed_out


def normalise_server_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url:
        return DEFAULT_SERVER_URL
    if "://" not in url:
        url = "http://" + url
    return url
