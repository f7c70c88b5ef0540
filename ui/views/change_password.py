"""Choose a new password: shown after signing in with a one-time password an admin gave out."""

from __future__ import annotations

import flet as ft

from ..context import act, typed_into, use_controller
from ..models import AppState
from ..theme import CONTENT_MAX_WIDTH

MIN_PASSWORD_CHARS = 8  # as the server requires


@ft.component
def ChangePasswordView(state: AppState):
    controller = use_controller()
    new, again = ft.use_ref(""), ft.use_ref("")
    problem, set_problem = ft.use_state("")
    busy, set_busy = ft.use_state(False)

    async def save(_=None):
        if len(new.current) < MIN_PASSWORD_CHARS:
            set_problem(f"Use at least {MIN_PASSWORD_CHARS} characters.")
            return
        if new.current != again.current:
            set_problem("The two passwords differ.")
            return
        set_problem("")
        set_busy(True)
        try:
            await controller.session.set_new_password(new.current)
        finally:
            set_busy(False)

    name = state.me.username if state.me else ""
    return ft.Container(alignment=ft.Alignment.TOP_CENTER, padding=24, content=ft.Column(
        width=CONTENT_MAX_WIDTH, spacing=16, horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
        scroll=ft.ScrollMode.AUTO, controls=[
            ft.Icon(ft.Icons.KEY, size=40, color=ft.Colors.PRIMARY),
            ft.Text("Choose a new password", size=24, weight=ft.FontWeight.BOLD, key="change-password-title"),
            ft.Text(f"{name}, you signed in with a temporary password from an admin. It worked once: choose your "
                    "own password to carry on."),
            ft.TextField(key="new-password", label="New password", password=True, can_reveal_password=True,
                         value=new.current, on_change=typed_into(new), autofocus=True),
            ft.TextField(key="new-password-again", label="New password again", password=True,
                         can_reveal_password=True, value=again.current, on_change=typed_into(again),
                         on_submit=save, error=problem or None),
            ft.FilledButton("Save password", key="save-password", disabled=busy, on_click=save),
            ft.TextButton("Sign out", on_click=act(controller.session.sign_out)),
        ]))
