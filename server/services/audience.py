"""Who sees what on the discovery surfaces (stories, the tray, explore, suggestions): the one visibility rule
(``services/visibility.py``, ``repos/access.py``) plus what a mute means here, in one place, so those services
never spell the rule out themselves.

A mute is not visibility: it leaves the muted account's stories out of the muter's tray, and (our choice, as for
the home feed) their posts out of the muter's explore and the account out of their suggestions. A story the
muter opens from a profile still shows.
"""

from __future__ import annotations

from ..repos import access as access_repo
from ..repos import blocks as blocks_repo
from ..repos import explore as explore_repo
from ..stores.base import Conn
from ..web.errors import Forbidden


async def can_see_author(ctx, viewer_id: int, author_id: int) -> bool:
    """May the viewer see this author's content (stories, posts)?"""
    return await ctx.visibility.may_see_content_of(viewer_id, author_id)


async def profile_view(ctx, viewer_id: int, ref: str):
    """The user behind ``{user}`` as the viewer sees them: 404 when they may not see the account at all (blocked,
    disabled), 403 when it is private and the viewer is not an approved follower."""
    view = await ctx.follows.lookup(viewer_id, ref)
    if not view.may_view:
        raise Forbidden("This account is private: follow it and wait for approval to see its stories.", code="private_account")
    return view


def left_out_of_tray_in(conn: Conn, viewer_id: int, author_ids: list[int]) -> set[int]:
    """Inside a read: which of these followed authors the tray leaves out (not visible to the viewer, or muted)."""
    if not author_ids:
        return set()
    visible = access_repo.visible_authors_in(conn, viewer_id, author_ids)
    muted = blocks_repo.muted_ids(conn, viewer_id)
    return {author_id for author_id in author_ids if author_id not in visible or author_id in muted}


def left_out_users_in(conn: Conn, viewer_id: int, user_ids: list[int]) -> set[int]:
    """Inside a read: which of these accounts suggestions leave out (not visible to the viewer, or muted)."""
    if not user_ids:
        return set()
    visible = access_repo.visible_users_in(conn, viewer_id, user_ids)
    muted = blocks_repo.muted_ids(conn, viewer_id)
    return {user_id for user_id in user_ids if user_id not in visible or user_id in muted}


def explore_visible_sql(viewer_id: int, *, post: str = "p", author: str = "u") -> tuple[str, list]:
    """A WHERE fragment over ``post`` joined to its ``author`` (a users row): posts the viewer may see and whose
    author they do not mute."""
    return explore_repo.visible_unmuted_post_sql(viewer_id, post=post, author=author)
