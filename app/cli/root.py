"""The ``photoshare`` command group, its shared options, and the helpers every command uses.

``photoshare --help`` and ``--version`` must answer at once, from source and from the one-file binary: this
package imports only click and the settings table at the top; the server (aiohttp), Pillow, Flet and even
asyncio are imported inside the commands that use them. A test keeps it so.
"""

from __future__ import annotations

import logging
import os

import click

from server import __version__
from server.config import ConfigError, Settings, load

DATABASE_URL_META = "photoshare.database_url"  # where --database-url leaves its value for settings_for


def settings_for(data_dir: str | None, config: str | None, **overrides) -> Settings:
    context = click.get_current_context(silent=True)
    database_url = context.meta.get(DATABASE_URL_META) if context is not None else None
    try:
        return load(overrides={"data_dir": data_dir, "database_url": database_url, **overrides}, config_file=config if config else "")
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def start_logging(settings: Settings) -> None:
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


def with_context(settings: Settings, action):
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


def run_admin(settings: Settings, action):
    """``with_context`` for the admin services: their refusals (``ApiError``) become a plain error message."""
    from server.web.errors import ApiError

    try:
        return with_context(settings, action)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
