"""Create: pick one or more files, edit each with a live preview, and hand them to the upload queue as one post.

Every picked file passes through ``classify`` (the one place that decides what kind of item a file becomes)
and its kind's ``_add_*`` method; ``_render`` turns each item into the file that is uploaded. The pixel work
(decode, preview, filter samples, the full-size render) runs in worker threads, never on the UI's loop.
"""

from __future__ import annotations

import asyncio
import math
import tempfile
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from app.editing import (PHOTO_SUFFIXES, ZOOM_MAX, ZOOM_MIN, filter_samples, is_photo, pan_focus, preview_and_thumb,
                         preview_copy, render_for_upload)

from ..create_models import MAX_ITEMS, CreateItem
from ..components.video import VIDEO_SUFFIXES, is_video_name
from .base import Feature

# What the file picker offers (``classify`` decides what each picked file becomes).
PICKABLE_SUFFIXES = sorted(PHOTO_SUFFIXES | VIDEO_SUFFIXES)
PHOTO_KINDS = "JPEG, PNG, HEIC, WebP, AVIF or GIF"
MB = 1024 * 1024
# The largest original taken. The upload is re-encoded (at most 2048 px, app/editing.py), so an original may be
# larger than the server's 20 MB for a photo; past this a browser would hold it and send it over the app's socket.
MAX_PICKED_BYTES = 50 * MB


