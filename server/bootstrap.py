"""The one place where backends are chosen (by URL) and services are wired together."""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
from pathlib import Path

from .broker.base import LocalBroker
from .config import Settings
from .context import Context
from .id_shards import ShardLease
from .media.pool import MediaPool
from .metrics import Metrics
from .ratelimit.base import LocalRateLimiter
from .scratch import ScratchDir, sweep as sweep_scratch
from .services.hydrate import PostHydrator

log = logging.getLogger(__name__)


def open_database(settings: Settings):
    url = settings.resolved_database_url
    if url.startswith("sqlite:///"):
        from .stores.sqlite import SQLiteDatabase

        return SQLiteDatabase(url, synchronous=settings.sqlite_synchronous)
    if url.startswith(("postgresql://", "postgres://")):
        from .stores.postgres import PostgresDatabase

        return PostgresDatabase(url, pool_size=settings.database_pool_size)
    raise ValueError(f"unsupported database_url {url!r}: use sqlite:///path or postgresql://user@host/dbname")


def open_blobs(settings: Settings):
    url = settings.resolved_blob_url
    if url.startswith("file://"):
        from .blobs.local import LocalBlobStore

        return LocalBlobStore(url)
    if url.startswith("s3://"):
        from .blobs.s3 import S3BlobStore

        return S3BlobStore(url, access_key=settings.s3_access_key, secret_key=settings.s3_secret_key)
    raise ValueError(f"unsupported blob_url {url!r}: use file:///path or s3://BUCKET?endpoint=http://HOST:PORT")


def open_redis(settings: Settings, metrics: Metrics):
    """The process's one Redis connection pool, or None for the embedded (one-process) deployment."""
    if not settings.redis_url:
        return None
    if not settings.redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError(f"unsupported redis_url {settings.redis_url!r}: use redis://HOST:6379/0 (or rediss://, unix://)")
    from .redislink import RedisLink

    return RedisLink(settings.redis_url, timeout_seconds=settings.redis_timeout_ms / 1000, metrics=metrics)


def open_timelines(redis, metrics: Metrics):
    if redis is None:
        from .timelines.memory import MemoryTimelines

        return MemoryTimelines()
    from .timelines.redis import RedisTimelines

    return RedisTimelines(redis, metrics=metrics)


def open_jobs(settings: Settings, db, redis):
    if redis is not None and settings.redis_job_queue:
        from .jobs.redis import RedisJobQueue

        return RedisJobQueue(db, redis)
    from .jobs.database import DatabaseJobQueue

    return DatabaseJobQueue(db)


def open_limiter(redis):
    if redis is None:
        return LocalRateLimiter()
    from .ratelimit.redis import RedisRateLimiter

    return RedisRateLimiter(redis)


def open_login_throttle(redis):
    from .ratelimit.login import LocalFailureBuckets, LoginThrottle

    if redis is None:
        return LoginThrottle(LocalFailureBuckets())
    from .ratelimit.login_redis import RedisFailureBuckets

    return LoginThrottle(RedisFailureBuckets(redis))


def open_broker(redis):
    if redis is None:
        return LocalBroker()
    from .broker.redis import RedisBroker

    return RedisBroker(redis)


def open_resumable(settings: Settings, blobs):
    """Where resumable (tus) uploads gather their bytes: a file each on local disk, or an S3 multipart upload."""
    folder = Path(settings.data_dir) / "tus"
    if blobs.url.startswith("s3://"):
        from .resumable.s3 import S3ResumableStore

        return S3ResumableStore(blobs, folder)
    from .resumable.local import LocalResumableStore

    return LocalResumableStore(folder)


def load_secret_key(settings: Settings) -> bytes:
    if settings.secret_key:
        return settings.secret_key.encode()
    path = Path(settings.data_dir) / "secret.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key


