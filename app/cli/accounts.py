"""``photoshare admin users …``, ``invite``, ``setup-link``, ``reports …`` and ``audit``: thin callers of the
server's admin, moderation and registration services (``server/services/admin.py``, ``moderation.py``,
``registration.py``), the same ones the ``/admin`` HTTP API calls. Decisions made here are in the audit log as
made by "command line".
"""

from __future__ import annotations

import click

from .root import admin, config_option, data_dir_option, run_admin, settings_for, with_context


@admin.group()
def users() -> None:
    """Accounts: list, create, disable, enable, set a role, reset a password."""


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
        flags = " ".join(name for name, on in (("admin", row["role"] == "admin"), ("moderator", row["role"] == "moderator"),
                                              ("private", row["is_private"]), ("disabled", row["is_disabled"]),
                                              ("hidden", row["hidden"])) if on)
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
    user = run_admin(settings_for(data_dir, config), lambda ctx: ctx.admin.create_user(username, password, admin=is_admin))
    click.echo(f"created {user['username']}" + (" (admin)" if user["is_admin"] else ""))


@users.command("disable")
@click.argument("username")
@data_dir_option
@config_option
def users_disable(username, data_dir, config) -> None:
    """Sign an account out everywhere and refuse its sign-ins; its posts stay.

    Example: photoshare admin users disable spammer
    """
    run_admin(settings_for(data_dir, config), lambda ctx: ctx.admin.set_disabled(username, True))
    click.echo(f"disabled {username}")


@users.command("enable")
@click.argument("username")
@data_dir_option
@config_option
def users_enable(username, data_dir, config) -> None:
    """Allow a disabled account to sign in again.

    Example: photoshare admin users enable grandpa
    """
    run_admin(settings_for(data_dir, config), lambda ctx: ctx.admin.set_disabled(username, False))
    click.echo(f"enabled {username}")


@users.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(["user", "moderator", "admin"]))
@data_dir_option
@config_option
def users_role(username, role, data_dir, config) -> None:
    """Make an account a user, a moderator (works the report queue) or an admin (everything).

    Example: photoshare admin users role grandpa moderator
    """
    run_admin(settings_for(data_dir, config), lambda ctx: ctx.admin.set_role_by_name(username, role))
    click.echo(f"{username} is now {role}")


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
    run_admin(settings_for(data_dir, config), lambda ctx: ctx.admin.reset_password(username, password))
    click.echo(f"password reset for {username}; every session of that account was signed out")


@admin.command()
@click.option("--count", type=click.IntRange(1, 100), default=1, show_default=True, help="How many codes to make.")
@data_dir_option
@config_option
def invite(count, data_dir, config) -> None:
    """Make invite codes (each works once, for 7 days) for `registration = invite`.

    Example: photoshare admin invite --count 3
    """
    settings = settings_for(data_dir, config)

    for code in run_admin(settings, lambda ctx: ctx.admin.create_invites(count)):
        click.echo(code)


@admin.command("setup-link")
@data_dir_option
@config_option
def setup_link(data_dir, config) -> None:
    """Make a new one-time link and code to create the admin account (while no account exists).

    The link `photoshare serve` printed stops working. Use it when that one expired or got lost.

    Example: photoshare admin setup-link --data-dir /var/lib/photoshare
    """
    from server.ops.first_run import SetupCode, browser_urls

    settings = settings_for(data_dir, config)
    issued = with_context(settings, lambda ctx: ctx.registration.issue_setup_code())
    if issued is None:
        raise click.ClickException("This server already has accounts. Make another admin with "
                                   "`photoshare admin users create NAME --admin`.")
    setup = SetupCode(*issued)
    click.echo(f"Create the admin account at {browser_urls(settings)[0]}/setup?code={setup.code}")
    click.echo(f"or register in the app with the setup code {setup.code} (works once, for 24 hours).")


@admin.group()
def reports() -> None:
    """The report queue: list and resolve reports, as moderators do in the app."""


@reports.command("list")
@click.option("--status", type=click.Choice(["open", "resolved"]), default="open", show_default=True)
@click.option("--limit", type=click.IntRange(1, 50), default=50, show_default=True)
@data_dir_option
@config_option
def reports_list(status, limit, data_dir, config) -> None:
    """List reports, newest first: id, target, reporters, reasons, hidden.

    Example: photoshare admin reports list
    """
    async def action(ctx):
        return await ctx.moderation.queue(None, status, None, limit)

    rows, _ = run_admin(settings_for(data_dir, config), action)
    for row in rows:
        reasons = ", ".join(f"{reason} {count}" for reason, count in sorted(row["reasons"].items()))
        flags = " hidden" if row["hidden"] else ""
        click.echo(f"{row['report_id']}  {row['target_type']} {row['target_id']}  {row['reporter_count']} reporter(s): "
                   f"{reasons}{flags}" + (f"  -> {row['action']}" if row["action"] else ""))
    click.echo(f"{len(rows)} report(s)")


@reports.command("resolve")
@click.argument("report_id", type=int)
@click.argument("action", type=click.Choice(["dismiss", "remove", "disable_user"]))
@click.option("--note", default="", help="Why (kept in the audit log).")
@data_dir_option
@config_option
def reports_resolve(report_id, action, note, data_dir, config) -> None:
    """Resolve a report: dismiss it, remove the target, or disable its owner; the reporters are told.

    Example: photoshare admin reports resolve 7215629384753152 remove --note "spam"
    """
    run_admin(settings_for(data_dir, config),
              lambda ctx: ctx.moderation.resolve(None, report_id, {"action": action, "note": note}))
    click.echo(f"report {report_id} resolved: {action}")


@admin.command()
@click.option("--limit", type=click.IntRange(1, 50), default=50, show_default=True)
@data_dir_option
@config_option
def audit(limit, data_dir, config) -> None:
    """The audit log: moderation and admin decisions, newest first.

    Example: photoshare admin audit
    """
    entries, _ = run_admin(settings_for(data_dir, config), lambda ctx: ctx.moderation.audit_log(None, limit))
    for entry in entries:
        target = f" {entry['target_type']} {entry['target_id']}" if entry["target_type"] else ""
        click.echo(f"{entry['created_at']}  {entry['actor']['username']}  {entry['action']}{target}")
