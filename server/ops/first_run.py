"""What ``photoshare serve`` does and says before it listens: the data folder, the addresses, the setup code.

On a server with no account yet, ``serve`` issues a one-time setup code (only its hash is stored) and
prints it with a link to ``/setup``. Until someone registers with that code, nobody can register at all,
so a stranger on the same network cannot make themselves the admin of a freshly started server.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import time
from pathlib import Path

from ..bootstrap import open_database
from ..config import Settings
from ..services.registration import drop_setup_codes, issue_setup_code

WILDCARD_HOSTS = ("", "0.0.0.0", "::")


@dataclasses.dataclass(frozen=True)
class SetupCode:
    code: str
    expires_at_ms: int


def prepare(settings: Settings) -> SetupCode | None:
    """Create the data folder and the database; issue a setup code if no account exists (and one is required)."""
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)

    async def run() -> SetupCode | None:
        db = open_database(settings)
        await db.open()
        try:
            if not settings.require_setup_code:
                await drop_setup_codes(db)
                return None
            issued = await issue_setup_code(db)
            return SetupCode(*issued) if issued else None
        finally:
            await db.close()

    return asyncio.run(run())


def _format_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def lan_address() -> str | None:
    """This machine's address on its main network, or None (no network). Sends nothing: a UDP
    "connection" only asks the kernel which interface would be used."""
    for probe, family in (("192.0.2.1", socket.AF_INET), ("2001:db8::1", socket.AF_INET6)):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.connect((probe, 9))
                address = sock.getsockname()[0]
        except OSError:
            continue
        if address and not address.startswith(("127.", "::1")):
            return address
    return None


def browser_urls(settings: Settings) -> list[str]:
    """Where people open PhotoShare: the public URL if set, else this machine's addresses (network first)."""
    if settings.public_url:
        return [settings.public_url.rstrip("/")]
    port = settings.port
    if settings.host.strip() in WILDCARD_HOSTS:
        urls = []
        address = lan_address()
        if address:
            urls.append(f"http://{_format_host(address)}:{port}")
        urls.append(f"http://127.0.0.1:{port}")
        return urls
    return [f"http://{_format_host(settings.host.strip())}:{port}"]


def banner(settings: Settings, setup: SetupCode | None) -> list[str]:
    """The lines ``serve`` prints after its first line: where to open the app, and the setup link."""
    urls = browser_urls(settings)
    lines = []
    if settings.web_ui:
        lines.append(f"Open PhotoShare in a browser: {urls[0]}/")
        if len(urls) > 1:
            lines.append(f"  (on this computer: {urls[1]}/)")
    else:
        lines.append(f"The web app is off (web_ui = false): use `photoshare app --server {urls[0]}`")
    if settings.host.strip() in ("127.0.0.1", "localhost", "::1") and not settings.public_url:
        lines.append("Only this computer can reach it; add --host 0.0.0.0 to let phones on your network in.")
    if setup is not None:
        hours = max(1, round((setup.expires_at_ms / 1000 - time.time()) / 3600))
        lines += [
            "",
            "No account exists yet. Create the admin account (this link works once, for the next "
            f"{hours} hours):",
            f"    {urls[0]}/setup?code={setup.code}",
            f"or register in the app with the setup code {setup.code}",
            "(restarting the server, or `photoshare admin setup-link`, makes a new one).",
            "",
        ]
    return lines
