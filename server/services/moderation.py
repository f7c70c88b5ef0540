"""Reports and their review: anyone reports what they can see, moderators work the queue, every decision is audited.

A report names a post, a comment or an account, with a reason. Reports of one target gather in one open
*case* (the queue's row, ``report_id``); each person reports a given target once, ever (409), so a dismissed case
cannot be re-filed by the same people to hide the target again. When ``report_hide_threshold`` different people
have reported it, the target is hidden (``hidden = 1``): the visibility rule shows it only to its author (and to
moderators opening it) until a moderator resolves the case:

- ``dismiss``: nothing wrong; the target shows again.
- ``remove``: the post or comment is deleted; for an account, it is disabled.
- ``disable_user``: the target's owner is disabled (signed out, refused sign-in, everything of theirs withheld).

Each reporter then finds the outcome in their Activity (a ``report_resolved`` notification), and the decision
goes to the audit log (``audit_in``; the admin tools write there too).
"""

from __future__ import annotations

from typing import Any

import orjson

from ..clock import now_ms
from ..context import Context
from ..ids import parse_id
from ..repos import access as access_repo
from ..repos import comments as comments_repo
from ..repos import moderation as repo
from ..repos import users as users_repo
from ..stores.base import Conn, IntegrityError
from ..web.errors import Conflict, Forbidden, InvalidInput, NotFound, RateLimited
from ..web.serialize import comment_json, iso_time, user_json, user_summary

TARGET_TYPES = ("post", "comment", "user")
REASONS = ("spam", "nudity", "violence", "harassment", "other")
ACTIONS = ("dismiss", "remove", "disable_user")
STATUSES = ("open", "resolved")
MAX_NOTE_CHARS = 1_000
ROLES = ("user", "moderator", "admin")
# Who may do what under /admin: moderators work the report queue; admins everything.
ROLE_RANK = {"user": 0, "moderator": 1, "admin": 2}
CLI_ACTOR = "command line"


def _note(data: dict, name: str = "note") -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"'{name}' must be a string.")
    value = value.strip()
    if len(value) > MAX_NOTE_CHARS:
        raise InvalidInput(f"'{name}' may have at most {MAX_NOTE_CHARS} characters.")
    return value


def _choice(data: dict, name: str, allowed: tuple[str, ...]) -> str:
    value = data.get(name)
    if value not in allowed:
        raise InvalidInput(f"'{name}' must be one of: {', '.join(allowed)}.", code=f"invalid_{name}")
    return value


