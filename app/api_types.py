"""Typed shapes of the PhotoShare API answers (see /api/v1/openapi.json and docs/api.md).

Each type keeps the contract's field names, so ``dataclasses.asdict`` gives back JSON the offline
cache can store and ``from_json`` can read again. Media URLs arrive relative to the server; the
client makes them absolute before building these, so a cached post still points at its server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class UserSummary:
    user_id: str
    username: str
    avatar_url: str | None = None

    @classmethod
    def from_json(cls, data: dict) -> "UserSummary":
        return cls(user_id=str(data["user_id"]), username=data["username"], avatar_url=data.get("avatar_url"))


@dataclass(frozen=True)
class User:
    user_id: str
    username: str
    display_name: str = ""
    bio: str = ""
    avatar_url: str | None = None
    follower_count: int = 0
    following_count: int = 0
    post_count: int = 0
    is_private: bool = False
    followed_by_me: bool = False
    follow_requested_by_me: bool = False
    role: str = "user"  # user | moderator | admin
    must_change_password: bool = False  # signed in with a one-time password: a new one must be set first

    @property
    def is_staff(self) -> bool:
        """May open the admin console (moderators see its reports only)."""
        return self.role in ("moderator", "admin")

    @classmethod
    def from_json(cls, data: dict) -> "User":
        return cls(
            user_id=str(data["user_id"]),
            username=data["username"],
            display_name=data.get("display_name") or "",
            bio=data.get("bio") or "",
            avatar_url=data.get("avatar_url"),
            follower_count=int(data.get("follower_count") or 0),
            following_count=int(data.get("following_count") or 0),
            post_count=int(data.get("post_count") or 0),
            is_private=bool(data.get("is_private")),
            followed_by_me=bool(data.get("followed_by_me")),
            follow_requested_by_me=bool(data.get("follow_requested_by_me")),
            role=data.get("role") or "user",
            must_change_password=bool(data.get("must_change_password")),
        )


@dataclass(frozen=True)
class Media:
    media_id: str
    type: str
    status: str
    width: int | None = None
    height: int | None = None
    alt_text: str = ""
    placeholder: str | None = None
    variants: dict[str, str] = field(default_factory=dict)
    failure_reason: str | None = None
    # videos only: the poster frame (a photo variant), the MP4 streams by height ("360", "720") and the length
    poster: str | None = None
    streams: dict[str, str] = field(default_factory=dict)
    duration_ms: int | None = None

    @classmethod
    def from_json(cls, data: dict) -> "Media":
        return cls(
            media_id=str(data["media_id"]),
            type=data.get("type", "photo"),
            status=data.get("status", "ready"),
            width=data.get("width"),
            height=data.get("height"),
            alt_text=data.get("alt_text") or "",
            placeholder=data.get("placeholder"),
            variants=dict(data.get("variants") or {}),
            failure_reason=data.get("failure_reason"),
            poster=data.get("poster"),
            streams=dict(data.get("streams") or {}),
            duration_ms=data.get("duration_ms"),
        )

    @property
    def aspect_ratio(self) -> float:
        if self.width and self.height:
            return self.width / self.height
        return 1.0


@dataclass(frozen=True)
class Post:
    post_id: str
    user: UserSummary
    caption: str
    media: tuple[Media, ...]
    like_count: int
    comment_count: int
    created_at: str
    liked_by_me: bool = False
    saved_by_me: bool = False
    hashtags: tuple[str, ...] = ()
    media_url: str | None = None
    hidden: bool = False  # hidden by reports until reviewed: only its author and moderators see it
    edited_at: str | None = None  # set once its author edited the caption or an alt text

    @classmethod
    def from_json(cls, data: dict) -> "Post":
        user = data.get("user") or {"user_id": data["user_id"], "username": data["username"]}
        return cls(
            post_id=str(data["post_id"]),
            user=UserSummary.from_json(user),
            caption=data.get("caption") or "",
            media=tuple(Media.from_json(m) for m in data.get("media") or ()),
            like_count=int(data.get("like_count") or 0),
            comment_count=int(data.get("comment_count") or 0),
            created_at=data.get("created_at") or "",
            liked_by_me=bool(data.get("liked_by_me")),
            saved_by_me=bool(data.get("saved_by_me")),
            hashtags=tuple(data.get("hashtags") or ()),
            media_url=data.get("media_url"),
            hidden=bool(data.get("hidden")),
            edited_at=data.get("edited_at"),
        )

    @property
    def first_media(self) -> Media | None:
        return self.media[0] if self.media else None


@dataclass(frozen=True)
class Comment:
    comment_id: str
    post_id: str
    user: UserSummary
    text: str
    created_at: str

    @classmethod
    def from_json(cls, data: dict) -> "Comment":
        return cls(comment_id=str(data["comment_id"]), post_id=str(data["post_id"]),
                   user=UserSummary.from_json(data["user"]), text=data["text"], created_at=data.get("created_at") or "")


@dataclass(frozen=True)
class Notification:
    id: str
    type: str
    actor: UserSummary | None
    post_id: str | None
    post_thumb_url: str | None
    created_at: str
    read: bool
    report: dict | None = None  # report_resolved: {report_id, target_type, action}
    album_id: str | None = None  # album_invite / album_item
    album_title: str = ""
    count: int = 0  # album_item: how many items the actor added

    @classmethod
    def from_json(cls, data: dict) -> "Notification":
        post = data.get("post") or {}
        actor = data.get("actor")
        return cls(id=str(data["id"]), type=data["type"], actor=UserSummary.from_json(actor) if actor else None,
                   post_id=str(post["post_id"]) if post.get("post_id") else data.get("post_id"),
                   post_thumb_url=post.get("media_url") or data.get("post_thumb_url"),
                   created_at=data.get("created_at") or "", read=bool(data.get("read")),
                   report=data.get("report") if isinstance(data.get("report"), dict) else None,
                   album_id=str((data.get("album") or {}).get("album_id") or "") or None,
                   album_title=(data.get("album") or {}).get("title") or "", count=int(data.get("count") or 0))


@dataclass(frozen=True)
class Hashtag:
    tag: str
    post_count: int


@dataclass(frozen=True)
class SearchResults:
    users: tuple[UserSummary, ...]
    hashtags: tuple[Hashtag, ...]


@dataclass(frozen=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    next_cursor: str | None
    unread_count: int | None = None  # notifications only

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


@dataclass(frozen=True)
class Session:
    """What signing in gives back: the account and its bearer token."""

    user: User
    token: str


@dataclass(frozen=True)
class LiveEvent:
    """One event of the live stream: ``unread`` carries ``{"unread_count": n}``."""

    name: str
    data: dict


@dataclass(frozen=True)
class DataExport:
    """A copy of my data being made (``POST /me/export``): ``url`` and ``size`` once it is ready."""

    export_id: str
    status: str  # pending | ready | failed
    progress: float = 0.0  # 0..1
    url: str | None = None  # a signed download link (no token needed), valid an hour
    size: int | None = None

    @property
    def ready(self) -> bool:
        return self.status == "ready"

    @classmethod
    def from_json(cls, data: dict) -> "DataExport":
        return cls(export_id=str(data["export_id"]), status=data["status"], progress=float(data.get("progress") or 0.0),
                   url=data.get("url"), size=data.get("size"))
