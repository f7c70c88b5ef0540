"""The "⋯" menu of a post and of a profile: report, mute, block; and the dialogs they open.

Blocking asks first (it ends following both ways); reporting asks why. Every outcome is told in a
snack bar by the safety controller. Dialogs are plain controls shown over the page (``page.show_dialog``).
"""

from __future__ import annotations

import flet as ft

from app.admin_types import REPORT_REASONS
from app.api_types import UserSummary

from ..context import use_controller
from ..safety_models import SafetyModel

REASON_LABELS = {"spam": "Spam or scam", "nudity": "Nudity or sexual content", "violence": "Violence or threats",
                 "harassment": "Harassment or bullying", "other": "Something else"}
TARGET_NAMES = {"post": "post", "comment": "comment", "user": "account"}
# A report's note: a sentence or two for the moderators, not an essay.
REPORT_NOTE_MAX_CHARS = 500
DIALOG_WIDTH = 380


def confirm_block_dialog(page: ft.Page, user: UserSummary, controller) -> None:
    async def block(_):
        page.pop_dialog()
        await controller.safety.block(user)

    page.show_dialog(ft.AlertDialog(
        modal=True, key="block-dialog",
        title=ft.Text(f"Block {user.username}?"),
        content=ft.Text(f"{user.username} won't be able to find your profile or see your posts, and you won't see "
                        "theirs. Following between you ends. They are not told; you can unblock them in Settings.",
                        width=DIALOG_WIDTH),
        actions=[ft.TextButton("Cancel", key="cancel-block", on_click=lambda _: page.pop_dialog()),
                 ft.FilledButton("Yes, block", key="confirm-block", on_click=block,
                                 style=ft.ButtonStyle(bgcolor=ft.Colors.ERROR, color=ft.Colors.ON_ERROR))],
    ))


def report_dialog(page: ft.Page, target_type: str, target_id: str, controller, author: str | None = None) -> None:
    """Ask why (one of the contract's reasons, and an optional note), then send the report."""
    what = TARGET_NAMES.get(target_type, target_type)
    send = ft.FilledButton("Send report", key="send-report", disabled=True)
    note = ft.TextField(key="report-note", label="Anything the moderators should know? (optional)", multiline=True,
                        min_lines=1, max_lines=4, max_length=REPORT_NOTE_MAX_CHARS)

    def chosen(_):
        send.disabled = not reasons.value
        send.update()

    reasons = ft.RadioGroup(key="report-reason", on_change=chosen, content=ft.Column(
        spacing=0, controls=[ft.Radio(value=reason, label=REASON_LABELS[reason]) for reason in REPORT_REASONS]))

    async def submit(_):
        if not reasons.value:
            return
        send.disabled = True
        send.update()
        page.pop_dialog()  # first: the outcome (or the server's refusal) shows in a snack bar, which a dialog would hide
        await controller.safety.report(target_type, target_id, reasons.value, note.value or "")

    send.on_click = submit
    whose = f" by {author}" if author and target_type != "user" else ""
    page.show_dialog(ft.AlertDialog(
        modal=True, key="report-dialog",
        title=ft.Text(f"Report this {what}{whose}"),
        content=ft.Column(tight=True, width=DIALOG_WIDTH, scroll=ft.ScrollMode.AUTO, spacing=8, controls=[
            ft.Text("Why? Moderators on this server will review it. The author is not told who reported it.",
                    color=ft.Colors.ON_SURFACE_VARIANT),
            reasons,
            note,
        ]),
        actions=[ft.TextButton("Cancel", key="cancel-report", on_click=lambda _: page.pop_dialog()), send],
    ))


def _menu_items(page, controller, safety: SafetyModel, user: UserSummary, target_type: str, target_id: str,
                what: str) -> list[ft.PopupMenuItem]:
    blocked, muted = safety.is_blocked(user.user_id), safety.is_muted(user.user_id)

    async def toggle_mute(_):
        await (controller.safety.unmute if muted else controller.safety.mute)(user)

    async def toggle_block(_):
        if blocked:
            await controller.safety.unblock(user)
        else:
            confirm_block_dialog(page, user, controller)

    items = [ft.PopupMenuItem(content=f"Report {what}…", icon=ft.Icons.FLAG_OUTLINED, key="menu-report",
                              on_click=lambda _: report_dialog(page, target_type, target_id, controller, user.username))]
    if not blocked:
        items.append(ft.PopupMenuItem(content=f"{'Unmute' if muted else 'Mute'} {user.username}", key="menu-mute",
                                      icon=ft.Icons.VOLUME_UP_OUTLINED if muted else ft.Icons.VOLUME_OFF_OUTLINED,
                                      on_click=toggle_mute))
    items.append(ft.PopupMenuItem(content=f"{'Unblock' if blocked else 'Block'} {user.username}", key="menu-block",
                                  icon=ft.Icons.BLOCK, on_click=toggle_block))
    return items


@ft.component
def PostMenu(user: UserSummary, post_id: str, safety: SafetyModel):
    """``safety`` is passed on its own so a block or mute elsewhere relabels the menu."""
    controller = use_controller()
    page = ft.context.page

    async def opened(_):
        await controller.safety.ensure_loaded()

    return ft.PopupMenuButton(
        key=f"post-menu-{post_id}", tooltip="Post options",
        icon=ft.Icon(ft.Icons.MORE_HORIZ, semantics_label=f"Options for this post by {user.username}"), on_open=opened,
        items=_menu_items(page, controller, safety, user, "post", post_id, "post"))


@ft.component
def ProfileMenu(user: UserSummary, safety: SafetyModel):
    controller = use_controller()
    page = ft.context.page
    return ft.PopupMenuButton(
        key="profile-menu", tooltip="Profile options",
        icon=ft.Icon(ft.Icons.MORE_HORIZ, semantics_label=f"Options for {user.username}'s profile"),
        items=_menu_items(page, controller, safety, user, "user", user.user_id, "account"))
