"""The admin toolbox on a real embedded deployment: users, stats, check."""

import asyncio

import pytest
from click.testing import CliRunner

from app.cli import main
from server.bootstrap import build_context, close_context
from server.config import load


@pytest.fixture
def data_dir(tmp_path):
    """A deployment's data folder, with its database (admin commands refuse a folder without one)."""
    folder = str(tmp_path / "data")
    in_context(folder, lambda ctx: asyncio.sleep(0))
    return folder


def run(args, data_dir, **kwargs):
    return CliRunner().invoke(main, [*args, "--data-dir", data_dir], **kwargs)


def in_context(data_dir, action):
    async def go():
        ctx = await build_context(load(overrides={"data_dir": data_dir}, environ={}, config_file=None), run_jobs=False)
        try:
            return await action(ctx)
        finally:
            await close_context(ctx)

    return asyncio.run(go())


def test_users_create_list_disable_enable_reset(data_dir):
    created = run(["admin", "users", "create", "grandma", "--admin"], data_dir, input="knitting needles\nknitting needles\n")
    assert created.exit_code == 0, created.output
    assert "created grandma (admin)" in created.output
    assert run(["admin", "users", "create", "kid"], data_dir, env={"PHOTOSHARE_NEW_PASSWORD": "lego bricks 123"}).exit_code == 0
    taken = run(["admin", "users", "create", "kid"], data_dir, env={"PHOTOSHARE_NEW_PASSWORD": "lego bricks 123"})
    assert taken.exit_code == 1 and "taken" in taken.output
    short = run(["admin", "users", "create", "other"], data_dir, env={"PHOTOSHARE_NEW_PASSWORD": "short"})
    assert short.exit_code == 1 and "at least 8" in short.output

    listed = run(["admin", "users", "list"], data_dir)
    assert "grandma" in listed.output and "admin" in listed.output and "2 account(s)" in listed.output

    token = in_context(data_dir, lambda ctx: ctx.sessions.login("kid", "lego bricks 123"))[1]
    assert run(["admin", "users", "disable", "kid"], data_dir).exit_code == 0
    assert in_context(data_dir, lambda ctx: ctx.sessions.user_for_token(token)) is None

    async def login_fails(ctx):
        from server.web.errors import Unauthorized

        with pytest.raises(Unauthorized, match="disabled"):
            await ctx.sessions.login("kid", "lego bricks 123")

    in_context(data_dir, login_fails)
    assert "disabled" in run(["admin", "users", "list"], data_dir).output
    assert run(["admin", "users", "enable", "kid"], data_dir).exit_code == 0
    reset = run(["admin", "users", "reset-password", "kid"], data_dir, input="new password 456\nnew password 456\n")
    assert reset.exit_code == 0 and "signed out" in reset.output
    assert in_context(data_dir, lambda ctx: ctx.sessions.login("kid", "new password 456"))[0]["username"] == "kid"
    missing = run(["admin", "users", "disable", "nobody"], data_dir)
    assert missing.exit_code == 1 and "No account named" in missing.output


def test_roles_reports_and_the_audit_log_on_the_command_line(data_dir):
    """The moderation commands call the same services as the /admin API, and are logged as the command line."""
    env = {"PHOTOSHARE_NEW_PASSWORD": "long enough pw"}
    for name in ("boss", "helper", "troll", "rep1", "rep2", "rep3"):
        assert run(["admin", "users", "create", name], data_dir, env=env).exit_code == 0
    promoted = run(["admin", "users", "role", "helper", "moderator"], data_dir)
    assert promoted.exit_code == 0 and "helper is now moderator" in promoted.output
    assert "moderator" in run(["admin", "users", "list"], data_dir).output
    last = run(["admin", "users", "role", "boss", "user"], data_dir)  # the first account is the only admin
    assert last.exit_code == 1 and "last admin" in last.output

    async def three_reports(ctx):
        from server.repos import users as users_repo

        troll = await ctx.db.read(lambda conn: users_repo.by_username(conn, "troll"))
        for name in ("rep1", "rep2", "rep3"):
            reporter = await ctx.db.read(lambda conn, name=name: users_repo.by_username(conn, name))
            answer = await ctx.moderation.report(reporter["id"], {"target_type": "user", "target_id": str(troll["id"]),
                                                                  "reason": "harassment"})
        return answer["report_id"]

    report_id = in_context(data_dir, three_reports)
    listed = run(["admin", "reports", "list"], data_dir)
    assert report_id in listed.output and "3 reporter(s): harassment 3 hidden" in listed.output
    resolved = run(["admin", "reports", "resolve", report_id, "disable_user", "--note", "abuse"], data_dir)
    assert resolved.exit_code == 0, resolved.output
    assert run(["admin", "reports", "resolve", report_id, "dismiss"], data_dir).exit_code == 1  # already resolved
    assert "disabled" in [line for line in run(["admin", "users", "list"], data_dir).output.splitlines() if "troll" in line][0]
    audit = run(["admin", "audit"], data_dir).output.splitlines()
    assert "command line  report.disable_user user" in audit[0] and "command line  user.role user" in audit[1]


