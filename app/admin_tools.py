"""Admin commands for accounts, statistics and consistency checks (``photoshare admin …``)."""

from __future__ import annotations

import os
import sys

import click

from server.errors import ApiError

MAX_JOBS_SCANNED = 100_000  # enough for any real backlog; a check that reads more would take minutes


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
        rows = with_context(settings_for(data_dir, config), lambda ctx: ctx.accounts.list_users(limit))
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
        user = _run(with_context, settings_for(data_dir, config), lambda ctx: ctx.accounts.create_user(username, password, admin=is_admin))
        click.echo(f"created {user['username']}" + (" (admin)" if user["is_admin"] else ""))

    @users.command("disable")
    @click.argument("username")
    @data_dir_option
    @config_option
    def users_disable(username, data_dir, config) -> None:
        """Sign an account out everywhere and refuse its sign-ins; its posts stay.

        Example: photoshare admin users disable spammer
        """
        _run(with_context, settings_for(data_dir, config), lambda ctx: ctx.accounts.set_disabled(username, True))
        click.echo(f"disabled {username}")

    @users.command("enable")
    @click.argument("username")
    @data_dir_option
    @config_option
    def users_enable(username, data_dir, config) -> None:
        """Allow a disabled account to sign in again.

        Example: photoshare admin users enable grandpa
        """
        _run(with_context, settings_for(data_dir, config), lambda ctx: ctx.accounts.set_disabled(username, False))
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
        _run(with_context, settings_for(data_dir, config), lambda ctx: ctx.accounts.reset_password(username, password))
        click.echo(f"password reset for {username}; every session of that account was signed out")

    @click.command()
    @data_dir_option
    @config_option
    def stats(data_dir, config) -> None:
        """Users, posts, media and storage used.

        Example: photoshare admin stats
        """
        numbers = with_context(settings_for(data_dir, config), _gather_stats)
        for name, value in numbers.items():
            click.echo(f"{name:<22} {value}")

    @click.command()
    @data_dir_option
    @config_option
    def check(data_dir, config) -> None:
        """Check the database's integrity and that every stored file the database refers to exists.

        Exits with status 1 when something is wrong, listing what.

        Example: photoshare admin check
        """
        problems = with_context(settings_for(data_dir, config), _check)
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


def _size(count: int) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if count < 1024 or unit == "TB":
            return f"{count:.1f} {unit}" if unit != "B" else f"{count} B"
        count /= 1024
    return str(count)


async def _gather_stats(ctx) -> dict:
    def unit(conn):
        return {
            "users": conn.fetch_val("SELECT COUNT(*) FROM users"),
            "posts": conn.fetch_val("SELECT COUNT(*) FROM posts"),
            "media": conn.fetch_val("SELECT COUNT(*) FROM media"),
            "media processing": conn.fetch_val("SELECT COUNT(*) FROM media WHERE status = 'processing'"),
            "media failed": conn.fetch_val("SELECT COUNT(*) FROM media WHERE status = 'failed'"),
            "originals size": _size(conn.fetch_val("SELECT COALESCE(SUM(size), 0) FROM media") or 0),
            "stored files": conn.fetch_val("SELECT COUNT(DISTINCT blob_key) FROM blob_refs"),
        }

    numbers = await ctx.db.read(unit)
    root = getattr(ctx.blobs, "root", None)
    if root is not None and os.path.isdir(root):
        total = sum(entry.stat().st_size for entry in root.rglob("*") if entry.is_file())
        numbers["storage used"] = _size(total)
    numbers["queued jobs"] = (await ctx.jobs.counts()).get("queued", 0)
    numbers["failed jobs"] = (await ctx.jobs.counts()).get("failed", 0)
    return numbers


async def _check(ctx) -> list[str]:
    problems: list[str] = []
    if ctx.db.url.startswith("sqlite"):
        verdict = await ctx.db.read(lambda conn: [row[0] for row in conn.fetch_all("PRAGMA integrity_check")])
        if verdict != ["ok"]:
            problems += [f"database integrity: {line}" for line in verdict]
        broken_keys = await ctx.db.read(lambda conn: conn.fetch_all("PRAGMA foreign_key_check"))
        problems += [f"database: row {row[1]} in {row[0]} points to a missing {row[2]}" for row in broken_keys]
    keys = await ctx.db.read(lambda conn: [row[0] for row in conn.fetch_all("SELECT DISTINCT blob_key FROM blob_refs ORDER BY blob_key")])
    with click.progressbar(keys, label=f"Checking {len(keys)} stored files") as bar:
        for key in bar:
            if not await ctx.blobs.exists(key):
                problems.append(f"missing file {key}")
    processing = await ctx.db.read(lambda conn: {row[0] for row in conn.fetch_all("SELECT DISTINCT post_id FROM media WHERE status = 'processing'")})
    if processing:
        queued = {job.payload.get("post_id") for status in ("queued", "running") for job in await ctx.jobs.list_jobs(status, MAX_JOBS_SCANNED)
                  if job.kind == "process_media"}
        stuck = processing - queued
        if stuck:
            problems.append(f"{len(stuck)} post(s) have media stuck in processing with no job to finish them: "
                            "run `photoshare admin reprocess` for them")
    return problems
