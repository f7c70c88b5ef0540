"""Admin commands for accounts, statistics and consistency checks (``photoshare admin …``)."""

from __future__ import annotations

import sys

import click

from server.ops.media_files import UNREFERENCED_GRACE_SECONDS, size_text
from server.web.errors import ApiError



def _commands(settings_for, with_context, data_dir_option, config_option):
    """Build the commands; ``app.cli`` passes its shared option decorators and context runner."""

    @click.group()
    def users() -> None:
        """Accounts: list, create, disable, enable, reset a password."""

    @users.command("list")
    @click.option("--limit", type=click.IntRange(1, 1_000_000), default=1000, show_default=True)
    @data_dir_option
    @config_option
    def users_list(limit, data_dir, config) -> None:
        """List accounts with their post and follower counts.

        Example: photoshare admin users list
        """
        rows = with_context(settings_for(data_dir, config), lambda ctx: ctx.admin.list_users(limit))
        click.echo(f"{'username':<30} {'posts':>6} {'followers':>9}  flags")
        for row in rows:
            flags = " ".join(name for name, on in (("admin", row["is_admin"]), ("private", row["is_private"]),
                                                  ("disabled", row["is_disabled"])) if on)
            click.echo(f"{row['username']:<30} {row['post_count']:>6} {row['follower_count']:>9}  {flags}")
        click.echo(f"{len(rows)} account(s)")

    @users.command("create")
    @click.argument("username")
    @click.option("--admin", "is_admin", is_flag=True, help="Make the account an administrator.")
    @click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                  help="The password (asked for when not given; use PHOTOSHARE_NEW_PASSWORD in scripts).",
                  envvar="PHOTOSHARE_NEW_PASSWORD")
    @data_dir_option
    @config_option
    def users_create(username, is_admin, password, data_dir, config) -> None:
        """Create an account, whatever the registration setting.

        Example: photoshare admin users create grandma --admin
        """
        user = _run(with_context, settings_for(data_dir, config), lambda ctx: ctx.admin.create_user(username, password, admin=is_admin))
        click.echo(f"created {user['username']}" + (" (admin)" if user["is_admin"] else ""))

    @users.command("disable")
    @click.argument("username")
    @data_dir_option
    @config_option
    def users_disable(username, data_dir, config) -> None:
        """Sign an account out everywhere and refuse its sign-ins; its posts stay.

        Example: photoshare admin users disable spammer
        """
        _run(with_context, settings_for(data_dir, config), lambda ctx: ctx.admin.set_disabled(username, True))
        click.echo(f"disabled {username}")

    @users.command("enable")
    @click.argument("username")
    @data_dir_option
    @config_option
    def users_enable(username, data_dir, config) -> None:
        """Allow a disabled account to sign in again.

        Example: photoshare admin users enable grandpa
        """
        _run(with_context, settings_for(data_dir, config), lambda ctx: ctx.admin.set_disabled(username, False))
        click.echo(f"enabled {username}")

    @users.command("reset-password")
    @click.argument("username")
    @click.option("--password", prompt="New password", hide_input=True, confirmation_prompt=True,
                  help="The new password (asked for when not given; or PHOTOSHARE_NEW_PASSWORD).", envvar="PHOTOSHARE_NEW_PASSWORD")
    @data_dir_option
    @config_option
    def users_reset_password(username, password, data_dir, config) -> None:
        """Set a new password for an account and sign it out everywhere.

        Example: photoshare admin users reset-password grandpa
        """
        _run(with_context, settings_for(data_dir, config), lambda ctx: ctx.admin.reset_password(username, password))
        click.echo(f"password reset for {username}; every session of that account was signed out")

    @click.command()
    @data_dir_option
    @config_option
    def stats(data_dir, config) -> None:
        """Users, posts, media and storage used.

        Example: photoshare admin stats
        """
        numbers = with_context(settings_for(data_dir, config), lambda ctx: ctx.admin.stats())
        for name, value in numbers.items():
            if name.endswith(" bytes"):
                name, value = name.replace("originals bytes", "originals size").replace("storage bytes", "storage used"), size_text(value)
            click.echo(f"{name:<22} {value}")

    @click.command()
    @click.option("--delete-unreferenced", is_flag=True,
                  help=f"Delete stored files nothing refers to (those older than {UNREFERENCED_GRACE_SECONDS // 60} minutes).")
    @data_dir_option
    @config_option
    def check(delete_unreferenced, data_dir, config) -> None:
        """Check the database's integrity, that every stored file the database refers to exists, and that
        the media folder holds no files nothing refers to (left by deleted posts, accounts or crashes).

        Exits with status 1 when something is wrong, listing what. --delete-unreferenced removes the
        unreferenced files (the server may keep running: files younger than an hour are left alone, as
        they may be uploads in progress).

        Example: photoshare admin check --delete-unreferenced
        """
        def track(keys):
            with click.progressbar(keys, label=f"Checking {len(keys)} stored files") as bar:
                yield from bar

        problems, notes = with_context(settings_for(data_dir, config), lambda ctx: ctx.admin.check(delete_unreferenced, track))
        for note in notes:
            click.echo(f"note: {note}")
        if problems:
            for problem in problems:
                click.echo(f"PROBLEM: {problem}")
            click.echo(f"{len(problems)} problem(s) found")
            sys.exit(1)
        click.echo("database and files are consistent")

    return users, stats, check


def _run(with_context, settings, action):
    try:
        return with_context(settings, action)
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
