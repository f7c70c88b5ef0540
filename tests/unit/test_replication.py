"""The Litestream supervisor: a failing Litestream is logged and restarted, never fatal; a stop is prompt."""

import asyncio
import logging

from server.config import load
from server.ops.replication import Replicator


def fake_litestream(tmp_path, body: str) -> str:
    path = tmp_path / "litestream"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return str(path)


async def test_a_failing_litestream_is_restarted_and_logged(tmp_path, caplog):
    binary = fake_litestream(tmp_path, 'echo "level=ERROR msg=\\"cannot reach the replica\\""; exit 3')
    settings = load(overrides={"data_dir": str(tmp_path / "data"), "litestream_path": binary,
                               "replicate_url": str(tmp_path / "backup")}, environ={}, config_file=None)
    replicator = Replicator(settings)
    replicator.check()
    with caplog.at_level(logging.INFO, logger="server.ops.replication"):
        await replicator.start()
        for _ in range(300):  # generous: the machine may be busy
            if replicator.restarts >= 1:
                break
            await asyncio.sleep(0.05)
        await replicator.stop()
    assert replicator.restarts >= 1 and replicator.last_exit_code == 3 and not replicator.running
    assert any("cannot reach the replica" in r.message and r.levelno == logging.WARNING for r in caplog.records)
    assert any("backups are paused" in r.message for r in caplog.records)
    assert not (tmp_path / "data" / "litestream.pid").exists()


async def test_stop_ends_a_running_litestream(tmp_path):
    binary = fake_litestream(tmp_path, "exec sleep 60")
    settings = load(overrides={"data_dir": str(tmp_path / "data"), "litestream_path": binary,
                               "replicate_url": str(tmp_path / "backup")}, environ={}, config_file=None)
    replicator = Replicator(settings)
    await replicator.start()
    for _ in range(40):
        if replicator.running:
            break
        await asyncio.sleep(0.05)
    assert replicator.running
    await asyncio.wait_for(replicator.stop(), 10)
    assert not replicator.running and replicator.restarts == 0
