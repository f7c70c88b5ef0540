"""``photoshare admin stats``, ``check``, ``reprocess`` and ``jobs …``: the state of a deployment, through the
server's admin service (``server/services/admin.py``).
"""

from __future__ import annotations

import sys

import click

from server.ops.media_files import UNREFERENCED_GRACE_SECONDS, size_text

from .root import admin, config_option, data_dir_option, run_admin, settings_for


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
    settings = settings_for(data_dir, config)

    async def action(ctx):
        media_ids = await ctx.admin.media_to_reprocess(post_id=post_id, username=username, failed_only=failed_only)
        outcome: dict[str, int] = {}
        with click.progressbar(length=len(media_ids), label=f"Reprocessing {len(media_ids)} media", show_pos=True) as bar:
            for media_id in media_ids:
                status = await ctx.admin.reprocess(media_id)
                outcome[status] = outcome.get(status, 0) + 1
                bar.update(1)
        return outcome

    outcome = run_admin(settings, action)
    summary = ", ".join(f"{count} {status}" for status, count in sorted(outcome.items())) or "nothing to do"
    click.echo(f"Done: {summary}")


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
    settings = settings_for(data_dir, config)

    async def action(ctx):
        return await ctx.admin.jobs_overview(status, limit)

    counts, rows = run_admin(settings, action)
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
    settings = settings_for(data_dir, config)
    changed = run_admin(settings, lambda ctx: ctx.admin.retry_jobs(None if all_failed else job_id))
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
    settings = settings_for(data_dir, config)
    removed = run_admin(settings, lambda ctx: ctx.admin.purge_jobs(status))
    click.echo(f"{removed} job(s) deleted")


@admin.command()
@data_dir_option
@config_option
def stats(data_dir, config) -> None:
    """Users, posts, media and storage used.

    Example: photoshare admin stats
    """
    numbers = run_admin(settings_for(data_dir, config), lambda ctx: ctx.admin.stats())
    for name, value in numbers.items():
        if name.endswith(" bytes"):
            name, value = name.replace("originals bytes", "originals size").replace("storage bytes", "storage used"), size_text(value)
        click.echo(f"{name:<22} {value}")


@admin.command()
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

    problems, notes = run_admin(settings_for(data_dir, config), lambda ctx: ctx.admin.check(delete_unreferenced, track))
    for note in notes:
        click.echo(f"note: {note}")
    if problems:
        for problem in problems:
            click.echo(f"PROBLEM: {problem}")
        click.echo(f"{len(problems)} problem(s) found")
        sys.exit(1)
    click.echo("database and files are consistent")
