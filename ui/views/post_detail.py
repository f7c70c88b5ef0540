"""One post with all its comments and a box to add one."""

from __future__ import annotations

import flet as ft

from ..components.post_card import PostCard, action_icon, byline
from ..components.safety_menu import report_dialog
from ..components.when import time_label
from ..context import act, go, typed_into, use_controller
from ..models import AppState, CommentsModel
from ..theme import CONTENT_MAX_WIDTH, SPACING


def comment_menu(controller, comment, post_id: str) -> ft.Control:
    """⋯ on a comment I may delete (mine, or any on my post)."""

    async def delete(_):
        await controller.post.delete_comment(post_id, comment.comment_id)

    # Named without the word "comment": tests (and people) find the post's Comment button by that word.
    return ft.PopupMenuButton(
        key=f"comment-menu-{comment.comment_id}", tooltip=f"Actions for what {comment.user.username} wrote",
        content=ft.Icon(ft.Icons.MORE_HORIZ, size=18, semantics_label=f"Actions for what {comment.user.username} wrote"),
        items=[ft.PopupMenuItem(content=ft.Text("Delete comment"), icon=ft.Icons.DELETE_OUTLINE, on_click=delete)])


@ft.component
def CommentList(comments: CommentsModel, post_author_id: str | None = None):
    controller = use_controller()
    page = ft.context.page
    me = controller.state.me

    def manage(comment):
        mine = me is not None and (comment.user.user_id == me.user_id or post_author_id == me.user_id)
        return [comment_menu(controller, comment, comments.post_id)] if mine else []

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
    ), time_label(c.created_at, key=f"comment-time-{c.comment_id}"), *report(c), *manage(c)], spacing=0) for c in comments.comments]
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
    author_id = model.post.user.user_id if model is not None else None
    controls += [CommentList(state.comments_for(post_id), author_id), ft.Container(CommentBox(post_id), padding=SPACING)]
    return ft.Container(alignment=ft.Alignment.TOP_CENTER, expand=True, content=ft.Column(
        controls, width=CONTENT_MAX_WIDTH, scroll=ft.ScrollMode.AUTO, expand=True))
