"""Edit your profile: the profile photo (picked, squared and sent at once), name, bio, privacy."""

from __future__ import annotations

import flet as ft

from app.editing import PHOTO_SUFFIXES

from ..components.photo import Avatar
from ..context import act, typed_into, use_controller
from ..models import AppState
from ..theme import CONTENT_MAX_WIDTH, SPACING

AVATAR_PREVIEW_SIZE = 96


@ft.component
def EditProfileView(state: AppState):
    controller = use_controller()
    me = state.me
    if me is None:
        return ft.ProgressRing()
    name, bio, private = ft.use_ref(me.display_name), ft.use_ref(me.bio), ft.use_ref(me.is_private)
    uploading, set_uploading = ft.use_state(False)

    async def choose_photo(_):
        files = await ft.FilePicker().pick_files(
            dialog_title="Choose a profile photo", file_type=ft.FilePickerFileType.CUSTOM,
            allowed_extensions=[s.lstrip(".") for s in sorted(PHOTO_SUFFIXES)], with_data=True)
        if not files:
            return
        set_uploading(True)
        try:
            chosen = files[0]
            await controller.profile.set_avatar(chosen.name, data=chosen.bytes, path=None if chosen.bytes else chosen.path)
        finally:
            set_uploading(False)

    def toggled(e):
        private.current = bool(e.control.value)

    async def save(_=None):
        if await controller.profile.save(name.current, bio.current, private.current):
            await controller.navigate(f"/profile/{me.username}")

    return ft.Container(alignment=ft.Alignment.TOP_CENTER, padding=SPACING, expand=True, content=ft.Column(
        width=CONTENT_MAX_WIDTH, expand=True, scroll=ft.ScrollMode.AUTO, spacing=SPACING,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=[
            ft.Row([
                Avatar(me.username, me.avatar_url, AVATAR_PREVIEW_SIZE, key=f"avatar-{me.avatar_url}"),
                ft.ProgressRing(key="avatar-uploading") if uploading else
                ft.FilledTonalButton("Change profile photo", key="change-avatar", icon=ft.Icons.ADD_A_PHOTO,
                                     on_click=choose_photo),
            ], spacing=24),
            ft.TextField(key="display-name", label="Name", value=name.current, max_length=50, on_change=typed_into(name)),
            ft.TextField(key="bio", label="Bio", value=bio.current, multiline=True, min_lines=2, max_lines=5,
                         max_length=150, on_change=typed_into(bio)),
            # The words beside the switch wrap: as the switch's own label they were cut off on a phone.
            ft.Row([ft.Column([ft.Text("Private account", weight=ft.FontWeight.BOLD),
                               ft.Text("Only approved followers see your photos.", color=ft.Colors.ON_SURFACE_VARIANT)],
                              spacing=2, expand=True),
                    ft.Switch(key="private", value=private.current, on_change=toggled,
                              tooltip="Private account")], key="private-row"),
            ft.Row([ft.FilledButton("Save", key="save-profile", on_click=save),
                    ft.TextButton("Cancel", on_click=act(controller.navigate, f"/profile/{me.username}"))]),
        ]))
