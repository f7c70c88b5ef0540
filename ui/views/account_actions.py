"""Settings → Account: "Download my data" (a zip made by the server, with progress) and "Delete account"."""

from __future__ import annotations

import flet as ft

from ..context import act, typed_into, use_controller
from ..people_models import AccountDataModel


def _size_text(size: int | None) -> str:
    if not size:
        return ""
    return f" ({size / 1024 / 1024:.1f} MB)" if size >= 1024 * 1024 else f" ({max(1, size // 1024)} KB)"


@ft.component
def DownloadMyData(model: AccountDataModel):
    controller = use_controller()
    page = ft.context.page
    export = model.export
    rows: list[ft.Control] = [
        ft.Text("A zip of every photo and video you posted, as you uploaded them, with your posts, comments, likes, "
                "follows and profile.", color=ft.Colors.ON_SURFACE_VARIANT),
    ]

    async def open_in_browser(_=None):
        url = controller.account.browser_url()
        if url:
            await page.launch_url(url)

    if model.busy and (export is None or export.status == "pending"):
        progress = export.progress if export else 0.0
        rows += [ft.Text(f"Making your copy… {round(progress * 100)}%", key="export-progress"),
                 ft.ProgressBar(value=progress or None)]
    elif export is not None and export.ready:
        rows.append(ft.Text(f"Your copy is ready{_size_text(export.size)}.", key="export-ready"))
        if model.saved_to:
            rows.append(ft.Text(f"Saved to {model.saved_to}", key="export-saved", selectable=True))
        elif page.web:
            rows.append(ft.FilledButton("Download the zip", key="export-download", icon=ft.Icons.DOWNLOAD,
                                        on_click=open_in_browser))
        else:
            rows.append(ft.FilledButton("Save to Downloads", key="export-save", icon=ft.Icons.DOWNLOAD,
                                        on_click=act(controller.account.save_to_downloads)))
    if model.error:
        rows.append(ft.Text(model.error, key="export-error", color=ft.Colors.ERROR))
    if not model.busy:
        rows.append(ft.OutlinedButton("Make a new copy" if export is not None else "Download my data", key="download-my-data",
                                      icon=ft.Icons.ARCHIVE_OUTLINED,
                                      on_click=act(controller.account.download_data, not page.web)))
    return ft.Column(rows, spacing=8)


@ft.component
def DeleteAccount():
    controller = use_controller()
    asking, set_asking = ft.use_state(False)
    problem, set_problem = ft.use_state("")
    busy, set_busy = ft.use_state(False)
    password = ft.use_ref("")

    async def confirm(_=None):
        set_busy(True)
        try:
            trouble = await controller.account.delete_account(password.current)
        finally:
            set_busy(False)
        if trouble:
            set_problem(trouble)

    if not asking:
        return ft.TextButton("Delete account", key="delete-account", icon=ft.Icons.DELETE_FOREVER_OUTLINED,
                             style=ft.ButtonStyle(color=ft.Colors.ERROR), on_click=lambda _: set_asking(True))
    return ft.Container(
        key="delete-account-panel", padding=12, border=ft.Border.all(1, ft.Colors.ERROR), border_radius=8,
        content=ft.Column(spacing=8, controls=[
            ft.Text("Delete your account?", weight=ft.FontWeight.BOLD),
            ft.Text("Your profile, posts, photos, comments and likes are removed for good. This cannot be undone."),
            ft.TextField(key="delete-password", label="Your password", password=True, can_reveal_password=True,
                         value=password.current, on_change=typed_into(password), on_submit=confirm, error=problem or None),
            ft.Row(wrap=True, controls=[
                ft.FilledButton("Delete forever", key="confirm-delete-account", disabled=busy, on_click=confirm,
                                style=ft.ButtonStyle(bgcolor=ft.Colors.ERROR, color=ft.Colors.ON_ERROR)),
                ft.TextButton("Keep my account", key="cancel-delete-account", on_click=lambda _: set_asking(False)),
            ]),
        ]))


@ft.component
def AccountActions(model: AccountDataModel):
    """The self-contained block Settings shows in its Account section."""
    return ft.Column(spacing=12, key="account-actions", controls=[
        ft.Text("Your data", weight=ft.FontWeight.BOLD),
        DownloadMyData(model),
        DeleteAccount(),
    ])
