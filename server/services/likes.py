"""Liking a post: one like per person, the post's like_count changed in the same transaction."""

from __future__ import annotations


from ..clock import now_ms
from ..context import Context
from ..repos import access as access_repo
from ..repos import follows as follows_repo
from ..repos import likes as repo
from ..stores.base import Conn, IntegrityError
from ..web.errors import Conflict, NotFound
from ..web.http import encode_cursor
from ..web.serialize import user_summary



class Likes:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def like(self, user_id: int, post_id: int) -> dict:
        await self.ctx.posts.visible_post_row(user_id, post_id)

        def unit(conn: Conn) -> int:
            author_id = self._existing_author(conn, post_id)
            try:
                repo.insert(conn, post_id, user_id, now_ms())
            except IntegrityError:
                # The primary key decides races: of several concurrent likes exactly one row lands.
                raise Conflict("You already like this post.", code="already_liked") from None
            like_count = repo.add_to_count(conn, post_id, +1)
            self.ctx.notifications.add_in(conn, user_id=author_id, type="like", actor_id=user_id, post_id=post_id)
            return like_count

        like_count = await self.ctx.db.write(unit)
        self.ctx.hydrator.forget_post(post_id)
        self.ctx.hydrator.forget_viewer(user_id)
        return {"like_count": like_count}

    async def unlike(self, user_id: int, post_id: int) -> dict:
        await self.ctx.posts.visible_post_row(user_id, post_id)

        def unit(conn: Conn) -> int:
            author_id = self._existing_author(conn, post_id)
            if not repo.delete(conn, post_id, user_id):
                raise Conflict("You do not like this post.", code="not_liked")
            like_count = repo.add_to_count(conn, post_id, -1)
            self.ctx.notifications.withdraw_in(conn, user_id=author_id, type="like", actor_id=user_id, post_id=post_id)
            return like_count

        like_count = await self.ctx.db.write(unit)
        self.ctx.hydrator.forget_post(post_id)
        self.ctx.hydrator.forget_viewer(user_id)
        return {"like_count": like_count}

    async def likers(self, viewer_id: int, post_id: int, cursor: tuple[int, ...] | None, limit: int) -> dict:
        await self.ctx.posts.visible_post_row(viewer_id, post_id)
        after = (cursor[0], cursor[1]) if cursor else None

        def unit(conn: Conn):
            rows, more = repo.likers_page(conn, post_id, viewer_id, after, limit)
            return rows, more, follows_repo.relations_of(conn, viewer_id, [row["id"] for row in rows])

        rows, more, (followed, requested) = await self.ctx.db.read(unit)
        return {
            # With the viewer's relation to each, so a likers list can offer Follow where it makes sense.
            "users": [{**user_summary(row), "followed_by_me": row["id"] in followed, "follow_requested_by_me": row["id"] in requested}
                      for row in rows],
            "next_cursor": encode_cursor(rows[-1]["created_at"], rows[-1]["id"]) if more else None,
        }

    @staticmethod
    def _existing_author(conn: Conn, post_id: int) -> int:
        """Checked again inside the write: the post may have been deleted since the visibility check."""
        author_id = access_repo.post_author(conn, post_id)
        if author_id is None:
            raise NotFound("No such post.")
        return author_id
