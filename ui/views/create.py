"""Create a post: pick one or more photos → order them, crop (frame, zoom, drag), rotate and filter each
(live previews) → caption and an alt text per photo → share as one post (a carousel when there are several)."""

from __future__ import annotations

import io
from dataclasses import replace

import flet as ft
from PIL import Image

from app.editing import CROP_RATIOS
from app.upload_queue import ItemState

from ..components.crop import CropFrame, ZoomBar
from ..components.filter_strip import FilterStrip
from ..components.picked_strip import PickedStrip
from ..components.post_card import action_icon
from ..components.video_step import VideoStep
from ..context import act, typed_into, use_controller
from ..controllers.create import PICKABLE_SUFFIXES, PickedFile
from ..create_models import MAX_ITEMS, CreateItem
from ..models import AppState, CreateModel, QueueModel
from ..theme import CONTENT_MAX_WIDTH, SPACING

CROP_LABELS = {"original": "Original", "1:1": "Square", "4:5": "Portrait", "1.91:1": "Landscape"}
CROP_LABEL_SIZE, CROP_LABEL_PADDING = 12, 4


async def choose_files(controller) -> None:
    """The system's file picker, several files at once (bytes in a browser, paths on the desktop)."""
    files = await ft.FilePicker().pick_files(
        dialog_title="Choose photos or a video", file_type=ft.FilePickerFileType.CUSTOM, allow_multiple=True,
        allowed_extensions=[s.lstrip(".") for s in PICKABLE_SUFFIXES], with_data=True)
    if files:
        await controller.create.pick_files([PickedFile(f.name, f.bytes, None if f.bytes else f.path) for f in files])


@ft.component
def PickStep(create: CreateModel):
    controller = use_controller()
    path = ft.use_ref("")

    async def open_path(_=None):
        typed = path.current.strip()
        if typed:
            await controller.create.pick_files([PickedFile(typed.rsplit("/", 1)[-1], path=typed)])

    return ft.Column(spacing=SPACING, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=[
        ft.Text("New post", size=22, weight=ft.FontWeight.BOLD),
        ft.FilledButton("Choose photos or a video", key="choose-photo", icon=ft.Icons.PHOTO_LIBRARY,
                        on_click=act(choose_files, controller), disabled=create.opening is not None),
        ft.Text(f"Pick up to {MAX_ITEMS} photos at once for a carousel (you can add more and change their order next), "
                "or one video."),
        ft.Text("or open a file on this computer by its path:"),
        ft.Row([
            ft.TextField(key="photo-path", label="Photo path", value=path.current, expand=True, on_change=typed_into(path),
                         on_submit=open_path),
            ft.OutlinedButton("Open", key="open-path", on_click=open_path, disabled=create.opening is not None),
        ]),
        *opening_progress(create),
        *create_error(create),
    ])


def opening_progress(create: CreateModel) -> list[ft.Control]:
    """While picked photos are opened (decoded, previewed): which one, of how many."""
    if create.opening is None:
        return []
    done, total = create.opening
    return [ft.Column([ft.Text(f"Opening photo {done + 1} of {total}…", key="create-opening"),
                       ft.ProgressBar(value=done / total if total else None)], spacing=4)]


def create_error(create: CreateModel) -> list[ft.Control]:
    """Why files were left out (one line each), or why sharing failed: on a tinted panel, hard to miss."""
    if not create.error:
        return []
    return [ft.Container(
        ft.Row([ft.Icon(ft.Icons.ERROR_OUTLINE, color=ft.Colors.ON_ERROR_CONTAINER),
                ft.Text(create.error, color=ft.Colors.ON_ERROR_CONTAINER, expand=True)],
               vertical_alignment=ft.CrossAxisAlignment.START),
        key="create-error", bgcolor=ft.Colors.ERROR_CONTAINER, border_radius=8, padding=10)]


