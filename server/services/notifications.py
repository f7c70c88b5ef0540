"""Notifications: recorded inside the writer's own transaction, listed and marked read by their recipient.

Every change to someone's notifications also tells their live connections (``services/live.py``), once
the transaction has committed.
"""

from __future__ import annotations


import orjson

from ..clock import now_ms
from ..context import Context
from ..ids import parse_id
from ..repos import access as access_repo
from ..repos.access import blocked_either_way_in
from ..repos import notifications as repo
from ..repos import users as users_repo
from ..stores.base import Conn
from ..web.errors import InvalidInput
from ..web.http import encode_cursor
from ..web.serialize import iso_time, user_summary
from .hydrate import mentions_in

# ``report_resolved``: a report the recipient filed was reviewed (its ``report`` says how); its actor is the
# recipient themselves, so the moderator who decided stays unnamed.
TYPES = frozenset({"like", "comment", "follow", "mention", "follow_request", "report_resolved"})
# What one actor does to one subject is worth one notification: like/unlike/like churn replaces the
# earlier one instead of piling up copies.
ONE_PER_SUBJECT = frozenset({"like", "follow", "follow_request"})
MAX_MENTIONS_NOTIFIED = 10  # per text: caps how many people one comment or caption can ping
MAX_IDS_MARKED = 500  # ids in one mark-read request; a client marks what it has shown, a few pages at most



class Notifications:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def job_handlers(self) -> dict:
        return {}

    # -- recording (called by other services inside their write units) -------------------------
    def add_in(self, conn: Conn, *, user_id: int, type: str, actor_id: int, post_id: int | None = None,
               comment_id: int | None = None) -> None:
        if type not in TYPES:
            raise ValueError(f"unknown notification type {type!r}")
        if user_id == actor_id:
            return
        if type in ONE_PER_SUBJECT:
            repo.delete_matching(conn, user_id=user_id, type=type, actor_id=actor_id, post_id=post_id)
        repo.insert(conn, notification_id=self.ctx.ids.next_id(), user_id=user_id, type=type, actor_id=actor_id,
                    post_id=post_id, comment_id=comment_id, created_at=now_ms())
        self.ctx.live.changed_in(conn, user_id)

    def withdraw_in(self, conn: Conn, *, user_id: int, type: str, actor_id: int, post_id: int | None = None) -> None:
        """Take back a notification whose cause was undone (an unlike, an unfollow, a cancelled request)."""
        if repo.delete_matching(conn, user_id=user_id, type=type, actor_id=actor_id, post_id=post_id):
            self.ctx.live.changed_in(conn, user_id)

    def withdraw_comment_in(self, conn: Conn, *, actor_id: int, comment_id: int) -> None:
        """A deleted comment takes its comment and mention notifications with it."""
        recipients = repo.recipients_of_comment(conn, actor_id, comment_id)
        repo.delete_for_comment(conn, actor_id, comment_id)
        for user_id in recipients:
            self.ctx.live.changed_in(conn, user_id)

    def notify_mentions_in(self, conn: Conn, text: str, *, actor_id: int, post_id: int, comment_id: int | None = None) -> None:
        usernames = mentions_in(text)[:MAX_MENTIONS_NOTIFIED]
        if not usernames:
            return
        author_id = access_repo.post_author(conn, post_id)
        if author_id is None:
            return
        # Someone the comment already notified (the post's author) gets one notification, not two.
        already = repo.recipients_of_comment(conn, actor_id, comment_id) if comment_id is not None else set()
        for user_id in users_repo.ids_by_usernames(conn, usernames).values():
            if user_id in already or blocked_either_way_in(conn, actor_id, user_id):
                continue
            # Mentioning someone in a private post must not show them a post they cannot open.
            if access_repo.can_view_author_in(conn, user_id, author_id):
                self.add_in(conn, user_id=user_id, type="mention", actor_id=actor_id, post_id=post_id, comment_id=comment_id)

    # -- reading --------------------------------------------------------------------------------
    async def recent(self, user_id: int, cursor: tuple[int, ...] | None, limit: int) -> dict:
        before_id = cursor[0] if cursor else None

        def unit(conn: Conn):
            rows, more = repo.page(conn, user_id, before_id, limit)
            return rows, more, repo.unread_count(conn, user_id)

        rows, more, unread = await self.ctx.db.read(unit)
        post_ids = list(dict.fromkeys(row["post_id"] for row in rows if row["post_id"] is not None))
        # The query left out what the recipient may not see; a post of their own hidden by reports still shows.
        posts = {int(post["post_id"]): post for post in await self.ctx.hydrator.hydrate(post_ids, user_id, show_hidden=True)}
        return {
            "notifications": [self._json(row, posts.get(row["post_id"])) for row in rows],
            "next_cursor": encode_cursor(rows[-1]["id"]) if more else None,
            "unread_count": unread,
        }

    def report_outcome_in(self, conn: Conn, *, user_id: int, report: dict) -> None:
        """Tell a reporter how their report ended (``report``: report_id, target_type, action)."""
        repo.insert(conn, notification_id=self.ctx.ids.next_id(), user_id=user_id, type="report_resolved",
                    actor_id=user_id, post_id=None, comment_id=None, created_at=now_ms(), detail=orjson.dumps(report).decode())
        self.ctx.live.changed_in(conn, user_id)

    @staticmethod
    def _json(row, post: dict | None) -> dict:
        data = {
            "id": str(row["id"]),
            "type": row["type"],
            "actor": user_summary({"id": row["actor_id"], "username": row["username"], "avatar_key": row["avatar_key"]}),
            "post": {"post_id": post["post_id"], "media_url": post["media_url"]} if post else None,
            "comment_id": str(row["comment_id"]) if row["comment_id"] is not None else None,
            "created_at": iso_time(row["created_at"]),
            "read": bool(row["is_read"]),
        }
        if row["detail"]:  # report_resolved: {report_id, target_type, action}
            data["report"] = orjson.loads(row["detail"])
        return data

    async def mark_read(self, user_id: int, raw_ids: object = None) -> dict:
        """Mark the listed notifications read (all of them when no list is given); answer the unread count."""
        ids = None if raw_ids is None else self._parse_ids(raw_ids)

        def unit(conn: Conn) -> int:
            repo.mark_read(conn, user_id, ids)
            self.ctx.live.changed_in(conn, user_id)  # the user's other devices show the new count too
            return repo.unread_count(conn, user_id)

        return {"unread_count": await self.ctx.db.write(unit)}

    @staticmethod
    def _parse_ids(raw_ids: object) -> list[int]:
        if not isinstance(raw_ids, list):
            raise InvalidInput("'ids' must be a list of notification ids.")
        if len(raw_ids) > MAX_IDS_MARKED:
            raise InvalidInput(f"Mark at most {MAX_IDS_MARKED} notifications at a time.")
        ids = []
        for raw in raw_ids:
            value = parse_id(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
            if value is None:
                raise InvalidInput("'ids' must hold notification ids (decimal strings).")
            ids.append(value)
        return list(dict.fromkeys(ids))
