"""``photoshare admin backup``, ``restore`` and ``migrate-to-postgres``: the data of a deployment, moved whole."""

from __future__ import annotations

import click

from server.config import Settings

from .root import admin, config_option, data_dir_option, require_database, settings_for


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

    settings = settings_for(data_dir, config)
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

    settings = settings_for(data_dir, config)
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
    settings = settings_for(data_dir, config)
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
