"""The ``photoshare`` command: serve, worker, settings and the admin toolbox.

``photoshare --help`` and ``--version`` must answer at once, from source and from the one-file binary:
this module imports only click and the settings table at the top; the server (aiohttp), Pillow, Flet
and even asyncio are imported inside the commands that use them. A test keeps it so.
"""

from __future__ import annotations

import logging
import os
import sys

import click

from server import __version__
from server.config import ConfigError, Settings, load, settings_reference


DATABASE_URL_META = "photoshare.database_url"  # where --database-url leaves its value for _settings


def _settings(data_dir: str | None, config: str | None, **overrides) -> Settings:
    context = click.get_current_context(silent=True)
    database_url = context.meta.get(DATABASE_URL_META) if context is not None else None
    try:
        return load(overrides={"data_dir": data_dir, "database_url": database_url, **overrides}, config_file=config if config else "")
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def _logging(settings: Settings) -> None:
    logging.basicConfig(
        level=getattr(logging, settings.log_level.upper()),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _remember_database_url(context: click.Context, _param, value: str | None) -> None:
    if value:
        context.meta[DATABASE_URL_META] = value


_data_dir = click.option("--data-dir", type=click.Path(file_okay=False), default=None,
                         help="Folder for the database and media (default: the platform's user data folder).")
# Given beside every --data-dir, without a parameter of its own in each command: _settings reads it.
_database_url = click.option("--database-url", metavar="URL", default=None, expose_value=False, callback=_remember_database_url,
                             help="The database, when not the data folder's SQLite file: postgresql://USER:PASSWORD@HOST/DB "
                                  "(or PHOTOSHARE_DATABASE_URL).")


def data_dir_option(command):
    return _data_dir(_database_url(command))
config_option = click.option("--config", type=click.Path(dir_okay=False, exists=True), default=None,
                             help="A TOML settings file (see docs/settings.md).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="photoshare")
def main() -> None:
    """PhotoShare: self-hosted photo sharing for families and communities."""


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
    settings = _settings(data_dir, config, host=host, port=port, server_processes=server_processes, replicate_url=replicate_url)
    _logging(settings)
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

    settings = _settings(data_dir, config)
    _logging(settings)

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
    settings = _settings(data_dir, config)
    for name, value in settings.values.items():
        click.echo(f"{name} = {value!r}")


@main.group()
def admin() -> None:
    """Administer a PhotoShare deployment (run on the server's machine)."""


def missing_database(settings: Settings) -> str | None:
    """Why an admin command must not run here, or None: a SQLite deployment whose folder has no database.

    Opening the context would create a new, empty database in that folder (the default one when no
    ``--data-dir`` was given), and the command would then act on it: invite codes and accounts the real
    server never sees. PostgreSQL deployments are not checked here: their database is made by its admin.
    """
    url = settings.resolved_database_url
    if not url.startswith("sqlite:///"):
        return None
    from server.stores.sqlite import path_from_url

    path = path_from_url(url)
    if os.name != "nt":
        path = "/" + path.lstrip("/")  # sqlite:////abs/path gives //abs/path
    if os.path.isfile(path):
        return None
    return (f"There is no PhotoShare database in {os.path.dirname(path) or '.'} (looked for {path}).\n"
            "Point this command at the server's data: --data-dir FOLDER (the folder `photoshare serve` printed "
            "as 'data in …'), or PHOTOSHARE_DATA_DIR=FOLDER, or, for a server on PostgreSQL, "
            "--database-url postgresql://… (or PHOTOSHARE_DATABASE_URL, or database_url in a --config file).\n"
            "A new deployment gets its database when `photoshare serve` first starts.")


def require_database(settings: Settings) -> None:
    problem = missing_database(settings)
    if problem:
        raise click.ClickException(problem)


def _with_context(settings: Settings, action):
    import asyncio

    from server.bootstrap import build_context, close_context

    require_database(settings)  # every admin command goes through here: never create a database by accident

    async def run():
        ctx = await build_context(settings, run_jobs=False)
        try:
            return await action(ctx)
        finally:
            await close_context(ctx)

    return asyncio.run(run())


@admin.command()
@click.option("--count", type=click.IntRange(1, 100), default=1, show_default=True, help="How many codes to make.")
@data_dir_option
@config_option
def invite(count, data_dir, config) -> None:
    """Make invite codes (each works once, for 7 days) for `registration = invite`.

    Example: photoshare admin invite --count 3
    """
    settings = _settings(data_dir, config)

    async def action(ctx):
        return [await ctx.registration.create_invite() for _ in range(count)]

    for code in _with_context(settings, action):
        click.echo(code)


@admin.command()
@click.option("--post", "post_id", type=int, default=None, help="Only this post's media.")
@click.option("--user", "username", default=None, help="Only this account's media.")
@click.option("--failed-only", is_flag=True, help="Only media whose processing failed.")
@data_dir_option
@config_option
def reprocess(post_id, username, failed_only, data_dir, config) -> None:
    """Run the media pipeline again (for example after changing a media setting), with a progress bar.

    Photos keep being served from their old variants until the new ones are stored.

    Example: photoshare admin reprocess --failed-only
    """
    settings = _settings(data_dir, config)

    async def action(ctx):
        media_ids = await ctx.admin.media_to_reprocess(post_id=post_id, username=username, failed_only=failed_only)
        outcome: dict[str, int] = {}
        with click.progressbar(length=len(media_ids), label=f"Reprocessing {len(media_ids)} media", show_pos=True) as bar:
            for media_id in media_ids:
                status = await ctx.media.reprocess(media_id)
                outcome[status] = outcome.get(status, 0) + 1
                bar.update(1)
        return outcome

    outcome = _with_context(settings, action)
    summary = ", ".join(f"{count} {status}" for status, count in sorted(outcome.items())) or "nothing to do"
    click.echo(f"Done: {summary}")


def _register_admin_tools() -> None:
    from app.admin_tools import _commands

    for command in _commands(_settings, _with_context, data_dir_option, config_option):
        admin.add_command(command)


_register_admin_tools()


@admin.command()
@click.argument("source", metavar="SOURCE")
@click.option("--force", is_flag=True, help="Replace an existing database (it is kept beside, renamed).")
@data_dir_option
@config_option
def restore(source, force, data_dir, config) -> None:
    """Rebuild a deployment from a `photoshare admin backup` folder, or its SQLite database from a
    Litestream replica (a folder or s3://BUCKET/PATH?endpoint=…).

    Stop the server first. A backup folder brings back the database and the media files; a Litestream
    replica holds the database only (keep media on its own disk or S3).

    Example: photoshare admin restore /mnt/usb/photoshare-backup --data-dir ~/photoshare
    """
    from server.ops.backup import is_backup

    settings = _settings(data_dir, config)
    if is_backup(source):
        _restore_backup(settings, source, force)
        return
    from server.ops.restore import RestoreError, restore_database

    try:
        restore_database(settings, source, force=force, progress=click.echo)
    except RestoreError as exc:
        raise click.ClickException(str(exc)) from None


class _Bars:
    """click progress bars driven by (done, total) callbacks, one bar per phase."""

    def __init__(self, labels: dict[str, str]) -> None:
        self.labels = labels
        self.bars: dict[str, object] = {}
        self.done: dict[str, int] = {}

    def callback(self, phase: str):
        def update(done: int, total: int) -> None:
            bar = self.bars.get(phase)
            if bar is None:
                if total <= 0:
                    return
                bar = click.progressbar(length=total, label=self.labels[phase], show_percent=True)
                bar.__enter__()
                self.bars[phase] = bar
                self.done[phase] = 0
            bar.length = max(total, 1)
            step = done - self.done[phase]
            if step > 0:
                bar.update(step)
                self.done[phase] = done
            if done >= total:
                self.finish(phase)

        return update

    def finish(self, phase: str | None = None) -> None:
        for name in [phase] if phase else list(self.bars):
            bar = self.bars.pop(name, None)
            if bar is not None:
                bar.__exit__(None, None, None)

    def say(self, text: str) -> None:
        self.finish()
        click.echo(text)


def _restore_backup(settings: Settings, source: str, force: bool) -> None:
    from server.ops.backup import BackupError, Progress, restore

    bars = _Bars({"database": "Database", "media": "Media   "})
    try:
        result = restore(settings, source, force=force,
                         progress=Progress(database=bars.callback("database"), media=bars.callback("media"), say=bars.say))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        bars.finish()
    click.echo(f"Restored the backup of {result['created_at']}: {result['users']} accounts, {result['posts']} posts, "
               f"{result['media_copied']} media files copied.")
    if result["media_missing"]:
        click.echo(f"{result['media_missing']} file(s) the database refers to are not in the backup (deleted while it "
                   "ran); `admin check` lists them.")
    click.echo(f"Check it with `photoshare admin check --data-dir {settings.data_dir}`, then start the server again.")


@admin.command()
@click.argument("destination", metavar="DEST", type=click.Path(file_okay=False))
@data_dir_option
@config_option
def backup(destination, data_dir, config) -> None:
    """Copy the database and media files into the folder DEST, while the server runs.

    The database is copied as it was at one instant (SQLite's online backup), then the media files it refers
    to; backing up into the same folder again copies only new files and, once the new copy is complete and
    checked, removes those of things deleted since. Restore with `photoshare admin restore DEST`.

    Example: photoshare admin backup /mnt/usb/photoshare-backup --data-dir ~/photoshare
    """
    from server.ops.backup import BackupError, Progress, backup as run_backup

    settings = _settings(data_dir, config)
    require_database(settings)
    bars = _Bars({"database": "Database", "media": "Media   "})
    try:
        report = run_backup(settings, destination,
                            Progress(database=bars.callback("database"), media=bars.callback("media"), say=bars.say))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        bars.finish()
    click.echo(f"Backed up {report.users} accounts and {report.posts} posts to {report.folder}")
    if report.media_skipped:
        click.echo(f"Media not copied: {report.media_skipped}")
    else:
        click.echo(f"Media: {report.media_files} files ({report.media_bytes / 1_048_576:.1f} MB), "
                   f"{report.copied_files} copied this time")
        if report.pruned_files:
            click.echo(f"Removed from the backup: {report.pruned_files} files ({report.pruned_bytes / 1_048_576:.1f} MB) "
                       "of posts and accounts deleted since its previous run")
    if report.vanished:
        click.echo(f"{report.vanished} file(s) were deleted while the backup ran (their posts were deleted after the "
                   "database was copied); run the backup again for a copy without them.")


@admin.command("setup-link")
@data_dir_option
@config_option
def setup_link(data_dir, config) -> None:
    """Make a new one-time link and code to create the admin account (while no account exists).

    The link `photoshare serve` printed stops working. Use it when that one expired or got lost.

    Example: photoshare admin setup-link --data-dir /var/lib/photoshare
    """
    from server.ops.first_run import SetupCode, browser_urls

    settings = _settings(data_dir, config)
    issued = _with_context(settings, lambda ctx: ctx.registration.issue_setup_code())
    if issued is None:
        raise click.ClickException("This server already has accounts. Make another admin with "
                                   "`photoshare admin users create NAME --admin`.")
    setup = SetupCode(*issued)
    click.echo(f"Create the admin account at {browser_urls(settings)[0]}/setup?code={setup.code}")
    click.echo(f"or register in the app with the setup code {setup.code} (works once, for 24 hours).")


@admin.command("migrate-to-postgres")
@click.option("--to", "target_url", required=True, metavar="URL",
              help="The PostgreSQL database to fill: postgresql://USER:PASSWORD@HOST:5432/DBNAME (created, and empty).")
@click.option("--force", is_flag=True, help="Replace the data a non-empty target already holds.")
@data_dir_option
@config_option
def migrate_to_postgres(target_url, force, data_dir, config) -> None:
    """Copy an embedded deployment's data (its SQLite database) into PostgreSQL, verified table by table.

    Stop the server first. Media files are not copied: rows refer to them by key, so the new
    deployment's blob_url must reach the same files (see docs/postgres.md).

    Example: photoshare admin migrate-to-postgres --to postgresql://photoshare@db.lan/photoshare --data-dir ~/photoshare
    """
    import contextlib
    from pathlib import Path

    import psycopg

    from server.stores.copy_to_postgres import CopyCountMismatch, CopyRefused, copy_sqlite_to_postgres
    from server.stores.sqlite import path_from_url

    if not target_url.startswith(("postgresql://", "postgres://")):
        raise click.UsageError("--to must be a postgresql:// URL.")
    settings = _settings(data_dir, config)
    source_url = settings.resolved_database_url
    # The settings may already name the new database; the embedded one is then the data folder's file.
    source = path_from_url(source_url) if source_url.startswith("sqlite:///") else str(settings.data_path / "photoshare.db")
    source = str(Path(source).resolve())
    if not Path(source).is_file():
        raise click.UsageError(f"There is no embedded database at {source}; pass the deployment's --data-dir.")
    try:
        with contextlib.ExitStack() as progress:
            bar = None

            def start(total: int) -> None:
                nonlocal bar
                click.echo(f"Copying {total:,} rows from {source} to {_hide_password(target_url)}")
                bar = progress.enter_context(click.progressbar(length=total, label="Copying", show_pos=True))

            counts = copy_sqlite_to_postgres(source, target_url, force=force, on_start=start, on_rows=lambda rows: bar.update(rows))
    except CopyCountMismatch as exc:
        raise click.ClickException(str(exc)) from None
    except CopyRefused as exc:
        raise click.ClickException(f"Nothing was copied: {exc}") from None
    except psycopg.Error as exc:
        raise click.ClickException(f"PostgreSQL refused ({type(exc).__name__}): {exc}; nothing was kept.") from None
    width = max(len(count.table) for count in counts)
    click.echo(f"{'table':<{width}}  {'SQLite':>10}  {'PostgreSQL':>10}")
    for count in counts:
        click.echo(f"{count.table:<{width}}  {count.source_rows:>10,}  {count.target_rows:>10,}  {'ok' if count.matches else 'DIFFERENT'}")
    click.echo(f"All {len(counts)} tables match ({sum(c.target_rows for c in counts):,} rows).")
    click.echo(f"Next: run PhotoShare with database_url={_hide_password(target_url)} and blob_url={settings.resolved_blob_url} "
               "(media stays where it is; or move it to S3 and point blob_url there).")


def _hide_password(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


@admin.group()
def jobs() -> None:
    """Background jobs: list, retry failed ones, purge."""


@jobs.command("list")
@click.option("--status", type=click.Choice(["queued", "running", "failed"]), default=None, help="Only jobs in this state.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@data_dir_option
@config_option
def jobs_list(status, limit, data_dir, config) -> None:
    """List jobs, newest first, with their last error.

    Example: photoshare admin jobs list --status failed
    """
    settings = _settings(data_dir, config)

    async def action(ctx):
        return await ctx.jobs.counts(), await ctx.jobs.list_jobs(status, limit)

    counts, rows = _with_context(settings, action)
    click.echo("  ".join(f"{name}: {value}" for name, value in sorted(counts.items())))
    for job in rows:
        error = f"  last error: {job.last_error}" if job.last_error else ""
        click.echo(f"{job.id}  {job.kind:<20} {job.status:<8} attempts {job.attempts}/{job.max_attempts}  {job.payload}{error}")


@jobs.command("retry")
@click.argument("job_id", required=False, type=int)
@click.option("--all", "all_failed", is_flag=True, help="Retry every failed job.")
@data_dir_option
@config_option
def jobs_retry(job_id, all_failed, data_dir, config) -> None:
    """Queue failed jobs again.

    Example: photoshare admin jobs retry --all
    """
    if job_id is None and not all_failed:
        raise click.UsageError("Give a JOB_ID or --all.")
    settings = _settings(data_dir, config)
    changed = _with_context(settings, lambda ctx: ctx.jobs.retry_failed(None if all_failed else job_id))
    click.echo(f"{changed} job(s) queued again")


@jobs.command("purge")
@click.option("--status", type=click.Choice(["failed", "queued"]), default="failed", show_default=True)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@data_dir_option
@config_option
def jobs_purge(status, yes, data_dir, config) -> None:
    """Delete jobs in a state (failed by default).

    Example: photoshare admin jobs purge --status failed --yes
    """
    if not yes:
        click.confirm(f"Delete every {status} job?", abort=True)
    settings = _settings(data_dir, config)
    removed = _with_context(settings, lambda ctx: ctx.jobs.purge(status))
    click.echo(f"{removed} job(s) deleted")


@main.command("app")
@click.option("--server", "server_url", default=None, help="PhotoShare server address (default: the last one used).")
@click.option("--embedded", is_flag=True, help="Also run a private server in the background (single user, local first).")
def app_command(server_url, embedded) -> None:
    """Open the PhotoShare desktop app.

    Example: photoshare app --server http://photos.local:8080
    """
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


if __name__ == "__main__":
    sys.exit(main())
