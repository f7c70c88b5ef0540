"""Create with a video: pick a clip, watch it play, add a caption and alt text, and hand it to the upload queue.

No trimming and no filters: the server transcodes whatever it accepts (MP4, MOV or WebM, up to 100 MB and 60 s)
and answers a clear error in the post for anything else. The clip goes through the same queue as photos
(resumable, survives restarts); the sharing step of ``ui/views/create.py`` follows it from there.
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import flet as ft

from .base import Feature

# A clip larger than the server's limit (API.md) is refused here, before a long upload.
VIDEO_MAX_BYTES = 100 * 1024 * 1024
# Where the picked clip's bytes wait in the media cache so the preview player can fetch them by URL.
PREVIEW_KEY_PREFIX = "local-preview:"


@ft.observable
@dataclass
class VideoDraft:
    name: str = ""
    preview_key: str | None = None  # the media cache key the preview plays from
    busy: bool = False
    error: str | None = None


class VideoCreateController(Feature):
    def __init__(self, controller) -> None:
        super().__init__(controller)
        self.draft = VideoDraft()
        self._scratch = tempfile.TemporaryDirectory(prefix="photoshare-video-")
        self._source: Path | None = None

    async def pick(self, name: str, data: bytes | None = None, path: str | None = None) -> None:
        """A clip chosen by the picker (bytes in a browser, a path on the desktop) or typed as a path."""
        create, draft = self.state.create, self.draft
        try:
            if data is None:
                data = await asyncio.to_thread(Path(path).expanduser().read_bytes)
        except OSError as error:
            create.error = f"That file cannot be opened ({error.__class__.__name__})."
            return
        if len(data) > VIDEO_MAX_BYTES:
            create.error = "That video is larger than 100 MB."
            return
        source = Path(self._scratch.name) / f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
        await asyncio.to_thread(source.write_bytes, data)
        key = PREVIEW_KEY_PREFIX + source.name
        await asyncio.to_thread(self.core.cache.media.set, key, data)
        self._forget_preview()
        self._source = source
        draft.name, draft.preview_key, draft.error, draft.busy = name, key, None, False
        create.error = None
        create.step = "video"

    async def share(self, caption: str, alt_text: str) -> None:
        """Into the upload queue (which never loses it); Create's sharing step shows its progress."""
        create, draft = self.state.create, self.draft
        if self._source is None or draft.busy:
            return
        draft.busy = True
        try:
            item = self.core.queue.enqueue([self._source], caption.strip(), [alt_text.strip()], move=True)
        except OSError as error:
            draft.error = f"Could not prepare the video: {error}"
            return
        finally:
            draft.busy = False
        self._source = None
        self._forget_preview()
        create.queue_item_id = item.item_id
        create.step = "sharing"
        self.controller.queue.refresh()

    def back(self) -> None:
        self._forget_preview()
        if self._source is not None:
            self._source.unlink(missing_ok=True)
            self._source = None
        self.state.create.reset()

    def _forget_preview(self) -> None:
        if self.draft.preview_key:
            self.core.cache.media.delete(self.draft.preview_key)
            self.draft.preview_key = None
