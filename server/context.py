"""Everything one server or worker process holds: settings, backends, caches and services.

Built once by ``bootstrap.build_context`` and stored on the aiohttp app under ``CONTEXT``;
handlers reach services through it, and nothing in PhotoShare is a module-level singleton.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from .blobs.base import BlobStore
    from .broker.base import Broker
    from .config import Settings
    from .ids import IdGenerator
    from .jobs.base import JobQueue
    from .jobs.runner import JobRunner
    from .metrics import Metrics
    from .ratelimit.base import RateLimiter
    from .redislink import RedisLink
    from .services.hydrate import PostHydrator
    from .stores.base import Database
    from .timelines.base import Timelines


@dataclasses.dataclass
class Context:
    settings: "Settings"
    db: "Database"
    blobs: "BlobStore"
    timelines: "Timelines"
    jobs: "JobQueue"
    ids: "IdGenerator"
    metrics: "Metrics"
    limiter: "RateLimiter"
    hydrator: "PostHydrator"
    secret_key: bytes
    media_pool: Executor | None = None
    owns_media_pool: bool = True
    shard_lease: Any = None
    runner: "JobRunner | None" = None
    redis: "RedisLink | None" = None  # the process's Redis pool; None in the embedded deployment
    broker: "Broker | None" = None  # messages between this deployment's processes
    login_throttle: Any = None  # failed sign-ins per account and address (ratelimit/login.py)
    scratch: Any = None  # this process's own folder for temporary files (scratch.py)
    # Services, one use case each; set by bootstrap.
    registration: Any = None
    sessions: Any = None
    profiles: Any = None
    account_deletion: Any = None
    admin: Any = None
    posts: Any = None
    uploads: Any = None
    media: Any = None
    follows: Any = None
    feed: Any = None
    fanout: Any = None
    timeline_manager: Any = None  # the one writer of home timelines (server/timelines/manager.py)
    likes: Any = None
    comments: Any = None
    saves: Any = None
    notifications: Any = None
    live: Any = None
    search: Any = None

    def job_committed(self) -> None:
        """Wake this process's job relay and workers: new work is in the queue."""
        wake_relay = getattr(self.jobs, "wake", None)
        if wake_relay is not None:
            wake_relay()
        if self.runner is not None:
            self.runner.notify()


CONTEXT = web.AppKey("photoshare_context", Context)
