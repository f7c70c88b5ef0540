"""Edit a post: its caption and the alt text of each photo (the post then shows "edited")."""

from __future__ import annotations

import flet as ft

from ..context import act, typed_into, use_controller
from ..models import AppState
from ..theme import CONTENT_MAX_WIDTH, SPACING


@ft.component
def EditPostView(state: AppState, post_id: str):
    controller = use_controller()
    ft.use_effect(act(controller.post.load, post_id), [post_id])
    model = state.posts.get(post_id)
    if model is None:
        return ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER, expand=True)
    return EditPostForm(model.post, key=f"edit-{post_id}")


@ft.component
def EditPostForm(post):
    controller = use_controller()
    caption = ft.use_ref(post.caption)
    alts = ft.use_ref([m.alt_text for m in post.media])

    def alt_changed(index: int):
        def handler(e):
            alts.current[index] = e.control.value
        return handler

    async def save(_=None):
        await controller.sharing.edit_post(post.post_id, caption.current, list(alts.current))

    return ft.Container(alignment=ft.Alignment.TOP_CENTER, padding=SPACING, expand=True, content=ft.Column(
        width=CONTENT_MAX_WIDTH, expand=True, scroll=ft.ScrollMode.AUTO, spacing=SPACING,
        horizontal_alignment=ft.CrossAxisAlignment.STRETCH, controls=[
            ft.Text("Edit post", size=22, weight=ft.FontWeight.BOLD),
            ft.TextField(key="edit-caption", label="Caption", value=caption.current, multiline=True, min_lines=2,
                         max_lines=6, max_length=2200, on_change=typed_into(caption)),
            *[ft.TextField(key=f"edit-alt-{index}", label=f"Alt text for photo {index + 1}" if len(post.media) > 1 else "Alt text",
                           value=alts.current[index], max_length=1000, on_change=alt_changed(index))
              for index in range(len(post.media))],
            ft.Row([ft.FilledButton("Save changes", key="save-post", on_click=save),
                    ft.TextButton("Cancel", on_click=act(controller.navigate, f"/post/{post.post_id}"))]),
        ]))
