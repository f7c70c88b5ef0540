"""Seen marks and view counts, written in batches so hundreds of viewers at once cost a few transactions.

Each ``POST /stories/{id}/seen`` joins the batch being gathered and waits for its commit (so a 204 means the
mark is stored). One flush at a time per process writes a whole batch in one transaction: the marks (a mark
already there is kept: seeing twice is one view) and, per story, one counter update by the number of new
marks. The counter is part of the same transaction as the marks, so it equals the viewers list however many
processes and requests race (PostgreSQL's row lock on the story serialises the counter updates; SQLite has
one writer). What the author is shown is the counter less the marks of accounts the viewers list leaves out (a
block either way made after the view, a disabled account, one hidden by reports): subtracted when read
(``stories_repo.unlisted_views``), so a block or a suspension never has to find and rewrite counters, and
lifting it brings the view back to both the list and the count.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

from ..repos import stories as stories_repo

log = logging.getLogger(__name__)

MAX_BATCH = 500  # marks per transaction: large enough for a burst, small enough to keep a write short


class ViewRecorder:
    def __init__(self, db, on_new_marks: Callable[[set[int]], None]) -> None:
        """``on_new_marks(viewer ids)`` runs after each commit that added marks (the tray's unseen rings)."""
        self.db = db
        self.on_new_marks = on_new_marks
        self._pending: list[tuple[tuple[int, int, int, bool], asyncio.Future]] = []
        self._flushing: asyncio.Task | None = None
        self.batches = 0  # transactions written (tests and metrics)

    async def record(self, story_id: int, viewer_id: int, seen_at: int, *, counted: bool) -> bool:
        """Store the mark (after the batch it joined has committed); True if it was new."""
        future = asyncio.get_running_loop().create_future()
        self._pending.append(((story_id, viewer_id, seen_at, counted), future))
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush_all())
        return await future

    async def _flush_all(self) -> None:
        # Yield once so the requests arriving in this loop turn join the first batch.
        await asyncio.sleep(0)
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            marks = [mark for mark, _ in batch]
            try:
                added = set(await self.db.write(lambda conn: stories_repo.add_views(conn, marks)))
            except Exception as exc:  # every request in the batch hears of it (a JSON 5xx), none is lost silently
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self.batches += 1
            viewers = {viewer_id for _, viewer_id in added}
            if viewers:
                try:
                    self.on_new_marks(viewers)
                except Exception:
                    log.exception("telling the tray about new seen marks failed")
            for (story_id, viewer_id, _, _), future in batch:
                if not future.done():
                    future.set_result((story_id, viewer_id) in added)