def wire_services(ctx: Context) -> None:
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
    from .timelines.manager import TimelineManager

    ctx.visibility = Visibility(ctx)
    ctx.live = LiveNotifications(ctx)
    ctx.notifications = Notifications(ctx)
    ctx.registration = Registration(ctx)
    ctx.sessions = Sessions(ctx)
    ctx.profiles = Profiles(ctx)
    ctx.account_deletion = AccountDeletion(ctx)
    ctx.admin = Admin(ctx)
    ctx.media = MediaProcessing(ctx)
    ctx.timeline_manager = TimelineManager(ctx)
    ctx.fanout = Fanout(ctx)
    ctx.posts = Posts(ctx)
    ctx.uploads = DirectUploads(ctx)
    ctx.tus = ResumableUploads(ctx, open_resumable(ctx.settings, ctx.blobs))
    ctx.follows = Follows(ctx)
    ctx.feed = Feed(ctx)
    ctx.likes = Likes(ctx)
    ctx.comments = Comments(ctx)
    ctx.saves = Saves(ctx)
    ctx.search = Search(ctx)
    ctx.safety = Safety(ctx)
    ctx.moderation = Moderation(ctx)
    ctx.post_edits = PostEdits(ctx)
    ctx.albums = Albums(ctx)
    ctx.share_links = ShareLinks(ctx)
    ctx.pages = Pages(ctx)
    ctx.stories = Stories(ctx)
    ctx.explore = Explore(ctx)
    ctx.suggestions = Suggestions(ctx)
    ctx.exports = Exports(ctx)


def job_handlers(ctx: Context) -> dict:
    handlers: dict = {}
    for service in (ctx.account_deletion, ctx.posts, ctx.uploads, ctx.tus, ctx.media, ctx.fanout, ctx.timeline_manager, ctx.follows,
                    ctx.notifications, ctx.safety, ctx.stories, ctx.exports):
        handlers.update(service.job_handlers())
    return handlers


async def build_context(settings: Settings, *, run_jobs: bool = True, media_pool=None) -> Context:
    Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
    tmp = Path(settings.data_dir) / "tmp"
    tmp.mkdir(exist_ok=True)
    await asyncio.to_thread(sweep_scratch, tmp)  # what processes killed mid-upload left behind
    db = open_database(settings)
    await db.open()
    blobs = open_blobs(settings)
    await blobs.open()
    shard_lease = ShardLease(db)
    ids = await shard_lease.acquire()
    metrics = Metrics()
    redis = open_redis(settings, metrics)
    if redis is not None:
        await redis.open()
    broker = open_broker(redis)
    ctx = Context(
        settings=settings,
        db=db,
        blobs=blobs,
        timelines=open_timelines(redis, metrics),
        jobs=open_jobs(settings, db, redis),
        ids=ids,
        metrics=metrics,
        limiter=open_limiter(redis),
        hydrator=PostHydrator(db, broker, shared=redis is not None),
        secret_key=load_secret_key(settings),
        media_pool=MediaPool(settings.media_processes or os.cpu_count() or 1, executor=media_pool),
        redis=redis,
        broker=broker,
        login_throttle=open_login_throttle(redis),
        scratch=ScratchDir(tmp),
        shard_lease=shard_lease,
    )
    await ctx.timelines.open()
    await ctx.jobs.open()
    wire_services(ctx)
    await broker.start()
    if run_jobs:
        await ctx.jobs.start()  # the outbox relay: every serving process moves its committed jobs along
    if run_jobs and settings.job_workers > 0:
        from .jobs.runner import JobRunner

        ctx.runner = JobRunner(ctx.jobs, job_handlers(ctx), workers=settings.job_workers, metrics=ctx.metrics)
        await ctx.runner.start()
    return ctx


async def close_context(ctx: Context) -> None:
    if ctx.runner is not None:
        await ctx.runner.stop()
    await ctx.jobs.stop()
    ctx.live.close_all()
    await ctx.broker.close()
    if ctx.redis is not None:
        await ctx.redis.close()
    ctx.media_pool.close()
    await ctx.blobs.close()
    await ctx.shard_lease.release()
    await ctx.db.close()
    ctx.scratch.close()
