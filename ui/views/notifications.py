"""Activity: likes, comments, follows, and follow requests to approve."""

from __future__ import annotations

import flet as ft

from ..components.photo import Avatar
from ..components.post_card import byline
from ..components.when import time_label
from ..context import act, go, use_controller
from ..models import AppState, NotificationsModel
from ..theme import CONTENT_MAX_WIDTH, SPACING

WHAT = {"like": "liked your photo.", "comment": "commented on your photo.", "follow": "started following you.",
        "mention": "mentioned you.", "follow_request": "asked to follow you."}
OUTCOMES = {"dismiss": "a moderator found nothing against the rules.", "remove": "it was removed.",
            "disable_user": "the account was disabled."}


def report_outcome(report: dict) -> str:
    what = {"user": "an account"}.get(report.get("target_type"), f"a {report.get('target_type') or 'post'}")
    return f"Your report of {what} was reviewed: {OUTCOMES.get(report.get('action'), 'it was resolved.')}"


def album_text(note) -> str:
    """"added 12 photos to Summer 2026", "added you to Summer 2026"."""
    if note.type == "album_item":
        return f"added {note.count} photo{'' if note.count == 1 else 's'} to {note.album_title}."
    return f"added you to the album {note.album_title}."


@ft.component
def NotificationsView(state: AppState):
    return Activity(state.notifications)


@ft.component
def Activity(model: NotificationsModel):
    controller = use_controller()
    ft.on_mounted(controller.notifications.load)
    rows = []
    for user in model.follow_requests:
        rows.append(ft.ListTile(
            key=f"request-{user.username}", leading=Avatar(user.username, user.avatar_url),
            title=ft.Text(f"{user.username} wants to follow you"),
            trailing=ft.Row(tight=True, controls=[
                ft.FilledButton("Approve", key=f"approve-{user.username}",
                                on_click=act(controller.notifications.answer_follow_request, user.user_id, True)),
                ft.TextButton("Deny", on_click=act(controller.notifications.answer_follow_request, user.user_id, False)),
            ])))
    asking = {user.user_id for user in model.follow_requests}
    for note in model.items:
        if note.type == "follow_request" and note.actor and note.actor.user_id in asking:
            continue  # the request itself is listed above, with its Approve and Deny: once is enough
        if note.type == "report_resolved":  # the outcome of my report; the moderator stays unnamed
            rows.append(ft.ListTile(key=f"note-{note.id}", leading=ft.Icon(ft.Icons.GAVEL, color=ft.Colors.PRIMARY),
                                    title=ft.Text(report_outcome(note.report or {})),
                                    subtitle=time_label(note.created_at, key=f"note-time-{note.id}")))
            continue
        actor = note.actor.username if note.actor else "Someone"
        avatar = note.actor.avatar_url if note.actor else None
        target = f"/post/{note.post_id}" if note.post_id else f"/profile/{actor}"
        if note.album_id:
            target = f"/album/{note.album_id}"
        rows.append(ft.ListTile(
            key=f"note-{note.id}", leading=Avatar(actor, avatar), on_click=go(controller, target),
            title=byline(actor, album_text(note) if note.album_id else WHAT.get(note.type, note.type)),
            subtitle=time_label(note.created_at, key=f"note-time-{note.id}"),
        ))
    if model.loaded and not rows:
        rows = [ft.Container(ft.Text("No activity yet.", key="no-activity"), padding=SPACING)]
    return ft.Container(alignment=ft.Alignment.TOP_CENTER, expand=True, content=ft.Column(
        rows, width=CONTENT_MAX_WIDTH, expand=True, scroll=ft.ScrollMode.AUTO))
