"""The app shell and the two ways to run it: a desktop window, or the same UI served to a browser."""

from __future__ import annotations

import logging
import os

import flet as ft

from app.resources import assets_dir

from . import flet_compat, theme
from .components.chrome import BottomTabs, OfflineBanner, QueueStrip
from .context import ControllerContext, bind_controller
from .controller import Controller
from .core import ClientCore
from .models import AppState
from .routes import resolve

log = logging.getLogger(__name__)

ASSETS_DIR = assets_dir()  # beside the sources, or unpacked from the one-file binary
DEBUG_ENV = "PHOTOSHARE_UI_DEBUG"
# How long a toast stays up: long enough to read a server's sentence.
TOAST_MILLISECONDS = 4000


@ft.component
def Shell(state: AppState):
    route, params = resolve(state.route)
    if route.needs_account and not state.signed_in:
        return ft.Column([OfflineBanner(state), route_view_placeholder()], expand=True)
    body = route.view(state, **params, key=state.route)
    if not route.needs_account:
        return ft.Column([OfflineBanner(state), ft.Container(body, expand=True)], expand=True, spacing=0)
    return ft.Column(expand=True, spacing=0, controls=[
        OfflineBanner(state),
        QueueStrip(state.queue),
        # A key per screen on the frame itself: without it Flet 0.82 patches the old screen's controls
        # in place and the new screen never appears.
        ft.Container(body, expand=True, key=f"screen:{state.route}"),
        BottomTabs(state, route.tab),
    ])


def route_view_placeholder() -> ft.Control:
    return ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER, expand=True)


@ft.component
def App(core: ClientCore):
    page = ft.context.page
    state, _ = ft.use_state(lambda: AppState(route=page.route or "/", server_url=core.session.server_url))

    async def navigate(route: str) -> None:
        state.route = route
        if page.route != route:
            await page.push_route(route)

    controller = ft.use_memo(lambda: Controller(core, state, navigate), [])
    bind_controller(page, controller)
    page.on_route_change = lambda e: setattr(state, "route", e.route)

    async def started():
        page.run_task(controller.background)
        await controller.start()

    ft.on_mounted(started)

    def show_toast():
        if state.toast:
            page.show_dialog(ft.SnackBar(ft.Text(state.toast), duration=TOAST_MILLISECONDS))
            state.toast = None

    ft.on_updated(show_toast, [state.toast])
    return ControllerContext(controller, lambda: ft.SafeArea(expand=True, content=ft.Column([Shell(state)], expand=True)))


def _main_for(core_factory):
    core_holder: dict = {}

    async def main(page: ft.Page) -> None:
        flet_compat.install()
        theme.apply(page)
        if "core" not in core_holder:  # one per process, shared by every browser tab
            core_holder["core"] = core_factory()
        page.render(App, core_holder["core"])

    return main


def _logging() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for ours in ("app", "ui"):  # our own progress lines; Flet's INFO chatter stays off
        logging.getLogger(ours).setLevel(logging.INFO)
    if os.environ.get(DEBUG_ENV):  # Flet's own session and websocket log, to diagnose a dropped connection
        for name in ("flet", "flet_web", "flet_transport"):
            logging.getLogger(name).setLevel(logging.DEBUG)


def run_desktop(server_url: str | None = None) -> None:
    _logging()
    ft.run(_main_for(lambda: ClientCore(server_url=server_url)), assets_dir=str(ASSETS_DIR))


def run_web(host: str, port: int, server_url: str | None = None) -> None:
    # no_cdn: the client must work on a LAN with no internet (CanvasKit and fonts come from this process).
    _logging()
    os.environ["FLET_FORCE_WEB_SERVER"] = "true"  # serve only: never try to open a window or a browser
    ft.run(_main_for(lambda: ClientCore(server_url=server_url)), view=None, host=host, port=port,
           assets_dir=str(ASSETS_DIR), no_cdn=True)
