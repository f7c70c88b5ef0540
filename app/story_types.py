"""Typed shapes of the stories, explore and suggestions answers (API.md "Wave 2"), as ``api_types`` does for posts."""

from __future__ import annotations

from dataclasses import dataclass, field

from .api_types import User, UserSummary


@dataclass(frozen=True)
class StoryMedia:
    type: str
    status: str
    width: int | None = None
    height: int | None = None
    placeholder: str | None = None
    variants: dict[str, str] = field(default_factory=dict)
    poster: str | None = None
    streams: dict[str, str] = field(default_factory=dict)
    duration_ms: int | None = None

    @classmethod
    def from_json(cls, data: dict) -> "StoryMedia":
        return cls(type=data.get("type", "photo"), status=data.get("status", "ready"), width=data.get("width"),
                   height=data.get("height"), placeholder=data.get("placeholder"), variants=dict(data.get("variants") or {}),
                   poster=data.get("poster"), streams=dict(data.get("streams") or {}), duration_ms=data.get("duration_ms"))

    @property
    def picture(self) -> str | None:
        """The picture to show: the photo's 1080 variant, or a video's poster frame."""
        return self.poster or self.variants.get("1080") or self.variants.get("640") or self.variants.get("thumb")


@dataclass(frozen=True)
class Story:
    story_id: str
    user: UserSummary
    media: StoryMedia
    caption: str
    created_at: str
    expires_at: str
    seen_by_me: bool = False
    view_count: int | None = None  # only for its author

    @classmethod
    def from_json(cls, data: dict) -> "Story":
        return cls(story_id=str(data["story_id"]), user=UserSummary.from_json(data["user"]),
                   media=StoryMedia.from_json(data.get("media") or {}), caption=data.get("caption") or "",
                   created_at=data.get("created_at") or "", expires_at=data.get("expires_at") or "",
                   seen_by_me=bool(data.get("seen_by_me")), view_count=data.get("view_count"))


@dataclass(frozen=True)
class TrayItem:
    user: UserSummary
    story_count: int
    latest_at: str
    has_unseen: bool

    @classmethod
    def from_json(cls, data: dict) -> "TrayItem":
        return cls(user=UserSummary.from_json(data["user"]), story_count=int(data.get("story_count") or 0),
                   latest_at=data.get("latest_at") or "", has_unseen=bool(data.get("has_unseen")))


@dataclass(frozen=True)
class StoryViewer:
    user: UserSummary
    seen_at: str

    @classmethod
    def from_json(cls, data: dict) -> "StoryViewer":
        return cls(user=UserSummary.from_json(data["user"]), seen_at=data.get("seen_at") or "")


@dataclass(frozen=True)
class Suggestion:
    user: User
    reason: str

    @classmethod
    def from_json(cls, data: dict) -> "Suggestion":
        return cls(user=User.from_json(data), reason=data.get("reason") or "")