def make_post(data_dir):
    from tests.conftest import jpeg_bytes

    async def action(ctx):
        import hashlib
        import tempfile

        from server.bootstrap import job_handlers
        from server.web.uploads import IncomingFile, PostForm
        from server.jobs.runner import JobRunner
        from server.media.sniff import sniff

        user = await ctx.admin.create_user("poster", "long enough pw")
        data = jpeg_bytes(300, 200)
        fd, path = tempfile.mkstemp(dir=ctx.media.tmp_dir())
        with open(fd, "wb") as handle:
            handle.write(data)
        form = PostForm(files=[IncomingFile(path, hashlib.sha256(data).hexdigest(), len(data), sniff(data[:64]))], caption="hello", alt_texts=[])
        await ctx.posts.publish(int(user["user_id"]), form, None)
        await JobRunner(ctx.jobs, job_handlers(ctx), workers=0).drain()

    in_context(data_dir, action)


def test_stats_counts_what_is_there(data_dir):
    make_post(data_dir)
    output = run(["admin", "stats"], data_dir).output
    numbers = {line[:22].strip(): line[22:].strip() for line in output.splitlines()}
    assert numbers["users"] == "1" and numbers["posts"] == "1" and numbers["media"] == "1"
    assert numbers["media failed"] == "0" and "KB" in numbers["storage used"]


def test_check_finds_missing_files(data_dir):
    make_post(data_dir)
    clean = run(["admin", "check"], data_dir)
    assert clean.exit_code == 0 and "consistent" in clean.output
    from pathlib import Path

    victim = next(p for p in (Path(data_dir) / "media" / "v").rglob("*.webp"))
    victim.unlink()
    broken = run(["admin", "check"], data_dir)
    assert broken.exit_code == 1
    assert f"missing file v/{victim.parent.name}/{victim.name}" in broken.output


@pytest.mark.parametrize("command", [["invite"], ["users", "list"], ["users", "create", "grandma"], ["stats"], ["check"],
                                     ["setup-link"], ["jobs", "list"], ["reprocess", "--failed-only"], ["backup", "BACKUP"]])
def test_admin_commands_refuse_a_folder_without_a_database(tmp_path, command):
    """Without the server's data folder an admin command must say so, not make a new empty database there."""
    empty = tmp_path / "not-the-server"
    args = [str(tmp_path / "b") if arg == "BACKUP" else arg for arg in command]
    result = CliRunner().invoke(main, ["admin", *args, "--data-dir", str(empty)], env={"PHOTOSHARE_NEW_PASSWORD": "long enough pw"})
    assert result.exit_code == 1, result.output
    assert f"There is no PhotoShare database in {empty}" in result.output
    assert "--data-dir" in result.output and "PHOTOSHARE_DATA_DIR" in result.output and "--database-url" in result.output
    assert not (empty / "photoshare.db").exists()


def test_admin_commands_without_data_dir_look_in_the_default_folder_and_refuse(tmp_path):
    """No --data-dir: the platform's default folder (here, from XDG_DATA_HOME) is named in the refusal."""
    env = {"XDG_DATA_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path), "PHOTOSHARE_DATA_DIR": None}
    result = CliRunner().invoke(main, ["admin", "invite"], env=env)
    assert result.exit_code == 1 and f"There is no PhotoShare database in {tmp_path / 'xdg' / 'photoshare'}" in result.output
    assert not (tmp_path / "xdg" / "photoshare" / "photoshare.db").exists()
    server_data = str(tmp_path / "server-data")
    in_context(server_data, lambda ctx: asyncio.sleep(0))
    pointed = CliRunner().invoke(main, ["admin", "invite"], env={**env, "PHOTOSHARE_DATA_DIR": server_data})
    assert pointed.exit_code == 0 and len(pointed.output.split()) == 1, pointed.output


def test_database_url_points_admin_commands_at_a_postgresql_server(tmp_path):
    """A server on PostgreSQL: --database-url reaches its database whatever folder the command looks in."""
    from tests.backends.postgres import fresh_postgres

    with fresh_postgres() as database:
        in_postgres = {"data_dir": str(tmp_path / "server"), "database_url": database["database_url"]}

        async def make_account():
            ctx = await build_context(load(overrides=in_postgres, environ={}, config_file=None), run_jobs=False)
            try:
                await ctx.admin.create_user("grandma", "long enough pw")
            finally:
                await close_context(ctx)

        asyncio.run(make_account())
        listed = CliRunner().invoke(main, ["admin", "users", "list", "--data-dir", str(tmp_path / "elsewhere"),
                                           "--database-url", database["database_url"]])
        assert listed.exit_code == 0, listed.output
        assert "grandma" in listed.output and "1 account(s)" in listed.output
