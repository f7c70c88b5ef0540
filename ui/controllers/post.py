"""One post: its detail screen and comments, and what a tap does to it anywhere (like, save, delete).

A post can be on screen in several lists at once (feed, profile, detail): a change to one model is
mirrored to the others, and rolled back on all of them when the server refuses it.
"""

from __future__ import annotations

from dataclasses import replace

from ..models import PostModel
from .base import Feature

# Comments shown on a post's screen.
COMMENTS_PAGE_SIZE = 50


class PostController(Feature):
    async def load(self, post_id: str) -> None:
        known = self.state.post_models(post_id)
        if post_id not in self.state.posts and known:
            self.state.posts[post_id] = PostModel(known[0].post)  # draw at once from the list it came from
        post = await self.call(lambda: self.api.post(post_id), quiet=bool(known))
        if post is not None:
            if post_id in self.state.posts:
                self.state.posts[post_id].post = post
            else:
                self.state.posts[post_id] = PostModel(post)
        await self.load_comments(post_id)

    async def toggle_like(self, model: PostModel) -> None:
        if model.pending:
            return
        before = model.post
        liked = model.toggle_like()
        self._mirror(model)
        model.pending = True
        try:
            count = await self.call(lambda: (self.api.like if liked else self.api.unlike)(model.post_id))
        finally:
            model.pending = False
        if count is None:
            model.rollback_like(before)
        else:
            model.confirm_likes(count)
        self._mirror(model)

    async def like(self, model: PostModel) -> None:
        """Double tap only ever likes (as people expect); it never takes a like back."""
        if not model.post.liked_by_me:
            await self.toggle_like(model)

    async def toggle_save(self, model: PostModel) -> None:
        before = model.post
        saved = model.toggle_save()
        self._mirror(model)
        result = await self.call(lambda: (self.api.save if saved else self.api.unsave)(model.post_id))
        if result is None:
            model.rollback_save(before)
            self._mirror(model)
        self.state.saved.loaded = False  # the saved screen reloads next time it opens

    def _mirror(self, model: PostModel) -> None:
        for other in self.state.post_models(model.post_id):
            if other is not model:
                other.post = model.post

    async def load_comments(self, post_id: str) -> None:
        comments = self.state.comments_for(post_id)
        page = await self.call(lambda: self.api.comments(post_id, None, COMMENTS_PAGE_SIZE), quiet=True)
        if page is not None:
            comments.comments = list(page.items)
            comments.next_cursor = page.next_cursor
        comments.loaded = True

    async def add_comment(self, post_id: str, text: str) -> bool:
        text = text.strip()
        if not text:
            return False
        comment = await self.call(lambda: self.api.comment(post_id, text))
        if comment is None:
            return False
        self.state.comments_for(post_id).comments.append(comment)
        for model in self.state.post_models(post_id):
            model.comment_added()
        return True

    async def delete_comment(self, post_id: str, comment_id: str) -> bool:
        """Mine, or anyone's on my post (the server checks which)."""
        if await self.call(lambda: self.api.delete_comment(comment_id)) is None:
            return False
        comments = self.state.comments_for(post_id)
        comments.comments = [c for c in comments.comments if c.comment_id != comment_id]
        for model in self.state.post_models(post_id):
            model.post = replace(model.post, comment_count=max(0, model.post.comment_count - 1))
        self.toast("Comment deleted.")
        return True

    async def delete(self, post_id: str) -> None:
        if await self.call(lambda: self.api.delete_post(post_id)) is not None:
            for lst in (self.state.feed, *(p.posts for p in self.state.profiles.values())):
                lst.remove(post_id)
            await self.navigate("/")
