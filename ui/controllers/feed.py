"""Lists of posts: the feed (with its "new posts" pill and "Processing…" look-ups), saved posts, a tag.

``fill`` pages any list, first from the device's cache and then from the server; the profile
controller uses it for a profile's grid too.
"""

from __future__ import annotations

from ..models import PostList
from .base import PAGE_SIZE, Feature

# Posts still processing are looked up again on each refresh, a few at a time.
PROCESSING_CHECKS_PER_ROUND = 4


class FeedController(Feature):
    def __init__(self, controller) -> None:
        super().__init__(controller)
        # A `feed` event came while the feed was off screen or loading: look for new posts when it can be.
        self._new_posts_unchecked = False

    async def fill(self, posts: PostList, fetch, *, more: bool = False, cache_key: str | None = None) -> None:
        if posts.loading or (more and not posts.next_cursor):
            return
        if not more and not posts.loaded and cache_key:
            cached = self.core.cache.load_posts(cache_key)
            if cached:
                posts.replace_all(*cached, from_cache=True)  # first paint from disk, then refresh
        posts.loading = True
        try:
            page = await self.call(lambda: fetch(posts.next_cursor if more else None, PAGE_SIZE), quiet=posts.loaded)
        finally:
            posts.loading = False
        if page is None:
            posts.loaded = True
            return
        if more:
            posts.append(list(page.items), page.next_cursor)
        else:
            posts.replace_all(list(page.items), page.next_cursor)
        if cache_key:
            self.core.cache.save_posts(cache_key, posts.all_posts, posts.next_cursor)

    async def load(self, more: bool = False) -> None:
        if more and self.state.feed.held_back:  # the cached posts the first frame left out: no network needed
            self.state.feed.show_held_back()
            return
        await self.fill(self.state.feed, self.api.feed, more=more, cache_key="feed")

    async def on_feed_news(self) -> None:
        self._new_posts_unchecked = True
        await self.check_new_posts_if_due()

    async def check_new_posts_if_due(self) -> None:
        """After a `feed` event: look now if the feed is on screen and settled, else on a later round
        (the background loop comes by every second), so news heard elsewhere shows when the feed does."""
        feed = self.state.feed
        if (self._new_posts_unchecked and self.state.signed_in and self.state.route == "/"
                and feed.loaded and not feed.loading):
            self._new_posts_unchecked = False
            await self.check_new_posts()

    async def check_new_posts(self) -> None:
        feed = self.state.feed
        if not feed.loaded or feed.loading:
            return
        page = await self.call(lambda: self.api.feed(None, PAGE_SIZE), quiet=True)
        if page is None:
            return
        if not feed.posts:
            feed.replace_all(list(page.items), page.next_cursor)
            return
        top = feed.posts[0].post_id
        newer = [p for p in page.items if int(p.post_id) > int(top)]
        feed.offer_newer(newer)

    async def refresh_processing(self) -> None:
        """A just-shared post shows "Processing…" until its variants exist; look again until they do."""
        lists = [self.state.feed, *(p.posts for p in self.state.profiles.values() if p.posts)]
        waiting = {m.post_id for lst in lists for m in lst.posts
                   if any(media.status == "processing" for media in m.post.media)}
        for post_id in list(waiting)[:PROCESSING_CHECKS_PER_ROUND]:
            post = await self.call(lambda: self.api.post(post_id), quiet=True)
            if post is not None and all(media.status != "processing" for media in post.media):
                for model in self.state.post_models(post_id):
                    model.post = post

    async def show_new_posts(self) -> None:
        self.state.feed.show_new_posts()

    async def load_saved(self, more: bool = False) -> None:
        await self.fill(self.state.saved, self.api.saved, more=more, cache_key="saved")

    async def load_tag(self, tag: str, more: bool = False) -> None:
        await self.fill(self.state.tag(tag), lambda c, n: self.api.tag_posts(tag, c, n), more=more)
