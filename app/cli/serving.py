"""``photoshare serve``, ``worker`` and ``settings``: running the server and its background jobs."""

from __future__ import annotations

import sys

import click

from server import __version__
from server.config import Settings, settings_reference

from .root import config_option, data_dir_option, main, settings_for, start_logging


@main.command()
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1; 0.0.0.0 for your network).")
@click.option("--port", type=int, default=None, help="Port to listen on (default 8080).")
@click.option("--workers", "server_processes", type=click.IntRange(1, 64), default=None,
              help="Server processes sharing the port (default 1). More than 1 needs PostgreSQL and Redis.")
@click.option("--replicate", "replicate_url", default=None, metavar="URL",
              help="Back up the SQLite database continuously with Litestream to a folder or s3://BUCKET/PATH?endpoint=….")
@data_dir_option
@config_option
def serve(host, port, server_processes, replicate_url, data_dir, config) -> None:
    """Run the PhotoShare server: the API, media, background jobs and the web app.

    On a server with no account yet it prints a one-time link to create the admin account.
    The web app is served at the same address (turn it off with PHOTOSHARE_WEB_UI=false).

    Example: photoshare serve --host 0.0.0.0 --port 8080 --data-dir ~/photoshare --replicate /mnt/backup/photoshare
    """
    settings = settings_for(data_dir, config, host=host, port=port, server_processes=server_processes, replicate_url=replicate_url)
    start_logging(settings)
    if settings.server_processes > 1:
        _serve_processes(settings)
        return
    from server.web.app import create_app

    app = create_app(settings)
    if settings.replicate_url:
        from server.ops.replication import ReplicationError, attach_replication

        try:
            attach_replication(app, settings)
        except (ReplicationError, ValueError) as exc:
            raise click.UsageError(f"--replicate: {exc}") from None
    setup = _first_run(settings)
    if settings.replicate_url:
        click.echo(f"Replicating the database to {settings.replicate_url} with Litestream")
    if settings.web_ui:
        from server.ops.webui import WebUIProcess, attach_web_ui

        web_ui = WebUIProcess(settings)
        attach_web_ui(app, web_ui.upstream, web_ui)
    click.echo(f"PhotoShare {__version__} serving on http://{settings.host}:{settings.port} (data in {settings.data_dir})")
    _banner(settings, setup)
    from server.ops.runtime import tune_for_serving
    from server.web.serving import run_app

    tune_for_serving()
    run_app(app, settings, host=settings.host, port=settings.port, shutdown_timeout=10)


def _first_run(settings: Settings):
    """Create the data folder and database; on a server with no account, issue the setup code."""
    from server.ops.first_run import prepare

    try:
        return prepare(settings)
    except OSError as exc:
        raise click.ClickException(f"Cannot use the data folder {settings.data_dir}: {exc}") from None
    except Exception as exc:  # the database's own error types (SQLite, PostgreSQL): say which and why
        raise click.ClickException(f"Cannot open the database ({type(exc).__name__}): {exc}") from None


def _banner(settings: Settings, setup) -> None:
    from server.ops.first_run import banner

    for line in banner(settings, setup):
        click.echo(line)


def _serve_processes(settings: Settings) -> None:
    from server.ops.process_group import ProcessGroup, scaled_out_problem

    problem = scaled_out_problem(settings)
    if problem:
        raise click.UsageError(f"--workers {settings.server_processes}: {problem}")
    if settings.replicate_url:
        raise click.UsageError("--replicate backs up the embedded SQLite database, which runs in one process; "
                               "back up PostgreSQL with its own tools")
    setup = _first_run(settings)  # once, before any server process answers
    click.echo(f"PhotoShare {__version__} serving on http://{settings.host}:{settings.port} "
               f"with {settings.server_processes} processes (data in {settings.data_dir})")
    _banner(settings, setup)
    sys.exit(ProcessGroup(settings, settings.server_processes).run())


@main.command()
@data_dir_option
@config_option
def worker(data_dir, config) -> None:
    """Run background jobs only (media processing, fanout, cleanup), no HTTP.

    Example: photoshare worker --data-dir ~/photoshare
    """
    import asyncio
    import signal

    from server.bootstrap import build_context, close_context

    settings = settings_for(data_dir, config)
    start_logging(settings)

    async def run() -> None:
        ctx = await build_context(settings, run_jobs=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        click.echo(f"PhotoShare worker running {settings.job_workers} job tasks (data in {settings.data_dir})")
        await stop.wait()
        await close_context(ctx)

    from server.ops.runtime import tune_for_serving

    tune_for_serving()
    asyncio.run(run())


@main.command("settings")
@click.option("--markdown", is_flag=True, help="Print the settings reference as Markdown (docs/settings.md).")
@data_dir_option
@config_option
def settings_command(markdown, data_dir, config) -> None:
    """Show every setting and its current value.

    Example: PHOTOSHARE_REGISTRATION=invite photoshare settings
    """
    if markdown:
        click.echo(settings_reference(), nl=False)
        return
    settings = settings_for(data_dir, config)
    for name, value in settings.values.items():
        click.echo(f"{name} = {value!r}")
