"""The app's frame: the shell around every screen, and the per-page root component."""

from __future__ import annotations

import asyncio

import flet as ft

from . import flet_compat, theme
from .components.chrome import BottomTabs, OfflineBanner, QueueStrip
from .context import ControllerContext, bind_controller
from .controllers import Controller
from .core import ClientCore
from .models import AppState
from .routes import resolve
from .views.change_password import ChangePasswordView

# How long a toast stays up: long enough to read a server's sentence.
TOAST_MILLISECONDS = 4000
# The first frame carries only the cached posts a screen can show (two cards and a bit): the browser
# builds it measurably sooner than a dozen; the rest follow on the first scroll or the network's answer.
FIRST_FRAME_POSTS = 3
# Long enough for the first frame to be drawn, short enough to be in place before anyone types an emoji.
FALLBACK_FONTS_AFTER_SECONDS = 1.5
SIGNED_IN_POLL_SECONDS = 0.25  # on the sign-in screen, how often to look whether the fonts are due yet


@ft.component
def Shell(state: AppState):
    route, params = resolve(state.route)
    if route.needs_account and not state.signed_in:
        return ft.Column([OfflineBanner(state), route_view_placeholder()], expand=True)
    if route.needs_account and state.me.must_change_password:  # a one-time password: a new one before anything else
        return ft.Column([OfflineBanner(state), ft.Container(ChangePasswordView(state, key="change-password"), expand=True)],
                         expand=True, spacing=0)
    body = route.view(state, **params, key=state.route)
    if not route.needs_account:
        return ft.Column([OfflineBanner(state), ft.Container(body, expand=True)], expand=True, spacing=0)
    return ft.Column(expand=True, spacing=0, controls=[
        OfflineBanner(state),
        QueueStrip(state.queue),
        # A key per screen on the frame itself: without it Flet 0.82 patches the old screen's controls
        # in place and the new screen never appears.
        ft.Container(body, expand=True, key=f"screen:{state.route}"),
        BottomTabs(state, route.tab, state.notifications),
    ])


def route_view_placeholder() -> ft.Control:
    return ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER, expand=True)


@ft.component
def App(core: ClientCore, initial: AppState):
    page = ft.context.page
    state, _ = ft.use_state(initial)

    async def navigate(route: str) -> None:
        state.route = route
        if page.route != route:
            await page.push_route(route)

    controller = ft.use_memo(lambda: Controller(core, state, navigate), [])
    bind_controller(page, controller)
    page.on_route_change = lambda e: setattr(state, "route", e.route)

    async def started():
        page.run_task(_fallback_fonts_soon, page, state)
        background = page.run_task(controller.background)
        # Flet leaves a page's tasks running after its session ends: stop listening with the page (and
        # still run whatever the page's opener asked for then, such as ending a browser's own session).
        opener_on_close = page.on_close

        async def closed(event) -> None:
            background.cancel()
            if opener_on_close is not None:
                result = opener_on_close(event)
                if hasattr(result, "__await__"):
                    await result

        page.on_close = closed
        await controller.start()

    ft.on_mounted(started)

    def show_toast():
        if state.toast:
            page.show_dialog(ft.SnackBar(ft.Text(state.toast), duration=TOAST_MILLISECONDS))
            state.toast = None

    ft.on_updated(show_toast, [state.toast])
    return ControllerContext(controller, lambda: ft.SafeArea(expand=True, content=ft.Column([Shell(state)], expand=True)))


async def _fallback_fonts_soon(page: ft.Page, state: AppState) -> None:
    """CJK and emoji fonts, once the first frame is on screen (at once if that frame needed them).

    The sign-in screen draws nothing that needs them (usernames, addresses and codes are ASCII, a password
    is dots), and the browser parses 15 MB of fonts on the thread that draws, so the screen would stall
    under someone's typing: there they come once an account is signed in."""
    await asyncio.sleep(FALLBACK_FONTS_AFTER_SECONDS)
    while not state.signed_in:
        await asyncio.sleep(SIGNED_IN_POLL_SECONDS)
    theme.add_fallback_fonts(page)


def first_state(core: ClientCore, route: str) -> AppState:
    """The page's state before any network: the account and feed as cached, so the very first frame
    sent to the screen is the feed itself rather than a spinner followed by it."""
    state = AppState(route=route or "/", server_url=core.session.server_url)
    me, feed = core.cached_start()
    if me is not None:
        state.me = me
        if feed:
            state.feed.replace_all(*feed, from_cache=True, show_first=FIRST_FRAME_POSTS)
    return state


def open_page(page: ft.Page, core: ClientCore) -> None:
    flet_compat.install()
    state = first_state(core, page.route)
    shown = [text for m in state.feed.posts for text in (m.post.caption, m.post.user.username)]
    theme.apply(page, fallback_fonts=theme.needs_fallback_fonts(shown))
    page.render(App, core, state)
