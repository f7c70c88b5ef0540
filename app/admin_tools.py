"""Admin commands for accounts, statistics and consistency checks (``photoshare admin …``)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from server.web.errors import ApiError

MAX_JOBS_SCANNED = 100_000  # enough for any real backlog; a check that reads more would take minutes
# A file nothing refers to may be an upload or a processing step in flight on a running server (stored first,
# then committed): only files this old count as garbage, and only they are deleted by --delete-unreferenced.
UNREFERENCED_GRACE_SECONDS = 3600


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
        numbers = with_context(settings_for(data_dir, config), _gather_stats)
        for name, value in numbers.items():
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
        problems = with_context(settings_for(data_dir, config), lambda ctx: _check(ctx, delete_unreferenced))
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


def _unreferenced_files(root: Path, referenced: set[str], delete: bool) -> tuple[list[str], list[str]]:
    """(problems, notes) about files under the media folder that no row refers to; deletes the old ones if asked."""
    old_files = old_bytes = young_files = young_bytes = deleted = 0
    cutoff = time.time() - UNREFERENCED_GRACE_SECONDS
    for folder, dirs, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.relative_to(root).as_posix() in referenced:
                continue
            try:
                info = path.stat()
            except FileNotFoundError:
                continue
            if info.st_mtime > cutoff:
                young_files += 1
                young_bytes += info.st_size
                continue
            if delete:
                path.unlink(missing_ok=True)
                deleted += 1
            old_files += 1
            old_bytes += info.st_size
    problems, notes = [], []
    if old_files and delete:
        notes.append(f"deleted {deleted} unreferenced file(s), {_size(old_bytes)}")
    elif old_files:
        problems.append(f"{old_files} unreferenced file(s), {_size(old_bytes)}, in {root} (left by deleted posts or "
                        "accounts, or by a crash): `photoshare admin check --delete-unreferenced` removes them")
    if young_files:
        notes.append(f"{young_files} file(s), {_size(young_bytes)}, not referenced yet: written in the last "
                     f"{UNREFERENCED_GRACE_SECONDS // 60} minutes (uploads in progress?), left alone")
    return problems, notes


async def _check(ctx, delete_unreferenced: bool = False) -> list[str]:
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
    root = getattr(ctx.blobs, "root", None)
    if root is not None and os.path.isdir(root):
        import asyncio

        from server.repos.stored_files import referenced_keys

        referenced = await ctx.db.read(lambda conn: referenced_keys(conn.fetch_all))
        found, notes = await asyncio.to_thread(_unreferenced_files, Path(root), referenced, delete_unreferenced)
        problems += found
        for note in notes:
            click.echo(f"note: {note}")
    processing = await ctx.db.read(lambda conn: {row[0] for row in conn.fetch_all("SELECT DISTINCT post_id FROM media WHERE status = 'processing'")})
    if processing:
        queued = {job.payload.get("post_id") for status in ("queued", "running") for job in await ctx.jobs.list_jobs(status, MAX_JOBS_SCANNED)
                  if job.kind == "process_media"}
        stuck = processing - queued
        if stuck:
            problems.append(f"{len(stuck)} post(s) have media stuck in processing with no job to finish them: "
                            "run `photoshare admin reprocess` for them")
    return problems
