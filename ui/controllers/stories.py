"""Stories: the tray, posting one, and the viewer's clock (on to the next story, the next account, or close)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from ..story_models import StoryPlayer
from .base import Feature

# The viewer's clock ticks this often: the progress bar moves smoothly enough and the screen is redrawn
# at most five times a second.
TICK_SECONDS = 0.2


class StoriesController(Feature):
    def __init__(self, controller) -> None:
        super().__init__(controller)
        self._clock: asyncio.Task | None = None
        self._scratch = tempfile.TemporaryDirectory(prefix="photoshare-story-")

    # -- the tray ------------------------------------------------------------------------------------
    async def load_tray(self) -> None:
        tray = await self.call(self.api.story_tray, quiet=True)
        if tray is not None:
            self.state.stories.tray = tray
        self.state.stories.loaded = True

    async def post(self, name: str, data: bytes | None = None, path: str | None = None) -> None:
        """Post a story from a picked file (bytes in a browser, a path on the desktop)."""
        stories = self.state.stories
        source = Path(self._scratch.name) / f"story{Path(name).suffix.lower() or '.jpg'}"
        stories.posting = True
        try:
            source.write_bytes(data if data is not None else Path(path).expanduser().read_bytes())
            story = await self.call(lambda: self.api.post_story(source))
        finally:
            stories.posting = False
        if story is not None:
            self.toast("Your story is shared.")
            await self.load_tray()

    # -- the viewer ----------------------------------------------------------------------------------
    async def open(self, username: str) -> None:
        """Open the viewer on this account's stories; afterwards it goes on through the tray's next accounts."""
        await self.navigate(f"/stories/{username}")

    async def start(self, username: str) -> None:
        """The viewer's screen appeared: load the account's stories and start the clock."""
        names = [item.user.username for item in self.state.stories.tray]
        following = names[names.index(username) + 1:] if username in names else []
        player = self.state.player
        player.reset([username, *following])
        await self._load_author(player, 0)
        if self._clock is None or self._clock.done():
            self._clock = asyncio.create_task(self._run_clock())

    async def _load_author(self, player: StoryPlayer, author_index: int) -> bool:
        player.loading = True
        stories = await self.call(lambda: self.api.user_stories(player.authors[author_index]), quiet=True)
        player.loading = False
        if not stories:
            return False
        player.author_index, player.stories = author_index, stories
        # Oldest first, starting at the first one not seen yet (or the first, when all were).
        player.show(next((i for i, story in enumerate(stories) if not story.seen_by_me), 0))
        await self._seen(player)
        return True

    async def _run_clock(self) -> None:
        try:
            while True:
                await asyncio.sleep(TICK_SECONDS)
                player = self.state.player
                if player.finished:
                    return
                if not self.state.route.startswith("/stories/"):  # left by a tab or the back button
                    player.finished = True
                    return
                if player.paused or player.loading or player.current is None:
                    continue
                player.progress = min(1.0, player.progress + TICK_SECONDS / player.seconds)
                if player.progress >= 1.0:
                    await self.forward()
        except asyncio.CancelledError:
            pass

    async def forward(self) -> None:
        """On to the next story, the next account's first unseen one, or out of the viewer after the last."""
        player = self.state.player
        if player.index + 1 < len(player.stories):
            player.show(player.index + 1)
            await self._seen(player)
            return
        for author_index in range(player.author_index + 1, len(player.authors)):
            if await self._load_author(player, author_index):
                return
        await self.close()

    async def back(self) -> None:
        player = self.state.player
        if player.index > 0:
            player.show(player.index - 1)
        elif player.author_index > 0 and await self._load_author(player, player.author_index - 1):
            player.show(len(player.stories) - 1)
        else:
            player.progress = 0.0

    def hold(self, paused: bool) -> None:
        self.state.player.paused = paused

    async def close(self) -> None:
        player = self.state.player
        player.finished = True
        if self._clock is not None:
            self._clock.cancel()
            self._clock = None
        if self.state.route.startswith("/stories/"):
            await self.navigate("/")
        await self.load_tray()

    async def show_viewers(self) -> None:
        """The author's own story: who saw it, and how many (the clock pauses while the list is open)."""
        player = self.state.player
        story = player.current
        if story is None:
            return
        player.paused = True
        answer = await self.call(lambda: self.api.story_viewers(story.story_id, limit=50))
        if answer is not None:
            page, count = answer
            player.viewers, player.view_count = list(page.items), count

    def hide_viewers(self) -> None:
        player = self.state.player
        player.viewers = None
        player.paused = False

    async def _seen(self, player: StoryPlayer) -> None:
        story = player.current
        if story is None or story.seen_by_me:
            return
        await self.call(lambda: self.api.mark_story_seen(story.story_id), quiet=True)
        if player.index == len(player.stories) - 1:
            self.state.stories.seen_all_of(story.user.username)