class Moderation:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # -- roles ----------------------------------------------------------------------------------------------
    async def require(self, user_id: int, role: str) -> Any:
        """The caller's row if their role is at least ``role`` (moderator or admin); 403 otherwise."""
        row = await self.ctx.db.read(lambda conn: users_repo.by_id(conn, user_id))
        if row is None or row["is_disabled"] or ROLE_RANK.get(row["role"], 0) < ROLE_RANK[role]:
            raise Forbidden(f"Only {'moderators and admins' if role == 'moderator' else 'admins'} may do this.",
                            code="not_allowed")
        return row

    # -- the audit log ----------------------------------------------------------------------------------------
    def audit_in(self, conn: Conn, *, actor_id: int | None, action: str, target_type: str | None = None,
                 target_id: int | None = None, **detail: Any) -> None:
        """Record a moderation or admin decision inside the write that makes it (``actor_id`` None: the command line)."""
        actor = users_repo.by_id(conn, actor_id) if actor_id is not None else None
        repo.audit(conn, entry_id=self.ctx.ids.next_id(), actor_id=actor_id,
                   actor_name=actor["username"] if actor is not None else CLI_ACTOR, action=action,
                   target_type=target_type, target_id=target_id, detail=orjson.dumps(detail).decode(), now=now_ms())

    async def audit_log(self, before_id: int | None, limit: int) -> tuple[list[dict], int | None]:
        rows = await self.ctx.db.read(lambda conn: repo.audit_page(conn, before_id, limit + 1))
        entries = [{
            "id": str(row["id"]),
            "actor": {"user_id": str(row["actor_id"]) if row["actor_id"] is not None else None, "username": row["actor_name"]},
            "action": row["action"],
            "target_type": row["target_type"],
            "target_id": str(row["target_id"]) if row["target_id"] is not None else None,
            "detail": orjson.loads(row["detail"]),
            "created_at": iso_time(row["created_at"]),
        } for row in rows[:limit]]
        return entries, (rows[limit - 1]["id"] if len(rows) > limit else None)

    # -- reporting --------------------------------------------------------------------------------------------
    async def report(self, reporter_id: int, data: dict) -> dict:
        """File a report; ``{report_id}`` of the target's open case. 404 for what the reporter cannot see."""
        target_type = _choice(data, "target_type", TARGET_TYPES)
        raw_id = data.get("target_id")
        target_id = parse_id(raw_id) if isinstance(raw_id, str) else None
        if target_id is None:
            raise InvalidInput("'target_id' must be an id (a decimal string).", code="invalid_target_id")
        reason = _choice(data, "reason", REASONS)
        note = _note(data)
        wait = await self.ctx.limiter.hit(f"reports:{reporter_id}", self.ctx.settings.rate_limit_user_reports, window_seconds=3600)
        if wait:
            raise RateLimited(wait)
        threshold = max(1, int(self.ctx.settings.report_hide_threshold))
        report_id = self.ctx.ids.next_id()

        def unit(conn: Conn) -> tuple[int, bool, Any]:
            target = self._visible_target(conn, reporter_id, target_type, target_id)
            if target["owner_id"] == reporter_id:
                raise InvalidInput("You cannot report yourself or what you posted.", code="cannot_report_self")
            if repo.has_reported(conn, target_type, target_id, reporter_id):
                raise Conflict("You already reported this.", code="already_reported")
            case = repo.open_report_for(conn, target_type, target_id)
            case_id = case["id"] if case is not None else report_id
            if case is None:
                repo.insert_report(conn, report_id=case_id, target_type=target_type, target_id=target_id,
                                   owner_id=target["owner_id"], now=now_ms())
            count = repo.add_entry(conn, report_id=case_id, reporter_id=reporter_id, target_type=target_type,
                                   target_id=target_id, reason=reason, note=note, now=now_ms())
            hid, recounted = False, []
            if count >= threshold and not (case is not None and case["hidden"]):
                repo.mark_report_hidden(conn, case_id)
                hid, recounted = self._set_hidden_in(conn, target_type, target_id, True)
            return case_id, hid, target, recounted

        try:
            case_id, hid, target, recounted = await self.ctx.db.write(unit)
        except IntegrityError:  # a second report by the same person, or two first reports racing to open the case
            case_id, hid, target, recounted = await self.ctx.db.write(unit)
        if hid:
            self._forget_target(target_type, target)
            self.ctx.comments.counts_changed(recounted)
        return {"report_id": str(case_id)}

    @staticmethod
    def _set_hidden_in(conn: Conn, target_type: str, target_id: int, hidden: bool) -> tuple[bool, list[int]]:
        """Set the target's hidden flag: whether it changed, and for an account, the posts whose comment count its
        comments left (or rejoined: ``comments_repo.recount_author``)."""
        if target_type != "user":
            return repo.set_hidden(conn, target_type, target_id, hidden), []
        counted = comments_repo.author_counts(conn, target_id)
        changed = repo.set_hidden(conn, target_type, target_id, hidden)
        return changed, (comments_repo.recount_author(conn, target_id, counted) if changed else [])

    @staticmethod
    def _visible_target(conn: Conn, viewer_id: int, target_type: str, target_id: int) -> Any:
        if target_type == "post":
            visible = access_repo.post_visible_in(conn, viewer_id, target_id) is not None
        elif target_type == "comment":
            visible = access_repo.comment_visible_in(conn, viewer_id, target_id) is not None
        else:
            visible = access_repo.can_see_user_in(conn, viewer_id, target_id)
        target = repo.target_row(conn, target_type, target_id) if visible else None
        if target is None:
            raise NotFound(f"No such {target_type}.")
        return target

    def _forget_target(self, target_type: str, target: Any) -> None:
        """Hydrated copies of a target whose hidden flag changed are out of date."""
        hydrator = self.ctx.hydrator
        if target_type == "user":
            hydrator.forget_user(target["id"])
        else:
            hydrator.forget_post(target["post_id"])

    # -- the queue ------------------------------------------------------------------------------------------
    async def queue(self, moderator_id: int | None, status: str | None, before_id: int | None,
                    limit: int) -> tuple[list[dict], int | None]:
        """A page of cases in ``status`` (default open), newest first (``moderator_id`` None: the command line)."""
        if moderator_id is not None:
            await self.require(moderator_id, "moderator")
        status = status or "open"
        if status not in STATUSES:
            raise InvalidInput("'status' must be open or resolved.", code="invalid_status")
        rows, reasons, targets = await self.ctx.db.read(lambda conn: self._queue_in(conn, status, before_id, limit + 1))
        reports = [await self._report_json(row, reasons.get(row["id"], {}), targets.get(row["id"]), moderator_id)
                   for row in rows[:limit]]
        return reports, (rows[limit - 1]["id"] if len(rows) > limit else None)

    @staticmethod
    def _queue_in(conn: Conn, status: str, before_id: int | None, limit: int):
        rows = repo.reports_page(conn, status, before_id, limit)
        reasons = repo.reasons_of(conn, [row["id"] for row in rows])
        targets = {row["id"]: Moderation._target_data(conn, row) for row in rows}
        return rows, reasons, targets

    @staticmethod
    def _target_data(conn: Conn, row) -> dict | None:
        """What a moderator sees of the target (None when it is gone): the rows behind its JSON."""
        if row["target_type"] == "user":
            user = users_repo.by_id(conn, row["target_id"])
            return {"user": user} if user is not None else None
        if row["target_type"] == "comment":
            comment = comments_repo.by_id(conn, row["target_id"])
            return {"comment": comment} if comment is not None else None
        return {"post_id": row["target_id"]}

    async def _report_json(self, row, reasons: dict[str, int], target: dict | None, moderator_id: int | None) -> dict:
        shown: dict | None = None
        if target is not None:
            if row["target_type"] == "user":
                shown = user_json(target["user"])
                shown["disabled"] = bool(target["user"]["is_disabled"])
                shown["hidden"] = bool(target["user"]["hidden"])
            elif row["target_type"] == "comment":
                comment = target["comment"]
                shown = comment_json(comment, user_summary({"id": comment["user_id"], "username": comment["username"],
                                                            "avatar_key": comment["avatar_key"]}))
            else:
                shown = await self.ctx.hydrator.hydrate_one(target["post_id"], moderator_id, show_hidden=True)
        return {
            "report_id": str(row["id"]),
            "target_type": row["target_type"],
            "target_id": str(row["target_id"]),
            "target": shown,
            "owner_id": str(row["owner_id"]) if row["owner_id"] is not None else None,
            "reasons": reasons,
            "reporter_count": row["reporter_count"],
            "status": row["status"],
            "hidden": bool(row["hidden"]),
            "created_at": iso_time(row["created_at"]),
            "action": row["action"],
            "resolved_at": iso_time(row["resolved_at"]) if row["resolved_at"] is not None else None,
            "resolution_note": row["resolution_note"],
        }

    async def report_detail(self, moderator_id: int | None, report_id: int) -> dict:
        if moderator_id is not None:
            await self.require(moderator_id, "moderator")

        def unit(conn: Conn):
            row = repo.report_by_id(conn, report_id)
            if row is None:
                raise NotFound("No such report.")
            return row, repo.reasons_of(conn, [report_id]).get(report_id, {}), self._target_data(conn, row), repo.notes_of(conn, report_id)

        row, reasons, target, notes = await self.ctx.db.read(unit)
        report = await self._report_json(row, reasons, target, moderator_id)
        report["entries"] = [{"reporter": user_summary({"id": n["reporter_id"], "username": n["username"], "avatar_key": None}),
                              "reason": n["reason"], "note": n["note"], "created_at": iso_time(n["created_at"])} for n in notes]
        return report

    # -- resolving --------------------------------------------------------------------------------------------
    async def resolve(self, moderator_id: int | None, report_id: int, data: dict) -> dict:
        """Close a case with ``dismiss``, ``remove`` or ``disable_user``; reporters are told, the log keeps it."""
        if moderator_id is not None:
            await self.require(moderator_id, "moderator")
        action = _choice(data, "action", ACTIONS)
        note = _note(data)
        row = await self.ctx.db.read(lambda conn: repo.report_by_id(conn, report_id))
        if row is None:
            raise NotFound("No such report.")
        if row["status"] != "open":
            raise Conflict("This report was already resolved.", code="already_resolved")
        target_type, target_id, owner_id = row["target_type"], row["target_id"], row["owner_id"]
        # The action's own effects first (each its own service, with its own commits and caches)...
        if action == "remove" and target_type == "post":
            try:
                await self.ctx.posts.remove(target_id)
            except NotFound:
                pass  # deleted meanwhile: removed all the same
        elif action == "remove" and target_type == "comment":
            try:
                await self.ctx.comments.remove(target_id)
            except NotFound:
                pass
        elif (action == "remove" and target_type == "user") or action == "disable_user":
            if owner_id is not None:
                await self.ctx.admin.set_disabled_by_id(owner_id, True, actor_id=moderator_id, audit=False)
        notifications = self.ctx.notifications

        def unit(conn: Conn):
            if not repo.resolve(conn, report_id, action=action, note=note, resolved_by=moderator_id, now=now_ms()):
                raise Conflict("This report was already resolved.", code="already_resolved")
            target = repo.target_row(conn, target_type, target_id)
            unhidden, recounted = (self._set_hidden_in(conn, target_type, target_id, False)
                                   if target is not None and action != "remove" else (False, []))
            for reporter_id in repo.reporter_ids(conn, report_id):
                notifications.report_outcome_in(conn, user_id=reporter_id, report={
                    "report_id": str(report_id), "target_type": target_type, "action": action})
            self.audit_in(conn, actor_id=moderator_id, action=f"report.{action}", target_type=target_type,
                          target_id=target_id, report_id=str(report_id), note=note,
                          owner_id=str(owner_id) if owner_id is not None else None)
            return (target if unhidden else None), recounted

        unhidden, recounted = await self.ctx.db.write(unit)
        if unhidden is not None:
            self._forget_target(target_type, unhidden)
        self.ctx.comments.counts_changed(recounted)
        return await self.report_detail(moderator_id, report_id) if moderator_id is not None else {"report_id": str(report_id)}
