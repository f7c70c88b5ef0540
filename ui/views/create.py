"""Create a post: pick → crop and rotate → filter (live preview) → caption and alt text → share."""

from __future__ import annotations

import flet as ft

from app.editing import CROP_RATIOS, FILTERS, PHOTO_SUFFIXES
from app.upload_queue import ItemState

from ..components.post_card import action_icon
from ..components.video import VIDEO_SUFFIXES, is_video_name
from ..components.video_step import VideoStep
from ..context import act, typed_into, use_controller
from ..models import AppState, CreateModel, QueueModel
from ..theme import CONTENT_MAX_WIDTH, SPACING

CROP_LABELS = {"original": "Original", "1:1": "Square", "4:5": "Portrait", "1.91:1": "Landscape"}


@ft.component
def PickStep(create: CreateModel):
    controller = use_controller()
    path = ft.use_ref("")

    async def choose(_):
        files = await ft.FilePicker().pick_files(
            dialog_title="Choose a photo or a video", file_type=ft.FilePickerFileType.CUSTOM,
            allowed_extensions=[s.lstrip(".") for s in sorted(PHOTO_SUFFIXES | VIDEO_SUFFIXES)], with_data=True)
        if files:
            chosen = files[0]
            if is_video_name(chosen.name):
                await controller.video_create.pick(chosen.name, data=chosen.bytes, path=None if chosen.bytes else chosen.path)
                return
            await controller.create.pick_photo(chosen.name, data=chosen.bytes, path=None if chosen.bytes else chosen.path)

    async def open_path(_=None):
        typed = path.current.strip()
        if typed and is_video_name(typed):
            await controller.video_create.pick(typed.rsplit("/", 1)[-1], path=typed)
        elif typed:
            await controller.create.pick_photo(typed.rsplit("/", 1)[-1], path=typed)

    return ft.Column(spacing=SPACING, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=[
        ft.Text("New post", size=22, weight=ft.FontWeight.BOLD),
        ft.FilledButton("Choose a photo", key="choose-photo", icon=ft.Icons.PHOTO_LIBRARY, on_click=choose),
        ft.Text("or open a file on this computer by its path:"),
        ft.Row([
            ft.TextField(key="photo-path", label="Photo path", value=path.current, expand=True, on_change=typed_into(path),
                         on_submit=open_path),
            ft.OutlinedButton("Open", key="open-path", on_click=open_path),
        ]),
        *([ft.Text(create.error, color=ft.Colors.ERROR, key="create-error")] if create.error else []),
    ])


@ft.component
def EditStep(create: CreateModel):
    controller = use_controller()
    spec = create.spec

    async def set_crop(e):
        await controller.create.edit(crop=next(iter(e.control.selected)))

    async def rotate(_):
        await controller.create.edit(quarter_turns=(spec.quarter_turns + 1) % 4)

    def choose_filter(name):
        async def handler(_):
            await controller.create.edit(filter=name)
        return handler

    async def strength(e):
        await controller.create.edit(strength=round(float(e.control.value), 2))

    chips = [ft.Chip(label=ft.Text(recipe.label), key=f"filter-{name}", selected=spec.filter == name,
                     on_select=choose_filter(name)) for name, recipe in FILTERS.items()]
    return ft.Column(spacing=SPACING, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=[
        ft.Container(
            alignment=ft.Alignment.CENTER, height=360,
            content=ft.Image(src=create.preview, fit=ft.BoxFit.CONTAIN, key="preview", gapless_playback=True,
                             semantics_label="Preview") if create.preview else ft.ProgressRing(),
        ),
        ft.Row([
            ft.SegmentedButton(key="crop", selected=[spec.crop], on_change=set_crop,
                               segments=[ft.Segment(value=k, label=ft.Text(CROP_LABELS[k])) for k in CROP_RATIOS]),
            ft.IconButton(action_icon(ft.Icons.ROTATE_RIGHT, "Rotate"), key="rotate", on_click=rotate),
        ], wrap=True),
        ft.Row(chips, wrap=True, spacing=6, run_spacing=6),
        ft.Row([ft.Text("Strength"), ft.Slider(key="strength", min=0, max=1, divisions=20, value=spec.strength,
                                                expand=True, on_change_end=strength, disabled=spec.filter == "normal")]),
        ft.Row([
            ft.TextButton("Back", on_click=lambda _: create.reset()),
            ft.FilledButton("Next", key="next", on_click=lambda _: setattr(create, "step", "details")),
        ], alignment=ft.MainAxisAlignment.SPACE_BETWEEN),
    ])


@ft.component
def DetailsStep(create: CreateModel):
    controller = use_controller()
    caption, alt_text = ft.use_ref(create.caption), ft.use_ref(create.alt_text)

    def keep_text():
        create.caption, create.alt_text = caption.current, alt_text.current

    async def share(_=None):
        keep_text()
        await controller.create.share()

    def back(_=None):
        keep_text()
        create.step = "edit"
    return ft.Column(spacing=SPACING, horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=[
        ft.Row([
            ft.Image(src=create.preview, width=96, height=96, fit=ft.BoxFit.COVER) if create.preview else ft.Container(),
            ft.TextField(key="caption", label="Write a caption…", value=caption.current, multiline=True, min_lines=2,
                         max_length=2200, expand=True, on_change=typed_into(caption)),
        ], vertical_alignment=ft.CrossAxisAlignment.START),
        ft.TextField(key="alt-text", label="Alt text (describe the photo for people who cannot see it)",
                     value=alt_text.current, max_length=1000, on_change=typed_into(alt_text)),
        *([ft.Text(create.error, color=ft.Colors.ERROR)] if create.error else []),
        ft.Row([
            ft.TextButton("Back", on_click=back),
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
