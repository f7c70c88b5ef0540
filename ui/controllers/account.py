"""My account's own actions: a copy of my data ("Download my data") and deleting the account."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlsplit

from app.api_client import ApiError, OfflineError

from .base import Feature

EXPORT_POLL_SECONDS = 1.0
EXPORT_WAIT_SECONDS = 30 * 60  # a big account's copy takes a while; the screen gives up watching after this


def downloads_folder() -> Path:
    return Path.home() / "Downloads"


class AccountController(Feature):
    async def download_data(self, save_to_disk: bool) -> None:
        """Ask for a copy, watch its progress, then hand it over: a desktop window saves it to Downloads; in a
        browser the screen offers its link (opened by a tap: browsers refuse windows no one asked for)."""
        model = self.state.people.account_data
        if model.busy:
            return
        model.busy, model.error, model.saved_to = True, None, None
        try:
            export_id = await self.call(self.api.start_export)
            if export_id is None:
                model.error = "The copy could not be started."
                return
            loop = asyncio.get_running_loop()
            deadline = loop.time() + EXPORT_WAIT_SECONDS
            while loop.time() < deadline:
                status = await self.call(lambda: self.api.export_status(export_id), quiet=True)
                if status is not None:
                    model.export = status
                    if status.status != "pending":
                        break
                await asyncio.sleep(EXPORT_POLL_SECONDS)
            if model.export is None or model.export.status == "pending":
                model.error = "The copy is taking long; try again later."
            elif model.export.status == "failed":
                model.error = "The copy could not be made. Try again."
            elif save_to_disk:
                await self.save_to_downloads()
        finally:
            model.busy = False

    def browser_url(self) -> str | None:
        """The signed link as this page's browser reaches it: relative when the server serves the page itself."""
        export = self.state.people.account_data.export
        if export is None or not export.url:
            return None
        if self.core.server_fixed:
            parts = urlsplit(export.url)
            return f"{parts.path}?{parts.query}"
        return export.url

    async def save_to_downloads(self) -> None:
        model = self.state.people.account_data
        export = model.export
        if export is None or not export.url:
            return
        folder = downloads_folder()
        dest = folder / f"photoshare-{self.state.me.username if self.state.me else 'data'}-{export.export_id}.zip"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            await self.api.download_to(export.url, dest)
        except (OSError, ApiError, OfflineError) as error:
            model.error = f"The copy is ready but could not be saved ({getattr(error, 'message', error)})."
            return
        model.saved_to = str(dest)
        self.toast(f"Saved to {dest}")

    async def delete_account(self, password: str) -> str | None:
        """Delete my account for good; answers a problem to show, or None once gone (then back to sign-in)."""
        if not password:
            return "Type your password to confirm."
        try:
            await self.api.delete_account(password)
        except ApiError as error:
            return "That password is not right." if error.status in (401, 403) else error.message
        except OfflineError:
            return "The server cannot be reached; nothing was deleted."
        await self.controller.session.sign_out(local_only=True)
        self.toast("Your account and everything in it were deleted.")
        return None
