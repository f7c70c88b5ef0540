"""Create: pick a photo, edit it with a live preview, and hand it to the upload queue."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import replace
from pathlib import Path

from app.editing import EditSpec, preview_copy, preview_jpeg, render_for_upload

from .base import Feature


class CreateController(Feature):
    def __init__(self, controller) -> None:
        super().__init__(controller)
        self._source: Path | None = None
        self._preview_base = None
        self._scratch = tempfile.TemporaryDirectory(prefix="photoshare-create-")
        self._preview_version = 0

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
        self.controller.queue.refresh()

    async def finish_share(self) -> None:
        """The queued post is delivered: show it at the top of the feed and profile."""
        self.state.create.reset()
        self._source, self._preview_base = None, None
        self.state.feed.loaded = False
        if self.state.me:
            self.state.profile(self.state.me.username).posts.loaded = False
        await self.navigate("/")
        await self.controller.feed.load()
