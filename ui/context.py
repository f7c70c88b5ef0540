"""The page's controller, reachable from any component without threading it through every call."""

from __future__ import annotations

import weakref

import flet as ft

ControllerContext = ft.create_context(None)
# Flet 0.82 re-renders a child component during its parent's diff without the context providers on
# the stack, so ``use_context`` answers None there; the page (always known) keeps the controller too.
_by_page: dict[int, object] = {}


def bind_controller(page: ft.Page, controller) -> None:
    key = id(page)
    if key not in _by_page:
        weakref.finalize(page, _by_page.pop, key, None)
    _by_page[key] = controller


def use_controller():
    controller = ft.use_context(ControllerContext)
    return controller if controller is not None else _by_page.get(id(ft.context.page))


def go(controller, route: str):
    """An event handler that navigates (handlers may be async; Flet awaits them)."""

    async def handler(_=None):
        await controller.navigate(route)

    return handler


def act(fn, *args, **kwargs):
    """An event handler calling ``fn(*args)`` — awaited when it is a coroutine, which a bare
    ``lambda _: fn()`` would silently drop."""

    async def handler(_=None):
        result = fn(*args, **kwargs)
        if hasattr(result, "__await__"):
            await result

    return handler


def typed_into(ref):
    """on_change for a text field whose text lives in a ref: remember it without re-rendering.

    Re-rendering on each keystroke makes the server echo a stale value over faster typing (characters
    vanish on a busy machine or a slow link). The field passes ``value=ref.current`` so a re-render
    for another reason re-states what was typed instead of clearing it.
    """

    def handler(e):
        ref.current = e.control.value

    return handler
