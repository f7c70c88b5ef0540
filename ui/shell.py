"""The app's frame: the shell around every screen, and the per-page root component."""

from __future__ import annotations

import asyncio

import flet as ft

from . import flet_compat, theme
from .components.chrome import BottomTabs, OfflineBanner, QueueStrip, SideRail, TopBar
from .context import ControllerContext, bind_controller
from .controllers import Controller
from .core import ClientCore
from .models import AppState
from .navigation import NavigationModel, root_tab
from .route_sync import RouteSync
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
    if not route.needs_account:
        body = route.view(state, **params, key=state.route)
        return ft.Column([OfflineBanner(state), ft.Container(body, expand=True)], expand=True, spacing=0)
    return Frame(state, state.nav, state.route)


@ft.component
def Frame(state: AppState, nav: NavigationModel, current: str):
    """A signed-in screen in its frame. ``nav`` is passed on its own so the lit tab, the layout (a rail on a wide
    window) and Back follow it; ``current`` is the route shown."""
    route, params = resolve(current)
    me = state.me.username if state.me else None
    screen = [
        *([TopBar(state, nav, screen_title(route, params))] if route.app_bar and root_tab(current, me) is None else []),
        # A key per screen on the frame itself: without it Flet 0.82 patches the old screen's controls
        # in place and the new screen never appears.
        ft.Container(route.view(state, **params, key=current), expand=True, key=f"screen:{current}"),
    ]
    # The screen (with or without its top bar) in a column of its own: every control around it keeps its place
    # from screen to screen, so Flet patches the tab bar instead of making a new one each time a pushed screen
    # comes or goes (a tap on the old bar, still drawn, would then be dropped).
    body = ft.Column(screen, expand=True, spacing=0)
    if nav.wide:  # a rail at the side; the screen keeps the rest, its column centred in it
        return ft.Column(expand=True, spacing=0, controls=[
            OfflineBanner(state),
            QueueStrip(state.queue),
            ft.Row(expand=True, spacing=0, vertical_alignment=ft.CrossAxisAlignment.STRETCH, controls=[
                SideRail(state, nav, state.notifications),
                ft.VerticalDivider(width=1),
                body,
            ]),
        ])
    return ft.Column(expand=True, spacing=0, controls=[
        OfflineBanner(state),
        QueueStrip(state.queue),
        body,
        BottomTabs(state, nav, state.notifications),
    ])


def screen_title(route, params: dict[str, str]) -> str:
    """A pushed screen's title: whose profile, which hashtag, else the route's own."""
    if "username" in params:
        return params["username"]
    if "tag" in params:
        return f"#{params['tag']}"
    return route.title


def route_view_placeholder() -> ft.Control:
    return ft.Container(ft.ProgressRing(), alignment=ft.Alignment.CENTER, expand=True)


@ft.component
def App(core: ClientCore, initial: AppState):
    page = ft.context.page
    state, _ = ft.use_state(initial)

    sync = ft.use_memo(lambda: RouteSync(page.route), [])

    def arrive(route: str) -> None:
        state.nav.went_to(route, state.me.username if state.me else None, resolve(route)[0].tab)
        state.route = route

    async def navigate(route: str) -> None:
        arrive(route)
        if sync.push(route):
            await page.push_route(route)

    def reported(route: str) -> None:
        """The browser's Back and Forward, an address typed; the late answers to our own pushes are left out."""
        if sync.heard(route):
            arrive(route)

    controller = ft.use_memo(lambda: Controller(core, state, navigate), [])
    bind_controller(page, controller)
    page.on_route_change = lambda e: reported(e.route)
    page.on_resize = lambda e: state.nav.resized(e.width)

    async def restore_theme():
        state.nav.theme = await theme.restore_mode(page)

    async def started():
        page.run_task(_fallback_fonts_soon, page, state)
        page.run_task(restore_theme)
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


def first_state(core: ClientCore, route: str, width: float | None = None) -> AppState:
    """The page's state before any network: the account and feed as cached, so the very first frame
    sent to the screen is the feed itself rather than a spinner followed by it (and in the layout of the
    window's ``width``)."""
    state = AppState(route=route or "/", server_url=core.session.server_url)
    me, feed = core.cached_start()
    if me is not None:
        state.me = me
        if feed:
            state.feed.replace_all(*feed, from_cache=True, show_first=FIRST_FRAME_POSTS)
    state.nav.went_to(state.route, me.username if me else None, resolve(state.route)[0].tab)
    state.nav.resized(width)
    return state


def open_page(page: ft.Page, core: ClientCore) -> None:
    flet_compat.install()
    state = first_state(core, page.route, page.width)
    shown = [text for m in state.feed.posts for text in (m.post.caption, m.post.user.username)]
    theme.apply(page, fallback_fonts=theme.needs_fallback_fonts(shown))
    page.render(App, core, state)
