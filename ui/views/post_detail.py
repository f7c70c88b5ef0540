"""One post with all its comments and a box to add one."""

from __future__ import annotations

import flet as ft

from ..components.post_card import PostCard, action_icon, byline
from ..components.safety_menu import report_dialog
from ..components.when import time_label
from ..context import act, go, typed_into, use_controller
from ..models import AppState, CommentsModel
from ..theme import CONTENT_MAX_WIDTH, SPACING


@ft.component
def CommentList(comments: CommentsModel):
    controller = use_controller()
    page = ft.context.page
    me = controller.state.me

    def report(comment):  # others' comments can be reported to the moderators
        if me is None or comment.user.user_id == me.user_id:
            return []
        return [ft.IconButton(ft.Icon(ft.Icons.FLAG_OUTLINED, size=16, semantics_label=f"Report comment by {comment.user.username}"),
                              on_click=lambda _: report_dialog(page, "comment", comment.comment_id, controller,
                                                               comment.user.username))]

    rows = [ft.Row([ft.Container(
        key=f"comment-{c.comment_id}", padding=ft.Padding.symmetric(horizontal=SPACING), expand=True,
        on_click=go(controller, f"/profile/{c.user.username}"),
        content=byline(c.user.username, c.text),
    ), time_label(c.created_at, key=f"comment-time-{c.comment_id}"), *report(c)], spacing=0) for c in comments.comments]
    if comments.loaded and not rows:
        rows = [ft.Container(ft.Text("No comments yet."), padding=SPACING)]
    return ft.Column(rows, spacing=6)


@ft.component
def CommentBox(post_id: str):
    controller = use_controller()
    text = ft.use_ref("")
    sent, set_sent = ft.use_state(0)

    async def send(_=None):
        if await controller.post.add_comment(post_id, text.current):
            text.current = ""
            set_sent(sent + 1)  # a new key gives an empty field

    return ft.Row([
        ft.TextField(key=f"comment-input-{sent}", label="Add a comment…", value=text.current, expand=True, max_length=2200,
                     on_change=typed_into(text), on_submit=send),
        ft.IconButton(action_icon(ft.Icons.SEND, "Post comment"), key="send-comment", on_click=send),
    ])


@ft.component
def PostDetailView(state: AppState, post_id: str):
    controller = use_controller()
    ft.use_effect(act(controller.post.load, post_id), [post_id])
    model = state.posts.get(post_id)
    controls = [PostCard(model, 0, comments_link=False)] if model is not None else [ft.ProgressRing()]
    if model is not None and state.me and model.post.user.user_id == state.me.user_id:
        controls.append(ft.TextButton("Delete post", icon=ft.Icons.DELETE_OUTLINE, key="delete-post",
                                      on_click=act(controller.post.delete, post_id)))
    controls += [CommentList(state.comments_for(post_id)), ft.Container(CommentBox(post_id), padding=SPACING)]
    return ft.Container(alignment=ft.Alignment.TOP_CENTER, expand=True, content=ft.Column(
        controls, width=CONTENT_MAX_WIDTH, scroll=ft.ScrollMode.AUTO, expand=True))