@ft.component
def PhotoEditor(item: CreateItem):
    """Crop (frame, zoom, drag), rotate and filter one photo; every change redraws its preview."""
    controller = use_controller()
    spec = item.spec

    async def set_crop(e):
        await controller.create.edit(crop=next(iter(e.control.selected)), zoom=1.0, focus=(0.5, 0.5))

    async def rotate(_):
        await controller.create.edit(quarter_turns=(spec.quarter_turns + 1) % 4, zoom=1.0, focus=(0.5, 0.5))

    async def strength(e):
        await controller.create.edit(strength=round(float(e.control.value), 2))

    async def choose_filter(name):
        await controller.create.edit(filter=name)

    return ft.Column(spacing=SPACING, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=[
        CropFrame(item.preview, preview_ratio(item), spec.focus, "Preview. Drag to choose what the frame keeps",
                  controller.create.pan),
        ZoomBar(spec.zoom, controller.create.zoom, controller.create.zoom_by),
        ft.Row([
            # no tick on the chosen segment, 12 px names and 4 px sides: the segments share the width equally, and
            # "Landscape" is drawn whole in a quarter of a 360 px phone's column (it was cut off at 390 px)
            ft.SegmentedButton(key="crop", selected=[spec.crop], on_change=set_crop, show_selected_icon=False,
                               style=ft.ButtonStyle(padding=ft.Padding.symmetric(horizontal=CROP_LABEL_PADDING)),
                               segments=[ft.Segment(value=k, label=ft.Text(CROP_LABELS[k], size=CROP_LABEL_SIZE,
                                                                           no_wrap=True))
                                         for k in CROP_RATIOS]),
            ft.IconButton(action_icon(ft.Icons.ROTATE_RIGHT, "Rotate"), key="rotate", on_click=rotate),
        ], wrap=True),
        FilterStrip(item.filter_samples, spec.filter, choose_filter),
        ft.Row([ft.Text("Strength"), ft.Slider(key="strength", min=0, max=1, divisions=20, value=spec.strength,
                                                expand=True, on_change_end=strength, disabled=spec.filter == "normal")]),
    ])


def preview_ratio(item: CreateItem) -> float:
    """The frame's width / height: the chosen ratio, or the preview's own for "original"."""
    ratio = CROP_RATIOS[item.spec.crop]
    if ratio is None and item.preview:
        with Image.open(io.BytesIO(item.preview)) as shown:  # reads the header only
            ratio = shown.width / shown.height
    return ratio or 1.0


def item_editor(item: CreateItem) -> ft.Control:
    """The editor for a picked item, by the kind the controller classified it as."""
    return PhotoEditor(item)


