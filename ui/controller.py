"""Per-page actions: each one calls the API (through ``app/``) and changes the observable state.

Views call these; nothing here draws. Network trouble flips ``state.online`` and leaves what is on
screen (from the cache) in place; a server refusal becomes a toast with the server's message.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from dataclasses import replace
from pathlib import Path

from app.api_client import ApiError, OfflineError
from app.api_types import LiveEvent
from app.editing import EditSpec, crop_to_ratio, fit_within, open_photo, preview_copy, preview_jpeg, render_for_upload, to_jpeg
from app.session import SessionData, normalise_server_url

from ui.core import ClientCore
from ui.models import AppState, PostList, PostModel

log = logging.getLogger(__name__)

PAGE_SIZE = 12
# How often the queue list on screen is refreshed from the queue (cheap: a diskcache read).
QUEUE_REFRESH_SECONDS = 1.0
# While offline, how often to knock on the server's door.
OFFLINE_PROBE_SECONDS = 5.0
# Posts still processing are looked up again on each refresh, a few at a time.
PROCESSING_CHECKS_PER_ROUND = 4
# A profile photo is shown at most a few hundred pixels wide: no need to send the camera's 12 MP.
AVATAR_SIDE = 640
AVATAR_JPEG_QUALITY = 90


class Controller:
    def __init__(self, core: ClientCore, state: AppState, navigate) -> None:
        self.core = core
        self.state = state
        self.navigate = navigate  # async (route) -> None
        self._source: Path | None = None
        self._preview_base = None
        self._scratch = tempfile.TemporaryDirectory(prefix="photoshare-create-")
        self._preview_version = 0
        # A `feed` event came while the feed was off screen or loading: look for new posts when it can be.
        self._new_posts_unchecked = False

    @property
    def api(self):
        return self.core.api

    # ---- plumbing ------------------------------------------------------------------------------
    async def call(self, action, *, quiet: bool = False):
        """Run one API call; answers None (and tells the user) instead of raising."""
        try:
            result = await action()
        except OfflineError:
            self.state.online = False
            if not quiet:
                self.toast("You are offline. Showing what was saved on this device.")
            return None
        except ApiError as error:
            self.state.online = True
            if error.status == 401 and self.state.signed_in:
                await self.sign_out(local_only=True)
                self.toast("Your session ended. Please sign in again.")
            elif not quiet:
                self.toast(error.message)
            return None
        self.state.online = True
        return result

    def toast(self, message: str) -> None:
        self.state.toast = message

    async def background(self) -> None:
        """Per page: keep the queue list fresh, notice coming back online, and act on live news
        (the unread badge, the "new posts" pill) the moment the process's live connection hears it."""
        events: asyncio.Queue[LiveEvent] = asyncio.Queue()
        unsubscribe = self.core.live.subscribe(events.put_nowait)
        if self.core.live.unread_count is not None:  # heard before this page opened
            self.state.notifications.unread = self.core.live.unread_count
        try:
            while True:
                try:
                    await self._background_loop(events)
                except asyncio.CancelledError:
                    raise
                except Exception:  # keep the screen live whatever one refresh hit
                    log.exception("background refresh failed")
                    await asyncio.sleep(QUEUE_REFRESH_SECONDS)
        finally:
            unsubscribe()

    async def _background_loop(self, events: asyncio.Queue) -> None:
        last_probe = 0.0
        loop = asyncio.get_running_loop()
        while True:
            if self.state.signed_in:
                self.state.queue.refresh(self.core.queue.items(), self.core.queue.paused_all)
                folders = [str(p) for p in self.core.watcher.folders()]
                if folders != list(self.state.watched_folders):
                    self.state.watched_folders = folders
            now = loop.time()
            if not self.state.online and now - last_probe >= OFFLINE_PROBE_SECONDS:
                last_probe = now
                await self._probe()
            if self.state.online and self.state.signed_in:
                await self.refresh_processing()
                await self._check_new_posts_if_due()
            try:
                first = await asyncio.wait_for(events.get(), QUEUE_REFRESH_SECONDS)
            except asyncio.TimeoutError:
                continue
            news = [first]
            while not events.empty():
                news.append(events.get_nowait())
            for event in _coalesced(news):
                await self.on_live_event(event)

    async def on_live_event(self, event: LiveEvent) -> None:
        if event.name == "unread":
            count = int(event.data.get("unread_count") or 0)
            self.state.notifications.unread = count
            if count and self.state.route == "/notifications":  # the list on screen grows as news arrives
                await self.load_notifications()
        elif event.name == "feed":
            self._new_posts_unchecked = True
            await self._check_new_posts_if_due()
        elif event.name == "mode":
            self.state.live_mode = event.data.get("mode", "")
            if self.state.live_mode == "live" and not self.state.online:
                await self._probe()  # the stream is back, so is the server: do not wait for the next knock
        elif event.name == "unauthorized" and self.state.signed_in:
            await self.sign_out(local_only=True)
            self.toast("Your session ended. Please sign in again.")

    async def _probe(self) -> None:
        try:
            await self.api.health()
        except ApiError:
            return
        self.state.online = True
        self.core.queue.retry_now()
        if self.state.signed_in:
            await self.load_feed()

    # ---- session -------------------------------------------------------------------------------
    async def start(self) -> None:
        """The first frame already shows the cached account and feed (``ui.shell.first_state``);
        now ask the server for both at once."""
        session = self.core.session
        self.state.server_url = session.server_url
        if not session.signed_in:
            await self.navigate("/welcome")
            return
        if self.state.me is None:
            self.state.me = self.core.cache.load_user(session.username or "")
        known = self.state.me is not None
        me, _ = await asyncio.gather(self.call(self.api.me, quiet=True),
                                     self.load_feed() if known else asyncio.sleep(0))
        if not self.core.session.signed_in:  # the server refused the token (call() signed out)
            return
        if me is not None:
            self.state.me = me
            self.core.cache.save_user(me)
        elif not known and self.state.online:  # the server answered but refused the token
            await self.navigate("/welcome")
            return
        self.core.start_background()
        if self.state.route in ("/welcome", ""):
            await self.navigate("/")
        if not known:
            await self.load_feed()

    async def check_setup(self, server_url: str | None = None) -> None:
        """Ask the server whether it waits for its admin (then creating an account takes the setup code)."""
        if server_url:
            url = normalise_server_url(server_url)
            if url != self.api.base_url:
                self.api.use_server(url)
        try:
            needed = await self.api.setup_required()
        except ApiError:  # offline, or refused: the form stays as it is (and is not redrawn)
            return
        except Exception:  # a half-typed address httpx cannot use
            log.info("could not ask %s whether it needs a setup code", self.api.base_url, exc_info=True)
            return
        if needed != self.state.setup_code_needed:  # redraw only for news: the visitor may be typing
            self.state.setup_code_needed = needed

    async def sign_in(self, server_url: str, username: str, password: str, *, register: bool,
                      invite_code: str = "", setup_code: str = "") -> bool:
        url = normalise_server_url(server_url)
        if url != self.api.base_url:
            self.api.use_server(url)
        self.state.server_url = url
        refusals: list[str] = []

        async def attempt():
            try:
                if register:
                    return await self.api.register(username.strip().lower(), password, invite_code.strip() or None,
                                                   setup_code.strip() or None)
                return await self.api.login(username.strip().lower(), password)
            except ApiError as error:
                refusals.append(error.code)
                raise

        session = await self.call(attempt)
        if session is None:
            if register:  # the server's answer says which fields the form should show
                if "setup_code_required" in refusals or "invalid_setup_code" in refusals:
                    self.state.setup_code_needed = True
                elif "setup_complete" in refusals:
                    self.state.setup_code_needed = False
                self.state.invite_refused = "invalid_invite" in refusals
            return False
        self.state.setup_code_needed = self.state.invite_refused = False
        self.core.save_session(SessionData(server_url=url, token=session.token, user_id=session.user.user_id,
                                           username=session.user.username))
        self.state.me = session.user
        self.core.cache.save_user(session.user)
        self.core.queue.resume_after_sign_in()
        self.core.stop_live()  # a stream opened for an earlier account (or none) must not carry on
        self.core.start_background()
        await self.navigate("/")
        await self.load_feed()
        return True

    async def sign_out(self, local_only: bool = False) -> None:
        if not local_only:
            await self.call(self.api.logout, quiet=True)
        self.core.save_session(self.core.sessions.sign_out())
        self.core.stop_live()
        self.core.cache.forget_account()
        self.state.signed_out()
        await self.navigate("/welcome")

    # ---- lists of posts ------------------------------------------------------------------------
    async def _fill(self, posts: PostList, fetch, *, more: bool = False, cache_key: str | None = None) -> None:
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

    async def load_feed(self, more: bool = False) -> None:
        if more and self.state.feed.held_back:  # the cached posts the first frame left out: no network needed
            self.state.feed.show_held_back()
            return
        await self._fill(self.state.feed, self.api.feed, more=more, cache_key="feed")

    async def _check_new_posts_if_due(self) -> None:
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
        await self._fill(self.state.saved, self.api.saved, more=more, cache_key="saved")

    async def load_tag(self, tag: str, more: bool = False) -> None:
        await self._fill(self.state.tag(tag), lambda c, n: self.api.tag_posts(tag, c, n), more=more)

    async def load_profile(self, username: str, more: bool = False) -> None:
        profile = self.state.profile(username)
        if not more:
            profile.user = profile.user or self.core.cache.load_user(username)
            user = await self.call(lambda: self.api.user(username), quiet=profile.user is not None)
            if user is not None:
                profile.user = user
                self.core.cache.save_user(user)
            elif profile.user is None:
                profile.error = "This account could not be loaded."
                return
        if profile.user and profile.user.is_private and not profile.user.followed_by_me \
                and (self.state.me is None or profile.user.user_id != self.state.me.user_id):
            profile.posts.loaded = True  # the server would answer 403: say so instead of asking
            return
        await self._fill(profile.posts, lambda c, n: self.api.user_posts(username, c, n), more=more,
                         cache_key=f"profile:{username}")

    async def load_post(self, post_id: str) -> None:
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

    # ---- interactions --------------------------------------------------------------------------
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
        page = await self.call(lambda: self.api.comments(post_id, None, 50), quiet=True)
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

    async def toggle_follow(self, username: str) -> None:
        profile = self.state.profile(username)
        user = profile.user
        if user is None or profile.follow_pending:
            return
        profile.follow_pending = True
        try:
            if user.followed_by_me or user.follow_requested_by_me:
                result = await self.call(lambda: self.api.unfollow(username))
            else:
                result = await self.call(lambda: self.api.follow(username))
        finally:
            profile.follow_pending = False
        if result is None:
            return
        if result.get("requested"):
            self.toast(f"Follow request sent to {username}.")
        profile.posts.loaded = False
        self.state.feed.loaded = False
        await self.load_profile(username)
        await self.load_feed()

    async def delete_post(self, post_id: str) -> None:
        if await self.call(lambda: self.api.delete_post(post_id)) is not None:
            for lst in (self.state.feed, *(p.posts for p in self.state.profiles.values())):
                lst.remove(post_id)
            await self.navigate("/")

    # ---- profile -------------------------------------------------------------------------------
    async def save_profile(self, display_name: str, bio: str, is_private: bool) -> bool:
        user = await self.call(lambda: self.api.update_me(display_name=display_name.strip(), bio=bio.strip(),
                                                          is_private=is_private))
        if user is None:
            return False
        self._now_me(user)
        self.toast("Profile saved.")
        return True

    async def set_avatar(self, name: str, data: bytes | None = None, path: str | None = None) -> bool:
        """A photo from the picker (bytes in a browser, a path on desktop), squared and downsized here."""
        try:
            source = data if data is not None else Path(path).expanduser().read_bytes()
            jpeg = await asyncio.to_thread(_avatar_jpeg, source)
        except (OSError, ValueError) as error:
            self.toast(f"{name} cannot be opened as a photo ({error.__class__.__name__}).")
            return False
        user = await self.call(lambda: self.api.set_avatar(jpeg))
        if user is None:
            return False
        self._now_me(user)
        return True

    def _now_me(self, user) -> None:
        """The account changed: every place it shows (profile, the header of its posts) follows."""
        self.state.me = user
        self.core.cache.save_user(user)
        if user.username in self.state.profiles:
            self.state.profiles[user.username].user = user
        for model in self.state.all_post_models():
            if model.post.user.user_id == user.user_id and model.post.user.avatar_url != user.avatar_url:
                model.post = replace(model.post, user=replace(model.post.user, avatar_url=user.avatar_url))

    # ---- discovery -----------------------------------------------------------------------------
    async def search(self, query: str) -> None:
        query = query.strip()
        self.state.search.query = query
        if not query:
            self.state.search.users, self.state.search.hashtags = [], []
            return
        found = await self.call(lambda: self.api.search(query))
        if found is not None:
            self.state.search.users = list(found.users)
            self.state.search.hashtags = list(found.hashtags)
            self.state.search.searched = True

    async def load_notifications(self) -> None:
        model = self.state.notifications
        page = await self.call(lambda: self.api.notifications(None, 30), quiet=model.loaded)
        if page is not None:
            model.items = list(page.items)
            model.unread = page.unread_count or 0
            if model.unread and await self.call(self.api.mark_notifications_read, quiet=True) is not None:
                model.unread = 0
        requests = await self.call(lambda: self.api.follow_requests(None, 50), quiet=True)
        if requests is not None:
            model.follow_requests = list(requests.items)
        model.loaded = True

    async def answer_follow_request(self, user_id: str, approve: bool) -> None:
        action = self.api.approve_follow_request if approve else self.api.deny_follow_request
        if await self.call(lambda: action(user_id)) is not None:
            self.state.notifications.follow_requests = [
                u for u in self.state.notifications.follow_requests if u.user_id != user_id]

    # ---- create --------------------------------------------------------------------------------
    async def pick_photo(self, name: str, data: bytes | None = None, path: str | None = None) -> None:
        """A photo chosen by the picker (bytes in a browser) or typed as a path (desktop, tests)."""
        create = self.state.create
        source = Path(self._scratch.name) / f"source{Path(name).suffix.lower() or '.jpg'}"
        try:
            if data is not None:
                source.write_bytes(data)
            else:
                source.write_bytes(Path(path).expanduser().read_bytes())
            self._preview_base = await asyncio.to_thread(preview_copy, source)
        except (OSError, ValueError) as error:
            create.error = f"That file cannot be opened as a photo ({error.__class__.__name__})."
            return
        self._source = source
        create.source_name = name
        create.spec = EditSpec()
        create.error = None
        create.step = "edit"
        await self.refresh_preview()

    async def edit(self, **changes) -> None:
        create = self.state.create
        create.spec = replace(create.spec, **changes)
        await self.refresh_preview()

    async def refresh_preview(self) -> None:
        if self._preview_base is None:
            return
        self._preview_version += 1
        version = self._preview_version
        spec = self.state.create.spec
        jpeg = await asyncio.to_thread(preview_jpeg, self._preview_base, spec)
        if version == self._preview_version:  # a later slider move already asked for a newer one
            self.state.create.preview = jpeg

    async def share(self) -> None:
        """Apply the edits at full size, then hand the photo to the queue (which never loses it)."""
        create = self.state.create
        if self._source is None or create.busy:
            return
        create.busy = True
        try:
            out = Path(self._scratch.name) / "upload.jpg"
            await asyncio.to_thread(render_for_upload, self._source, create.spec, out)
            item = self.core.queue.enqueue([out], create.caption.strip(), [create.alt_text.strip()], move=True)
        except OSError as error:
            create.error = f"Could not prepare the photo: {error}"
            return
        finally:
            create.busy = False
        create.queue_item_id = item.item_id
        create.step = "sharing"
        self.state.queue.refresh(self.core.queue.items(), self.core.queue.paused_all)

    async def finish_share(self) -> None:
        """The queued post is delivered: show it at the top of the feed and profile."""
        self.state.create.reset()
        self._source, self._preview_base = None, None
        self.state.feed.loaded = False
        if self.state.me:
            self.state.profile(self.state.me.username).posts.loaded = False
        await self.navigate("/")
        await self.load_feed()

    def cancel_upload(self, item_id: str) -> None:
        self.core.queue.cancel(item_id)

    # ---- queue and folders ---------------------------------------------------------------------
    def queue_action(self, action: str, item_id: str | None = None) -> None:
        queue = self.core.queue
        {"pause": lambda: queue.pause(item_id), "resume": lambda: queue.resume(item_id),
         "cancel": lambda: queue.cancel(item_id), "remove": lambda: queue.remove(item_id),
         "clear": queue.clear_finished, "retry_all": queue.retry_now,
         "pause_all": lambda: queue.set_paused_all(True), "resume_all": lambda: queue.set_paused_all(False)}[action]()
        self.state.queue.refresh(queue.items(), queue.paused_all)

    def add_watched_folder(self, folder: str) -> bool:
        if self.core.per_browser:
            self.toast("Watched folders belong to the desktop app: in a browser they would watch the server's disk.")
            return False
        try:
            self.core.watcher.add_folder(Path(folder))
        except OSError as error:
            self.toast(str(error))
            return False
        self.state.watched_folders = [str(p) for p in self.core.watcher.folders()]
        return True

    def remove_watched_folder(self, folder: str) -> None:
        self.core.watcher.remove_folder(Path(folder))
        self.state.watched_folders = [str(p) for p in self.core.watcher.folders()]


def _avatar_jpeg(source: bytes) -> bytes:
    img = fit_within(crop_to_ratio(open_photo(source, draft_side=AVATAR_SIDE * 2), "1:1"), AVATAR_SIDE)
    return to_jpeg(img, AVATAR_JPEG_QUALITY)


def _coalesced(events: list[LiveEvent]) -> list[LiveEvent]:
    """A burst of news is acted on once per kind: the newest count, one look for new posts."""
    latest: dict[str, LiveEvent] = {}
    for event in events:
        latest.pop(event.name, None)
        latest[event.name] = event
    return list(latest.values())
