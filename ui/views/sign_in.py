"""Sign in, create an account, and say which server to use."""

from __future__ import annotations

import flet as ft

from ..context import typed_into, use_controller
from ..models import AppState
from ..theme import CONTENT_MAX_WIDTH

SETUP_CODE_HINT = "Printed by photoshare serve in its terminal."
INVITE_CODE_HINT = "Only to create an account, if you were given one."
INVITE_CODE_REQUIRED_HINT = "This server registers people by invitation: the code you were given."
REGISTRATION_CLOSED = "This server is not taking new accounts: ask its admin for one."
INVITE_CODE_NEEDED = "This server registers people by invitation: enter the invite code you were given."
INVITE_CODE_REFUSED = "That invite code is not valid (it may be used or expired): ask for a new one."


@ft.component
def SignInView(state: AppState):
    controller = use_controller()
    core = controller.core
    initial_server, _ = ft.use_state(state.server_url or core.session.server_url)
    server, username, password = ft.use_ref(initial_server), ft.use_ref(""), ft.use_ref("")
    invite_code, setup_code = ft.use_ref(""), ft.use_ref("")
    busy, set_busy = ft.use_state(False)
    # Served by the server itself (``photoshare serve``): its address is the page's own, so none is asked for.
    ask_for_server = not core.server_fixed

    async def check_setup(_=None):
        await controller.session.check_setup(server.current)

    ft.on_mounted(check_setup)

    def submit(register: bool):
        async def handler(_=None):
            set_busy(True)
            try:
                await controller.session.sign_in(server.current, username.current, password.current, register=register,
                                         invite_code=invite_code.current,
                                         setup_code=setup_code.current if state.setup_code_needed else "")
            finally:
                set_busy(False)
        return handler

    fields = []
    if ask_for_server:
        fields.append(ft.TextField(key="server", label="Server address", value=server.current, on_change=typed_into(server),
                                   on_blur=check_setup, keyboard_type=ft.KeyboardType.URL))
    fields += [
        ft.TextField(key="username", label="Username", value=username.current, autofocus=True,
                     on_change=typed_into(username)),
        ft.TextField(key="password", label="Password", value=password.current, password=True, can_reveal_password=True,
                     on_change=typed_into(password), on_submit=submit(False)),
    ]
    if state.setup_code_needed:  # the very first account, the admin's: nobody else can register before it
        fields.append(ft.TextField(key="setup-code", label="Setup code", value=setup_code.current,
                                   on_change=typed_into(setup_code), helper=SETUP_CODE_HINT, helper_max_lines=2,
                                   capitalization=ft.TextCapitalization.CHARACTERS, on_submit=submit(True)))
    elif state.registration != "closed":  # as the server says (GET /setup): an invite code required, or optional
        refused = None
        if state.invite_refused:
            refused = (INVITE_CODE_REFUSED if invite_code.current.strip() else INVITE_CODE_NEEDED)
        required = state.registration == "invite"
        fields.append(ft.TextField(key="invite-code", label="Invite code" if required else "Invite code (optional)",
                                   value=invite_code.current, on_change=typed_into(invite_code),
                                   helper=INVITE_CODE_REQUIRED_HINT if required else INVITE_CODE_HINT, error=refused,
                                   helper_max_lines=2, error_max_lines=2, on_submit=submit(True)))
    can_register = state.setup_code_needed or state.registration != "closed"

    return ft.Container(
        alignment=ft.Alignment.TOP_CENTER,
        padding=24,
        content=ft.Column(
            width=CONTENT_MAX_WIDTH,
            spacing=16,
            horizontal_alignment=ft.CrossAxisAlignment.STRETCH,
            scroll=ft.ScrollMode.AUTO,
            controls=[
                ft.Text("PhotoShare", size=36, weight=ft.FontWeight.BOLD, text_align=ft.TextAlign.CENTER),
                ft.Text("Photos for your family and friends, on your own server.", text_align=ft.TextAlign.CENTER),
                *fields,
                ft.FilledButton("Sign in", key="sign-in", disabled=busy, on_click=submit(False)),
                ft.OutlinedButton("Create account", key="register", disabled=busy, on_click=submit(True)) if can_register
                else ft.Text(REGISTRATION_CLOSED, key="registration-closed", text_align=ft.TextAlign.CENTER),
                ft.Text("Passwords need at least 8 characters; usernames 3–30 of a–z, 0–9, dot and underscore.",
                        size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            ],
        ),
    )