@ft.component
def EditStep(create: CreateModel):
    controller = use_controller()
    item = create.current
    if item is None:
        return ft.ProgressRing()

    def discard(_=None):
        create.reset()
        controller.create.forget_sources()

    return ft.Column(spacing=SPACING, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=[
        PickedStrip(create.items, create.selected, controller.create.select, controller.create.move,
                    controller.create.drop, controller.create.remove_selected, act(choose_files, controller),
                    len(create.items) < MAX_ITEMS and create.opening is None),
        # under the strip, where photos were added: the reason some were left out is seen at once
        *opening_progress(create),
        *create_error(create),
        # keyed per item: switching photos starts a fresh editor (its drag state belongs to one photo)
        ft.Container(item_editor(item), key=f"editor:{item.key}"),
        ft.Row([
            ft.TextButton("Discard", key="discard", on_click=discard),
            ft.FilledButton("Next", key="next", on_click=lambda _: setattr(create, "step", "details")),
        ], alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
    ])


@ft.component
def DetailsStep(create: CreateModel):
    controller = use_controller()
    caption = ft.use_ref(create.caption)
    alt_texts = ft.use_ref({item.key: item.alt_text for item in create.items})

    def alt_typed(key: str):
        def handler(e):
            alt_texts.current[key] = e.control.value
        return handler

    def keep_text():
        create.caption = caption.current
        create.items = [replace(item, alt_text=alt_texts.current.get(item.key, item.alt_text)) for item in create.items]

    async def share(_=None):
        keep_text()
        await controller.create.share()

    def back(_=None):
        keep_text()
        create.step = "edit"

    count = len(create.items)
    first = create.items[0] if create.items else None
    alt_rows = [ft.Row([
        ft.Image(src=item.thumb, width=56, height=56, fit=ft.BoxFit.COVER) if item.thumb else ft.Container(width=56),
        ft.TextField(key=f"alt-text-{index}", value=alt_texts.current.get(item.key, ""), max_length=1000, expand=True,
                     label=f"Alt text for photo {index + 1}" if count > 1 else "Alt text (describe the photo for people who cannot see it)",
                     on_change=alt_typed(item.key)),
    ], vertical_alignment=ft.CrossAxisAlignment.START) for index, item in enumerate(create.items)]
    return ft.Column(spacing=SPACING, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=[
        ft.Row([
            ft.Image(src=first.preview, width=96, height=96, fit=ft.BoxFit.COVER) if first and first.preview else ft.Container(),
            ft.TextField(key="caption", label="Write a caption…", value=caption.current, multiline=True, min_lines=2,
                         max_length=2200, expand=True, on_change=typed_into(caption)),
        ], vertical_alignment=ft.CrossAxisAlignment.START),
        *([ft.Text("Describe each photo for people who cannot see it:")] if count > 1 else []),
        *alt_rows,
        *create_error(create),
        *([ft.Row([ft.ProgressRing(width=20, height=20),
                   ft.Text(f"Preparing {'the photos' if count > 1 else 'the photo'}…", key="create-preparing")])]
          if create.busy else []),
        ft.Row([
            ft.TextButton("Back", on_click=back, disabled=create.busy),
            ft.FilledButton("Share", key="share", icon=ft.Icons.SEND, disabled=create.busy, on_click=share),
        ], alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
    ])


@ft.component
def SharingStep(create: CreateModel, queue: QueueModel):
    controller = use_controller()
    item = next((i for i in queue.items if i.item_id == create.queue_item_id), None)

    async def delivered():
        if item is not None and item.state == ItemState.DONE:
            await controller.create.finish_share()

    ft.on_updated(delivered, [item.state if item else None])
    if item is None:
        return ft.ProgressRing()
    status = {
        ItemState.QUEUED: "Waiting to upload" + (f" — {item.error_message}" if item.error_message else ""),
        ItemState.UPLOADING: f"Uploading… {round(item.progress * 100)}%",
        ItemState.DONE: "Shared!",
        ItemState.FAILED: f"Could not share: {item.error_message}",
        ItemState.CANCELLED: "Cancelled.",
        ItemState.PAUSED: item.error_message or "Paused.",
    }[item.state]
    actions = []
    if not item.finished:
        actions.append(ft.OutlinedButton("Cancel", key="cancel-share", on_click=act(controller.queue.cancel_upload, item.item_id)))
        actions.append(ft.TextButton("Keep it in the queue and go to the feed", on_click=act(controller.create.finish_share)))
    else:
        actions.append(ft.FilledButton("Done", key="done", on_click=act(controller.create.finish_share)))
    return ft.Column(spacing=SPACING, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=[
        ft.Text(status, key="share-status", size=18),
        ft.ProgressBar(value=item.progress if item.state != ItemState.QUEUED else None, key="share-progress"),
        ft.Row(actions, wrap=True),
    ])


@ft.component
def CreateView(state: AppState):
    return CreateFlow(state.create, state.queue)


@ft.component
def CreateFlow(create: CreateModel, queue: QueueModel):
    """Takes the models themselves so a change of step redraws it (observables do not bubble up)."""
    controller = use_controller()
    step = {"video": lambda: VideoStep(controller.video_create.draft),  # a video instead of photos
            "pick": lambda: PickStep(create), "edit": lambda: EditStep(create), "details": lambda: DetailsStep(create),
            "sharing": lambda: SharingStep(create, queue)}[create.step]()
    return ft.Container(alignment=ft.Alignment.TOP_CENTER, padding=SPACING, expand=True,
                        # keyed per step: a component swapped in place is not redrawn by Flet 0.82 otherwise
                        content=ft.Column([step], width=CONTENT_MAX_WIDTH, scroll=ft.ScrollMode.AUTO, key=f"step:{create.step}"))
