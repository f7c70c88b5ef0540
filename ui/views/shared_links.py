"""Settings → Shared links: the links I made, when each stops working, and revoke."""

from __future__ import annotations

import flet as ft

from ..components.post_card import action_icon
from ..context import act, use_controller
from ..sharing_models import SharingState

TARGET_LABELS = {"post": "A post", "album": "An album", "profile": "My profile"}


@ft.component
def SharedLinksSection(sharing: SharingState):
    controller = use_controller()
    ft.use_effect(act(controller.sharing.load_links), [])
    rows = [ft.ListTile(key=f"link-{index}", title=ft.Text(TARGET_LABELS.get(link.target_type, link.target_type)),
                        subtitle=ft.Text(f"{link.url}\nworks until {link.expires_at[:10]}", selectable=True),
                        trailing=ft.IconButton(action_icon(ft.Icons.LINK_OFF, f"Revoke link {index + 1}"),
                                               key=f"revoke-{index}", on_click=act(controller.sharing.revoke, link.link_id)))
            for index, link in enumerate(sharing.links)]
    return ft.Column([
        ft.Text("Shared links", size=18, weight=ft.FontWeight.BOLD),
        ft.Text("Anyone with one of these links sees what it shows, without an account. Revoke a link to stop it at once."),
        *(rows or [ft.Text("You have not shared any links.", key="links-empty")] if sharing.links_loaded else []),
        ft.OutlinedButton("Share my profile", key="share-profile", icon=ft.Icons.LINK,
                          on_click=act(controller.sharing.share, "profile")),
    ])
