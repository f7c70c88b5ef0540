"""Sign in, create an account, and say which server to use."""

from __future__ import annotations

import flet as ft

from ..context import typed_into, use_controller
from ..models import AppState
from ..theme import CONTENT_MAX_WIDTH


@ft.component
def SignInView(state: AppState):
    controller = use_controller()
    initial_server, _ = ft.use_state(state.server_url or controller.core.session.server_url)
    server, username, password = ft.use_ref(initial_server), ft.use_ref(""), ft.use_ref("")
    busy, set_busy = ft.use_state(False)

    def submit(register: bool):
        async def handler(_=None):
            set_busy(True)
            try:
                await controller.sign_in(server.current, username.current, password.current, register=register)
            finally:
                set_busy(False)
        return handler

    return ft.Container(
        alignment=ft.Alignment.TOP_CENTER,
        padding=24,
        content=ft.Column(
            width=CONTENT_MAX_WIDTH,
            spacing=16,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            controls=[
                ft.Text("PhotoShare", size=36, weight=ft.FontWeight.BOLD, text_align=ft.TextAlign.CENTER),
                ft.Text("Photos for your family and friends, on your own server.", text_align=ft.TextAlign.CENTER),
                ft.TextField(key="server", label="Server address", value=server.current, on_change=typed_into(server),
                             keyboard_type=ft.KeyboardType.URL),
                ft.TextField(key="username", label="Username", value=username.current, autofocus=True,
                             on_change=typed_into(username)),
                ft.TextField(key="password", label="Password", value=password.current, password=True, can_reveal_password=True,
                             on_change=typed_into(password), on_submit=submit(False)),
                ft.FilledButton("Sign in", key="sign-in", disabled=busy, on_click=submit(False)),
                ft.OutlinedButton("Create account", key="register", disabled=busy, on_click=submit(True)),
                ft.Text("Passwords need at least 8 characters; usernames 3–30 of a–z, 0–9, dot and underscore.",
                        size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            ],
        ),
    )
