"""serve --workers / --replicate refusals, and the Litestream configuration they generate."""

import json

import pytest
from click.testing import CliRunner

from app.cli import main
from server.config import load
from server.ops.process_group import scaled_out_problem
from server.ops.replication import ReplicationError, database_path, replica_config, write_config


def settings(tmp_path, **overrides):
    return load(overrides={"data_dir": str(tmp_path), **overrides}, environ={}, config_file=None)


def test_several_processes_are_refused_on_the_embedded_database(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--workers", "2", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "SQLite database belongs to one server process" in result.output


def test_several_processes_need_redis_too(tmp_path):
    problem = scaled_out_problem(settings(tmp_path, database_url="postgresql://db.example/photoshare"))
    assert problem and "redis_url" in problem
    assert scaled_out_problem(settings(tmp_path, database_url="postgresql://db.example/photoshare",
                                       redis_url="redis://cache.example:6379/0")) is None


def test_replication_is_for_the_embedded_database_only(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--replicate", str(tmp_path / "backup"), "--data-dir", str(tmp_path)],
                                env={"PHOTOSHARE_DATABASE_URL": "postgresql://db.example/photoshare"})
    assert result.exit_code == 2 and "PostgreSQL's own backups" in result.output


def test_a_folder_replica(tmp_path):
    config, env = write_config(settings(tmp_path, replicate_sync_seconds=5), str(tmp_path / "backup"))
    document = json.loads(config.read_text().split("\n", 1)[1])
    assert document == {"dbs": [{"path": str(tmp_path / "photoshare.db"),
                                 "replica": {"type": "file", "path": str(tmp_path / "backup"), "sync-interval": "5s"}}]}
    assert env == {}


def test_an_s3_replica_keeps_credentials_out_of_the_file(tmp_path):
    config, env = write_config(settings(tmp_path, s3_access_key="AK", s3_secret_key="SK"),
                               "s3://backups/photoshare/db?endpoint=http://minio:9000&region=eu-1")
    text = config.read_text()
    replica = json.loads(text.split("\n", 1)[1])["dbs"][0]["replica"]
    assert replica == {"type": "s3", "bucket": "backups", "path": "photoshare/db", "endpoint": "http://minio:9000",
                       "region": "eu-1", "force-path-style": True, "sync-interval": "1s"}
    assert "SK" not in text and env["AWS_SECRET_ACCESS_KEY"] == "SK"


@pytest.mark.parametrize("url", ["ftp://somewhere/else", ""])
def test_unusable_replica_urls(tmp_path, url):
    with pytest.raises(ReplicationError):
        replica_config(settings(tmp_path), url)


def test_restore_refuses_to_overwrite_a_database(tmp_path):
    database_path(settings(tmp_path)).write_bytes(b"")
    result = CliRunner().invoke(main, ["admin", "restore", str(tmp_path / "backup"), "--data-dir", str(tmp_path)])
    assert result.exit_code == 1 and "already exists" in result.output and "--force" in result.output
