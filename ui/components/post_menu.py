"""A post's menu (⋮ on its header): add to album, share a link, edit (the author's own posts)."""

from __future__ import annotations

import flet as ft

from ..context import use_controller
from ..models import PostModel


@ft.component
def PostMenu(model: PostModel, index: int = 0):
    controller = use_controller()
    post = model.post
    me = controller.state.me
    mine = me is not None and post.user.user_id == me.user_id

    async def chosen(action: str):
        if action == "album":
            await controller.navigate(f"/post/{post.post_id}/add-to-album")
        elif action == "share":
            await controller.sharing.share("post", post.post_id)
        elif action == "edit":
            await controller.navigate(f"/post/{post.post_id}/edit")

    def item(label: str, icon, action: str) -> ft.PopupMenuItem:
        async def handler(_):
            await chosen(action)
        return ft.PopupMenuItem(content=ft.Text(label), icon=icon, on_click=handler)

    items = [item("Add to album", ft.Icons.PHOTO_ALBUM_OUTLINED, "album")] if mine else []
    if mine:
        items += [item("Share link", ft.Icons.LINK, "share"), item("Edit post", ft.Icons.EDIT_OUTLINED, "edit")]
    if not items:
        return ft.Container()
    # The icon carries the name screen readers (and UI tests) find the button by: Flutter web leaves tooltips out.
    return ft.PopupMenuButton(key=f"post-menu-{index}", content=ft.Icon(ft.Icons.MORE_VERT, semantics_label="Post options"),
                              tooltip="Post options", items=items)
