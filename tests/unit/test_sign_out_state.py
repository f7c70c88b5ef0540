"""Signing out forgets the account: the next person to sign in on the same device must not see a moment of the
last one's story tray, Explore grid, suggestions or feed (the tray of the last account was on screen, tappable,
until the new one's arrived)."""

from __future__ import annotations

from dataclasses import fields

from app.api_types import UserSummary
from app.story_types import TrayItem
from ui.models import DEVICE_FIELDS, AppState, PostList


def test_signing_out_forgets_every_part_of_the_account() -> None:
    state = AppState()
    state.stories.tray = [TrayItem(user=UserSummary(user_id="2", username="carol"), story_count=1,
                                   latest_at="2026-12-03T22:00:00Z", has_unseen=False)]
    state.stories.loaded = True
    state.player.authors, state.player.loading = ["carol"], False
    state.explore = PostList("explore")
    state.explore.loaded = True
    state.suggestions.loaded = True
    state.suggestions.following = {"bob"}
    state.profile("alice")
    state.nav.theme = "dark"
    state.server_url = "http://photos.local"
    old_player = state.player

    state.signed_out()

    fresh = AppState()
    for item in fields(AppState):
        if item.name not in DEVICE_FIELDS:
            assert getattr(state, item.name) == getattr(fresh, item.name), item.name
    assert state.stories.tray == [] and not state.stories.loaded
    assert not state.suggestions.loaded and not state.explore.loaded
    assert old_player.finished, "the open viewer's clock must stop"
    # The device keeps its own settings.
    assert state.nav.theme == "dark" and state.server_url == "http://photos.local"
