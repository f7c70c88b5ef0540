"""Who sees what on the discovery surfaces (stories, the tray, explore, suggestions): one place that asks the
visibility rule, so those services never spell it out themselves.

Until the safety module (blocks, mutes, hidden content) is merged this asks ``repos/access.py``; afterwards it
delegates to the one visibility rule (see /work/briefs/visibility-api.md).
"""

from __future__ import annotations

from ..stores.base import Conn
from ..web.errors import Forbidden


async def can_see_author(ctx, viewer_id: int, author_id: int) -> bool:
    """May the viewer see this author's content (stories, posts)?"""
    return await ctx.follows.can_view(viewer_id, author_id)


async def profile_view(ctx, viewer_id: int, ref: str):
    """The user behind ``{user}`` as the viewer sees them: 404 when they may not know of them, 403 when the
    account is private and the viewer is not an approved follower."""
    view = await ctx.follows.lookup(viewer_id, ref)
    if not view.may_view:
        raise Forbidden("This account is private: follow it and wait for approval to see its stories.", code="private_account")
    return view


def left_out_of_tray_in(conn: Conn, viewer_id: int, author_ids: list[int]) -> set[int]:
    """Inside a read: which of these followed authors the tray leaves out (blocked either way, muted)."""
    return set()


def hidden_authors_in(conn: Conn, viewer_id: int) -> set[int]:
    """Inside a read: accounts whose content explore and suggestions never show the viewer (blocked either way,
    muted)."""
    return set()


def explore_hidden_sql(viewer_id: int, *, post: str = "p") -> tuple[str, list]:
    """A WHERE fragment over ``post`` rows, true for posts explore may show the viewer as far as blocks, mutes and
    reports go (privacy and follows are explore's own filter)."""
    return "1 = 1", []
