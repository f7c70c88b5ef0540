"""Everything one server or worker process holds: settings, backends, caches and services.

Built once by ``bootstrap.build_context`` and stored on the aiohttp app under ``CONTEXT``;
handlers reach services through it, and nothing in PhotoShare is a module-level singleton.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from .blobs.base import BlobStore
    from .broker.base import Broker
    from .config import Settings
    from .ids import IdGenerator
    from .jobs.base import JobQueue
    from .id_shards import ShardLease
    from .jobs.runner import JobRunner
    from .media.pool import MediaPool
    from .metrics import Metrics
    from .ratelimit.base import RateLimiter
    from .ratelimit.login import LoginThrottle
    from .redislink import RedisLink
    from .scratch import ScratchDir
    from .services.account_deletion import AccountDeletion
    from .services.albums import Albums
    from .services.pages import Pages
    from .services.post_edits import PostEdits
    from .services.share_links import ShareLinks
    from .services.admin import Admin
    from .services.comments import Comments
    from .services.direct_uploads import DirectUploads
    from .services.fanout import Fanout
    from .services.feed import Feed
    from .services.follows import Follows
    from .services.hydrate import PostHydrator
    from .services.likes import Likes
    from .services.live import LiveNotifications
    from .services.media import MediaProcessing
    from .services.moderation import Moderation
    from .services.notifications import Notifications
    from .services.posts import Posts
    from .services.profiles import Profiles
    from .services.registration import Registration
    from .services.resumable_uploads import ResumableUploads
    from .services.saves import Saves
    from .services.search import Search
    from .services.safety import Safety
    from .services.sessions import Sessions
    from .services.visibility import Visibility
    from .services.explore import Explore
    from .services.exports import Exports
    from .services.stories import Stories
    from .services.suggestions import Suggestions
    from .stores.base import Database
    from .timelines.base import Timelines
    from .timelines.manager import TimelineManager


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
    media_pool: "MediaPool"
    shard_lease: "ShardLease"
    login_throttle: "LoginThrottle"  # failed sign-ins per account and address (ratelimit/login.py)
    scratch: "ScratchDir"  # this process's own folder for temporary files (scratch.py)
    runner: "JobRunner | None" = None
    redis: "RedisLink | None" = None  # the process's Redis pool; None in the embedded deployment
    broker: "Broker | None" = None  # messages between this deployment's processes
    # Services, one use case each; set by bootstrap.wire_services (None only while it runs).
    registration: "Registration" = None  # type: ignore[assignment]
    sessions: "Sessions" = None  # type: ignore[assignment]
    profiles: "Profiles" = None  # type: ignore[assignment]
    account_deletion: "AccountDeletion" = None  # type: ignore[assignment]
    admin: "Admin" = None  # type: ignore[assignment]
    posts: "Posts" = None  # type: ignore[assignment]
    uploads: "DirectUploads" = None  # type: ignore[assignment]
    tus: "ResumableUploads" = None  # type: ignore[assignment]  # resumable uploads (tus 1.0.0)
    media: "MediaProcessing" = None  # type: ignore[assignment]
    follows: "Follows" = None  # type: ignore[assignment]
    feed: "Feed" = None  # type: ignore[assignment]
    fanout: "Fanout" = None  # type: ignore[assignment]
    timeline_manager: "TimelineManager" = None  # type: ignore[assignment]  # the one writer of home timelines
    likes: "Likes" = None  # type: ignore[assignment]
    comments: "Comments" = None  # type: ignore[assignment]
    saves: "Saves" = None  # type: ignore[assignment]
    notifications: "Notifications" = None  # type: ignore[assignment]
    live: "LiveNotifications" = None  # type: ignore[assignment]
    search: "Search" = None  # type: ignore[assignment]
    visibility: "Visibility" = None  # type: ignore[assignment]  # who may see what: the one rule
    safety: "Safety" = None  # type: ignore[assignment]  # blocks and mutes
    moderation: "Moderation" = None  # type: ignore[assignment]  # reports, review, roles, the audit log
    post_edits: "PostEdits" = None  # type: ignore[assignment]
    albums: "Albums" = None  # type: ignore[assignment]
    share_links: "ShareLinks" = None  # type: ignore[assignment]
    pages: "Pages" = None  # type: ignore[assignment]  # what the HTML pages show
    stories: "Stories" = None  # type: ignore[assignment]
    explore: "Explore" = None  # type: ignore[assignment]
    suggestions: "Suggestions" = None  # type: ignore[assignment]
    exports: "Exports" = None  # type: ignore[assignment]  # copies of an account's data

    def job_committed(self) -> None:
        """Wake this process's job relay and workers: new work is in the queue."""
        self.jobs.wake()
        if self.runner is not None:
            self.runner.notify()


CONTEXT = web.AppKey("photoshare_context", Context)
