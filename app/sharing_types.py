"""Typed shapes of the sharing answers: albums, their items and members, share links (docs/sharing.md)."""

from __future__ import annotations

from dataclasses import dataclass

from .api_types import Post, UserSummary


@dataclass(frozen=True)
class AlbumMember:
    user: UserSummary
    role: str  # owner | contributor | viewer

    @classmethod
    def from_json(cls, data: dict) -> "AlbumMember":
        return cls(user=UserSummary.from_json(data["user"]), role=data["role"])


@dataclass(frozen=True)
class Album:
    album_id: str
    title: str
    description: str
    owner: UserSummary | None
    cover: str | None
    item_count: int
    member_count: int
    my_role: str
    updated_at: str
    members: tuple[AlbumMember, ...] = ()

    @classmethod
    def from_json(cls, data: dict) -> "Album":
        owner = data.get("owner")
        return cls(
            album_id=str(data["album_id"]), title=data.get("title") or "", description=data.get("description") or "",
            owner=UserSummary.from_json(owner) if owner else None, cover=data.get("cover"),
            item_count=int(data.get("item_count") or 0), member_count=int(data.get("member_count") or 0),
            my_role=data.get("my_role") or "viewer", updated_at=data.get("updated_at") or "",
            members=tuple(AlbumMember.from_json(m) for m in data.get("members") or ()),
        )

    @property
    def can_add(self) -> bool:
        return self.my_role in ("owner", "contributor")


@dataclass(frozen=True)
class AlbumItem:
    item_id: str
    album_id: str
    added_by: UserSummary
    post: Post

    @classmethod
    def from_json(cls, data: dict) -> "AlbumItem":
        return cls(item_id=str(data["item_id"]), album_id=str(data["album_id"]),
                   added_by=UserSummary.from_json(data["added_by"]), post=Post.from_json(data["post"]))


@dataclass(frozen=True)
class ShareLink:
    link_id: str
    url: str
    target_type: str
    target_id: str
    expires_at: str

    @classmethod
    def from_json(cls, data: dict) -> "ShareLink":
        return cls(link_id=str(data["link_id"]), url=data["url"], target_type=data.get("target_type") or "",
                   target_id=str(data.get("target_id") or ""), expires_at=data.get("expires_at") or "")
