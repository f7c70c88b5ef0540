"""``photoshare app`` and ``photoshare web``: start the Flet UI.

The one module of ``app/`` that imports ``ui/``, and only inside the commands, so the server, the worker and
the admin commands never load Flet.
"""

from __future__ import annotations

import os

import click

from .root import main


EXIT_MISSING_LIBRARIES = 3  # `photoshare app` without the desktop window's system libraries (app.desktop_libs)


@main.command("app")
@click.option("--server", "server_url", default=None, help="PhotoShare server address (default: the last one used).")
@click.option("--embedded", is_flag=True, help="Also run a private server in the background (single user, local first).")
def app_command(server_url, embedded) -> None:
    """Open the PhotoShare desktop app.

    Example: photoshare app --server http://photos.local:8080
    """
    from app.desktop_libs import message, missing

    lacking = missing()  # before anything starts: the window's process would fail with a loader error
    if lacking:
        click.echo(message(lacking), err=True)
        raise SystemExit(EXIT_MISSING_LIBRARIES)
    from ui.app import run_desktop

    server = None
    if embedded:
        from app.session import client_dir
        from ui.embedded import EmbeddedServer

        # The private server listens on loopback for this app alone: no setup code to type (the app
        # registers its one account), and no web app beside it. The child inherits these.
        os.environ.setdefault("PHOTOSHARE_REQUIRE_SETUP_CODE", "false")
        os.environ.setdefault("PHOTOSHARE_WEB_UI", "false")
        server = EmbeddedServer(client_dir() / "embedded-server")
        server_url = server.start()
        click.echo(f"Embedded server on {server_url}")
    try:
        run_desktop(server_url)
    finally:
        if server is not None:
            server.stop()


@main.command("web")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve the web app on.")
@click.option("--port", type=int, default=8550, show_default=True, help="Port to serve the web app on.")
@click.option("--server", "server_url", default=None, help="PhotoShare server address (default: the last one used).")
@click.option("--per-browser", is_flag=True,
              help="Every browser signs in on its own (always so when started by `serve` or served beyond this machine).")
def web_command(host, port, server_url, per_browser) -> None:
    """Serve the PhotoShare app to a browser (the same UI as the desktop window).

    `photoshare serve` already does this at its own address; this runs the app on its own.

    Example: photoshare web --port 8550 --server http://127.0.0.1:8080
    """
    from ui.app import run_web

    parent = os.environ.get(PARENT_PID_ENV)
    if parent:  # started by `photoshare serve`, which forwards browsers here and prints the address itself
        _exit_with_parent(int(parent))
    else:
        click.echo(f"PhotoShare web app on http://{host}:{port}")
    # Anyone who can reach the app must sign in themselves: one shared sign-in is only for this machine's user.
    per_browser = per_browser or bool(parent) or host not in ("127.0.0.1", "localhost", "::1")
    # Served by `serve` beside its API: the server is the one the page came from, so nobody is asked for its address.
    run_web(host, port, server_url, per_browser=per_browser, server_fixed=bool(parent) and server_url is not None)


PARENT_PID_ENV = "PHOTOSHARE_PARENT_PID"  # the same name as server.ops.webui.PARENT_PID_ENV, without importing the server
PARENT_CHECK_SECONDS = 1.0


def _exit_with_parent(parent_pid: int) -> None:
    """Leave as soon as the server that started us is gone (killed without a chance to stop us).

    The server is watched by its process id, not as our parent: the one-file binary puts its own
    launcher process between the two.
    """
    from server.ops.lifeline import exit_with

    exit_with(parent_pid, check_seconds=PARENT_CHECK_SECONDS)
