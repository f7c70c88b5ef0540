"""A copy of my data through the API client, and the desktop's save to Downloads (the app's controller)."""

from __future__ import annotations

import asyncio
import uuid
import zipfile
from types import SimpleNamespace

import pytest

from app.api_client import ApiError
from tests.client.photos import write_photo
from ui.controllers.account import AccountController
from ui.models import AppState


async def test_the_copy_is_made_then_downloaded_in_chunks_to_a_file(api, tmp_path):
    await api.create_post([write_photo(tmp_path / "p.jpg")], "for the archive", idempotency_key=str(uuid.uuid4()))
    export_id = await api.start_export()
    with pytest.raises(ApiError) as again:
        await api.start_export()
    assert again.value.status == 429 and again.value.retry_after
    for _ in range(300):
        status = await api.export_status(export_id)
        if status.status != "pending":
            break
        await asyncio.sleep(0.1)
    assert status.ready and status.progress == 1.0 and status.size

    dest = tmp_path / "copy.zip"
    assert await api.download_to(status.url, dest) == status.size
    assert "posts.json" in zipfile.ZipFile(dest).namelist()
    assert not list(tmp_path.glob("*.part"))


async def test_a_bad_link_leaves_no_file_behind(api, tmp_path):
    dest = tmp_path / "copy.zip"
    with pytest.raises(ApiError) as refused:
        await api.download_to(f"{api.base_url}/api/v1/me/export/1/download?expires=1&signature=x", dest)
    assert refused.value.status == 403
    assert list(tmp_path.iterdir()) == []


async def test_the_desktop_saves_the_ready_copy_to_downloads(api, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    state = AppState()
    state.me = await api.me()
    toasts = []

    async def call(action, quiet=False):
        try:
            return await action()
        except ApiError as error:
            toasts.append(error.message)

    coordinator = SimpleNamespace(state=state, core=SimpleNamespace(api=api, per_browser=False, server_fixed=False), call=call,
                                  toast=toasts.append)
    account = AccountController(coordinator)
    await account.download_data(save_to_disk=True)

    model = state.people.account_data
    assert model.error is None and model.export.ready
    saved = tmp_path / "Downloads" / f"photoshare-{state.me.username}-{model.export.export_id}.zip"
    assert model.saved_to == str(saved) and zipfile.ZipFile(saved).namelist()
    assert toasts == [f"Saved to {saved}"]
