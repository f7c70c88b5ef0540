"""Hybrid fan-out as durable jobs: deliver a finished post to its author's followers, then publish it.

When a post's media are done, the media service enqueues ``fanout_publish`` in the same transaction. The
job has the timeline manager push the post into every follower's warm timeline (or, for a celebrity,
nothing: followers merge it at read time), and only then marks the post published, the moment others
see it: a post is never shown as ready before it is in its followers' feeds. A deleted post's
``fanout_retract`` takes it out again. Both jobs are idempotent: a re-run pushes or removes the same id.
"""

from __future__ import annotations


from ..broker.base import CELEBRITY_CHANNEL
from ..clock import now_ms
from ..context import Context
from ..jobs.base import PRIORITY_CLEANUP, PRIORITY_FANOUT
from ..jobs.database import enqueue_in
from ..repos import feed_posts
from ..stores.base import Conn
from ..timelines.manager import FANOUT_BATCH_SIZE


class Fanout:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def job_handlers(self) -> dict:
        return {"fanout_publish": self._publish, "fanout_retract": self._retract}

    def enqueue_publish(self, conn: Conn, post_id: int, author_id: int) -> None:
        enqueue_in(conn, "fanout_publish", {"post_id": post_id, "author_id": author_id}, PRIORITY_FANOUT)

    def enqueue_retract(self, conn: Conn, post_id: int, author_id: int) -> None:
        enqueue_in(conn, "fanout_retract", {"post_id": post_id, "author_id": author_id}, PRIORITY_CLEANUP)

    async def _publish(self, payload: dict) -> None:
        post_id, author_id = int(payload["post_id"]), int(payload["author_id"])
        manager = self.ctx.timeline_manager
        delivered = await manager.deliver(post_id, author_id)
        now = now_ms()
        if not await self.ctx.db.write(lambda conn: feed_posts.mark_published(conn, post_id, now)):
            return  # deleted meanwhile (its retraction takes it out), or a re-run of a job that finished
        self.ctx.hydrator.forget_post(post_id)  # shown from now on, in every process
        live = self.ctx.live
        live.feed_changed_for([author_id], post_id)  # the author's other devices show it as ready
        if delivered is None:
            # A celebrity: every process tells its own open streams of followers (one message, not a name each).
            self.ctx.broker.publish(CELEBRITY_CHANNEL, {"author": author_id, "post": post_id})
        else:
            for start in range(0, len(delivered), FANOUT_BATCH_SIZE):  # their open streams say "new posts" at once
                live.feed_changed_for(delivered[start:start + FANOUT_BATCH_SIZE], post_id)

    async def _retract(self, payload: dict) -> None:
        await self.ctx.timeline_manager.retract(int(payload["post_id"]), int(payload["author_id"]))
