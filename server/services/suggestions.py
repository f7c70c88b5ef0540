"""Whom to follow: accounts followed by the people the viewer follows, then accounts active here lately.

Each suggestion says why (``reason``), so the app can show it under the name. Accounts the viewer follows or
has asked to follow, the viewer, disabled accounts and accounts the visibility rule hides are never suggested.
"""

from __future__ import annotations

import time

from ..clock import now_ms
from ..context import Context
from ..ids import id_for_time
from ..repos import explore as explore_repo
from ..repos import users as users_repo
from ..stores.base import Conn
from ..web.serialize import user_json
from . import audience

ACTIVE_DAYS = 14
ACTIVE_POOL = 200  # the most active accounts, one list for every viewer
ACTIVE_CACHE_SECONDS = 600
DAY_MS = 86_400_000


class Suggestions:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._active: tuple[float, list[int]] | None = None

    async def users(self, viewer_id: int, limit: int) -> list[dict]:
        active = await self._active_ids()

        def unit(conn: Conn):
            circle = explore_repo.followed_by_my_followees(conn, viewer_id, limit * 2)
            lively = explore_repo.not_followed_among(conn, viewer_id, active)
            hidden = audience.left_out_users_in(conn, viewer_id, [*(row["user_id"] for row in circle), *lively])
            circle = [row for row in circle if row["user_id"] not in hidden]
            picked = {row["user_id"] for row in circle}
            lively = [user_id for user_id in lively if user_id not in hidden and user_id not in picked]
            wanted = [*picked, *lively, *(row["via"] for row in circle)]
            rows = users_repo.by_ids(conn, wanted) if wanted else {}
            return circle, lively, rows

        circle, lively, rows = await self.ctx.db.read(unit)
        out: list[dict] = []
        for row in circle:
            user, via = rows.get(row["user_id"]), rows.get(row["via"])
            if user is None or user["is_disabled"]:
                continue
            others = row["shared"] - 1
            reason = f"Followed by {via['username']}" if via is not None else "Followed by people you follow"
            if via is not None and others:
                reason += f" and {others} other{'s' if others > 1 else ''}"
            out.append({**user_json(user), "reason": reason})
        for user_id in lively:
            user = rows.get(user_id)
            if user is not None and not user["is_disabled"]:
                out.append({**user_json(user), "reason": "Active here lately"})
        return out[:limit]

    async def _active_ids(self) -> list[int]:
        if self._active is not None and time.monotonic() - self._active[0] < ACTIVE_CACHE_SECONDS:
            return self._active[1]
        since = id_for_time((now_ms() - ACTIVE_DAYS * DAY_MS) / 1000)
        ids = await self.ctx.db.read(lambda conn: explore_repo.active_authors(conn, since, ACTIVE_POOL))
        self._active = (time.monotonic(), ids)
        return ids
