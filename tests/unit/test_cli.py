"""The photoshare command: help for every command, settings, and the admin tools on a real data folder."""

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from app.cli import main

ROOT = Path(__file__).resolve().parents[2]


def all_commands(group: click.Group, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


@pytest.mark.parametrize("path, command", list(all_commands(main)), ids=lambda value: " ".join(value) if isinstance(value, tuple) else "")
def test_every_command_has_help_and_leaf_commands_an_example(path, command):
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
    if not isinstance(command, click.Group):
        assert "Example:" in (command.help or ""), f"photoshare {' '.join(path)} needs an Example: in its help"


def test_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0 and re.search(r"photoshare, version \d+\.\d+\.\d+", result.output)


def test_settings_shows_values_from_the_environment(tmp_path):
    result = CliRunner().invoke(main, ["settings", "--data-dir", str(tmp_path)], env={"PHOTOSHARE_REGISTRATION": "invite"})
    assert result.exit_code == 0 and "registration = 'invite'" in result.output


def test_bad_setting_is_a_clear_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["settings", "--data-dir", str(tmp_path)], env={"PHOTOSHARE_PORT": "eighty"})
    assert result.exit_code == 2 and "PHOTOSHARE_PORT" in result.output


def test_invite_codes_let_people_register(tmp_path):
    import asyncio

    from server.bootstrap import build_context, close_context
    from server.config import load

    async def make_database():
        await close_context(await build_context(load(overrides={"data_dir": str(tmp_path)}, environ={}, config_file=None), run_jobs=False))

    asyncio.run(make_database())  # the server's data folder, with its database
    runner = CliRunner()
    result = runner.invoke(main, ["admin", "invite", "--count", "2", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    codes = result.output.split()
    assert len(codes) == 2 and codes[0] != codes[1]

    import asyncio

    from server.bootstrap import build_context, close_context
    from server.config import load

    async def register_with(code):
        ctx = await build_context(load(overrides={"data_dir": str(tmp_path), "registration": "invite"}, environ={}, config_file=None), run_jobs=False)
        try:
            await ctx.registration.register("firstadmin", "long enough pw")
            user, _ = await ctx.registration.register("invited", "long enough pw", code)
            return user
        finally:
            await close_context(ctx)

    assert asyncio.run(register_with(codes[0]))["username"] == "invited"


def test_admin_jobs_list_retry_purge(tmp_path):
    import asyncio

    from server.bootstrap import build_context, close_context
    from server.config import load

    async def make_failed_job():
        ctx = await build_context(load(overrides={"data_dir": str(tmp_path)}, environ={}, config_file=None), run_jobs=False)
        try:
            job_id = await ctx.jobs.enqueue("process_media", {"post_id": 1})
            [job] = await ctx.jobs.claim(1)
            await ctx.jobs.fail(job, "the picture could not be decoded")
            return job_id
        finally:
            await close_context(ctx)

    job_id = asyncio.run(make_failed_job())
    runner = CliRunner()
    listed = runner.invoke(main, ["admin", "jobs", "list", "--status", "failed", "--data-dir", str(tmp_path)])
    assert listed.exit_code == 0 and str(job_id) in listed.output and "could not be decoded" in listed.output
    assert "failed: 1" in listed.output
    retried = runner.invoke(main, ["admin", "jobs", "retry", str(job_id), "--data-dir", str(tmp_path)])
    assert retried.exit_code == 0 and "1 job(s) queued again" in retried.output
    assert runner.invoke(main, ["admin", "jobs", "retry", "--data-dir", str(tmp_path)]).exit_code == 2
    purged = runner.invoke(main, ["admin", "jobs", "purge", "--status", "queued", "--yes", "--data-dir", str(tmp_path)])
    assert purged.exit_code == 0 and "1 job(s) deleted" in purged.output


def test_readme_commands_match_ci():
    """The README's test command is exactly what CI runs, and its server command starts `photoshare serve`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
    test_command = next(block.strip() for block in blocks if "pytest" in block)
    assert test_command in ci.splitlines()
    serve_command = next(block.strip() for block in blocks if block.strip().endswith("photoshare serve"))
    assert "pip install" in serve_command


def test_reprocess_rebuilds_variants_and_keeps_them_served(tmp_path):
    import asyncio

    from server.bootstrap import build_context, close_context
    from server.config import load
    from server.web.uploads import IncomingFile
    from server.media.sniff import sniff
    from server.services.posts import original_key  # noqa: F401  (documents where originals live)
    from tests.conftest import jpeg_bytes

    settings = load(overrides={"data_dir": str(tmp_path), "media_processes": 1}, environ={}, config_file=None)

    async def make_post():
        ctx = await build_context(settings, run_jobs=False)
        try:
            _, _token = await ctx.registration.register("painter", "long enough pw")
            data = jpeg_bytes(400, 300)
            path = tmp_path / "upload.jpg"
            path.write_bytes(data)
            import hashlib

            from server.web.uploads import PostForm

            form = PostForm(files=[IncomingFile(str(path), hashlib.sha256(data).hexdigest(), len(data), sniff(data[:64]))], caption="", alt_texts=[])
            user_id = await ctx.db.read(lambda conn: conn.fetch_val("SELECT id FROM users"))
            post, _ = await ctx.posts.publish(user_id, form, None)
            from server.bootstrap import job_handlers
            from server.jobs.runner import JobRunner

            await JobRunner(ctx.jobs, job_handlers(ctx), workers=0).drain()
            return post["post_id"]
        finally:
            await close_context(ctx)

    post_id = asyncio.run(make_post())
    variants_dir = tmp_path / "media" / "v"
    before = sorted(p.name for p in variants_dir.rglob("*") if p.is_file())
    assert any(name.endswith(".avif") for name in before)
    result = CliRunner().invoke(main, ["admin", "reprocess", "--post", post_id, "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Reprocessing 1 media" in result.output and "Done: 1 ready" in result.output
    after = sorted(p.name for p in variants_dir.rglob("*") if p.is_file())
    assert after == before  # the pipeline is deterministic: same pixels, same immutable keys, nothing orphaned
