"""Observable state of the people lists (followers, following, likers) and of my account's data copy."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import flet as ft

from app.api_types import DataExport, User


@ft.observable
@dataclass
class PeopleList:
    """One list of people, page by page; ``busy`` names whose Follow button is waiting for the server."""

    key: str  # "followers:alice", "following:alice", "likes:<post_id>"
    users: list[User] = field(default_factory=list)
    next_cursor: str | None = None
    loading: bool = False
    loaded: bool = False
    error: str | None = None
    busy: set[str] = field(default_factory=set)

    def relation_changed(self, username: str, *, following: bool, requested: bool) -> None:
        self.users = [replace(u, followed_by_me=following, follow_requested_by_me=requested) if u.username == username else u
                      for u in self.users]


@ft.observable
@dataclass
class AccountDataModel:
    """"Download my data": the copy being made (progress), then where it went."""

    export: DataExport | None = None
    busy: bool = False
    saved_to: str | None = None  # desktop: the file in Downloads
    error: str | None = None


@ft.observable
@dataclass
class PeopleState:
    lists: dict[str, PeopleList] = field(default_factory=dict)
    account_data: AccountDataModel = field(default_factory=AccountDataModel)

    def list_for(self, key: str) -> PeopleList:
        if key not in self.lists:
            self.lists[key] = PeopleList(key)
        return self.lists[key]