class TooBig(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


@dataclass(frozen=True)
class PickedFile:
    """A file from the picker (bytes in a browser, a path on the desktop) or a path typed by the user."""

    name: str
    data: bytes | None = None
    path: str | None = None


@dataclass
class _Source:
    path: Path  # the original, copied into the scratch folder
    small: Image.Image | None = None  # the decoded downscaled copy previews are made from (photos)


class CreateController(Feature):
    def __init__(self, controller) -> None:
        super().__init__(controller)
        self._sources: dict[str, _Source] = {}
        self._scratch = tempfile.TemporaryDirectory(prefix="photoshare-create-")
        self._preview_versions: dict[str, int] = {}

    # ---- picking ---------------------------------------------------------------------------------
    @staticmethod
    def classify(name: str) -> str | None:
        """What a picked file becomes in the post, by its name: "photo", "video", or None (not taken)."""
        if is_photo(Path(name)):
            return "photo"
        return "video" if is_video_name(name) else None

    async def pick_files(self, files: list[PickedFile]) -> None:
        """Add the picked files after those already picked (up to ``MAX_ITEMS``), in name order: a browser hands
        them over in the order it finished reading them, and camera files are named in the order they were taken.
        Every file left out is named in ``create.error``, with the reason."""
        create = self.state.create
        create.error = None
        videos = [picked for picked in files if self.classify(picked.name) == "video"]
        problems: list[str] = []
        if videos:
            # A video is a post of its own (played, not cropped or filtered): ui/controllers/video_create.py.
            if len(files) == 1 and not create.items:
                picked = videos[0]
                await self.controller.video_create.pick(picked.name, data=picked.data, path=picked.path)
                return
            kept = " The photos were kept." if create.items or len(videos) < len(files) else ""
            problems.append(f"A video is posted on its own: pick it alone.{kept}")
            files = [picked for picked in files if picked not in videos]
        photos = []
        for picked in sorted(files, key=lambda f: f.name.lower()):
            if self.classify(picked.name) == "photo":
                photos.append(picked)
            else:
                problems.append(f"{picked.name} is not a photo: PhotoShare posts {PHOTO_KINDS} photos.")
        room = MAX_ITEMS - len(create.items)
        if len(photos) > room:
            left_out = len(photos) - room
            problems.append(f"A post holds at most {MAX_ITEMS} photos: {left_out} {'was' if left_out == 1 else 'were'} left out.")
            photos = photos[:max(room, 0)]
        try:
            for done, picked in enumerate(photos):
                create.opening = (done, len(photos))
                problem = await self._add_photo(picked)
                if problem:
                    problems.append(problem)
        finally:
            create.opening = None
        create.error = "\n".join(problems) or None
        if create.items and create.step == "pick":
            create.selected = 0
            create.step = "edit"

    @staticmethod
    def _read(picked: PickedFile) -> bytes:
        """The picked file's bytes (runs in a worker thread); ``TooBig`` past ``MAX_PICKED_BYTES``, unread."""
        if picked.data is not None:
            data = picked.data
        else:
            path = Path(picked.path).expanduser()
            if path.stat().st_size > MAX_PICKED_BYTES:
                raise TooBig(path.stat().st_size)
            data = path.read_bytes()
        if len(data) > MAX_PICKED_BYTES:
            raise TooBig(len(data))
        return data

    async def _add_photo(self, picked: PickedFile) -> str | None:
        """Open a picked photo and add it to the post; answers why it was left out, if it was."""
        key = uuid.uuid4().hex
        source = Path(self._scratch.name) / f"{key}{Path(picked.name).suffix.lower() or '.jpg'}"
        try:
            data = await asyncio.to_thread(self._read, picked)
            await asyncio.to_thread(source.write_bytes, data)
            small = await asyncio.to_thread(preview_copy, source)
            samples = await asyncio.to_thread(filter_samples, small)
        except TooBig as error:
            return (f"{picked.name} is too big ({math.ceil(error.size / MB)} MB): "
                    f"a photo can be at most {MAX_PICKED_BYTES // MB} MB.")
        except Image.DecompressionBombError:
            source.unlink(missing_ok=True)
            return f"{picked.name} is too big: it has more pixels than PhotoShare opens."
        except FileNotFoundError:
            return f"{picked.name} was not found."
        except (UnidentifiedImageError, SyntaxError):
            source.unlink(missing_ok=True)
            return f"{picked.name} is not a photo PhotoShare can read (its contents are not an image)."
        except (OSError, ValueError, TypeError) as error:
            source.unlink(missing_ok=True)
            return f"{picked.name} cannot be opened as a photo ({error.__class__.__name__})."
        self._sources[key] = _Source(source, small)
        create = self.state.create
        create.items = [*create.items, CreateItem(key=key, name=picked.name, kind="photo", filter_samples=samples)]
        await self.refresh_preview(key)
        return None

    # ---- arranging -------------------------------------------------------------------------------
    def select(self, index: int) -> None:
        if 0 <= index < len(self.state.create.items):
            self.state.create.selected = index

    def move(self, delta: int) -> None:
        """The selected item one place earlier (-1) or later (+1) in the post."""
        create = self.state.create
        create.move(create.selected, delta)

    def drop(self, key: str, onto: str) -> None:
        """The item ``key`` dragged and dropped onto the item ``onto``: it takes that item's place."""
        create = self.state.create
        index, target = create.index_of(key), create.index_of(onto)
        if index is not None and target is not None:
            create.move_to(index, target)

    def remove_selected(self) -> None:
        create = self.state.create
        item = create.current
        if item is not None:
            create.error = None  # an earlier pick's message no longer fits what is on the screen
            create.remove(create.selected)
            source = self._sources.pop(item.key, None)
            if source is not None:
                source.path.unlink(missing_ok=True)

    # ---- editing the selected item ---------------------------------------------------------------
    async def edit(self, **changes) -> None:
        create = self.state.create
        item = create.current
        if item is None:
            return
        spec = replace(item.spec, **changes)
        create.update_item(item.key, spec=spec)
        if spec.quarter_turns != item.spec.quarter_turns:
            source = self._sources[item.key]
            samples = await asyncio.to_thread(filter_samples, source.small, spec.quarter_turns)
            create.update_item(item.key, filter_samples=samples)
        await self.refresh_preview(item.key)

    async def zoom(self, value: float) -> None:
        await self.edit(zoom=round(min(max(value, ZOOM_MIN), ZOOM_MAX), 2))

    async def zoom_by(self, delta: float) -> None:
        item = self.state.create.current
        if item is not None:
            await self.zoom(item.spec.zoom + delta)

    async def pan(self, start_focus: tuple[float, float], drag: tuple[float, float]) -> None:
        """The photo dragged by ``drag`` (fractions of the frame) since a drag began at ``start_focus``."""
        item = self.state.create.current
        source = self._sources.get(item.key) if item else None
        if source is None or source.small is None:
            return
        width, height = source.small.size
        size = (height, width) if item.spec.quarter_turns % 2 else (width, height)
        focus = pan_focus(size, item.spec.crop, item.spec.zoom, start_focus, drag)
        if focus != item.spec.focus:
            await self.edit(focus=focus)

    async def refresh_preview(self, key: str) -> None:
        source = self._sources.get(key)
        index = self.state.create.index_of(key)
        if source is None or source.small is None or index is None:
            return
        version = self._preview_versions.get(key, 0) + 1
        self._preview_versions[key] = version
        spec = self.state.create.items[index].spec
        preview, thumb = await asyncio.to_thread(preview_and_thumb, source.small, spec)
        if self._preview_versions.get(key) == version:  # a later drag or slider move already asked for a newer one
            self.state.create.update_item(key, preview=preview, thumb=thumb)

    # ---- sharing ---------------------------------------------------------------------------------
    def _render(self, item: CreateItem, index: int) -> Path:
        """The file uploaded for an item (runs in a worker thread)."""
        out = Path(self._scratch.name) / f"upload-{index}.jpg"
        return render_for_upload(self._sources[item.key].path, item.spec, out)

    async def share(self) -> None:
        """Apply each item's edits at full size, then hand them all to the queue as one post (it never loses them)."""
        create = self.state.create
        if not create.items or create.busy:
            return
        create.busy = True
        try:
            items = list(create.items)
            files = [await asyncio.to_thread(self._render, item, index) for index, item in enumerate(items)]
            queued = self.core.queue.enqueue(files, create.caption.strip(), [item.alt_text.strip() for item in items],
                                             move=True)
        except OSError as error:
            create.error = f"Could not prepare the photos: {error}"
            return
        finally:
            create.busy = False
        create.queue_item_id = queued.item_id
        create.step = "sharing"
        self.controller.queue.refresh()

    def forget_sources(self) -> None:
        for source in self._sources.values():
            source.path.unlink(missing_ok=True)
        self._sources.clear()
        self._preview_versions.clear()

    async def finish_share(self) -> None:
        """The queued post is delivered: show it at the top of the feed and profile."""
        self.state.create.reset()
        self.forget_sources()
        self.state.feed.loaded = False
        if self.state.me:
            self.state.profile(self.state.me.username).posts.loaded = False
        await self.navigate("/")
        await self.controller.feed.load()
