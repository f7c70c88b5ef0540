"""Typed shapes of the moderation and admin answers (API.md, "Wave 2": reports, /admin).

The parsers are lenient about what the contract leaves open (a job's or an invite's extra fields, a
resolved report's details): the console shows what the server sends and never fails on a field it
does not know.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REPORT_REASONS = ("spam", "nudity", "violence", "harassment", "other")
RESOLUTIONS = ("dismiss", "remove", "disable_user")
ROLES = ("user", "moderator", "admin")


def _name(value) -> str | None:
    """A username, whether the server sent a name or a user object."""
    if isinstance(value, dict):
        return value.get("username")
    return str(value) if value else None


@dataclass(frozen=True)
class ReportTarget:
    """What was reported, as the review queue previews it."""

    kind: str  # post | comment | user
    target_id: str
    username: str | None = None  # the author (or the account itself)
    text: str = ""  # a caption, a comment's text, a bio
    image_url: str | None = None  # a post's thumbnail or an account's profile photo
    post_id: str | None = None  # where a post or comment can be opened

    @classmethod
    def from_json(cls, kind: str, target_id: str, data: dict | None) -> "ReportTarget | None":
        if not data:
            return None
        if kind == "user":
            return cls(kind, target_id, data.get("username"), data.get("bio") or data.get("display_name") or "",
                       data.get("avatar_url"))
        author = _name(data.get("user")) or data.get("username")
        if kind == "comment":
            return cls(kind, target_id, author, data.get("text") or "", None,
                       str(data["post_id"]) if data.get("post_id") else None)
        media = data.get("media") or []
        variants = (media[0].get("variants") or {}) if media else {}
        image = variants.get("thumb") or variants.get("320") or data.get("media_url")
        return cls(kind, target_id, author, data.get("caption") or "", image, str(data.get("post_id") or target_id))


@dataclass(frozen=True)
class Report:
    report_id: str
    target_type: str
    target_id: str
    target: ReportTarget | None
    reasons: dict[str, int]
    reporter_count: int
    status: str  # open | resolved
    hidden: bool
    created_at: str
    action: str | None = None  # how it was resolved
    note: str = ""
    resolved_by: str | None = None
    resolved_at: str | None = None

    @classmethod
    def from_json(cls, data: dict) -> "Report":
        kind = data.get("target_type") or "post"
        target = data.get("target") if isinstance(data.get("target"), dict) else None
        target_id = str(data.get("target_id") or (target or {}).get(f"{kind}_id") or "")
        reasons = data.get("reasons") or {}
        if isinstance(reasons, list):  # a plain list of reasons: count them
            counted: dict[str, int] = {}
            for reason in reasons:
                counted[reason] = counted.get(reason, 0) + 1
            reasons = counted
        return cls(
            report_id=str(data["report_id"]),
            target_type=kind,
            target_id=target_id,
            target=ReportTarget.from_json(kind, target_id, target),
            reasons={str(k): int(v) for k, v in reasons.items()},
            reporter_count=int(data.get("reporter_count") or sum(int(v) for v in reasons.values()) or 0),
            status=data.get("status") or "open",
            hidden=bool(data.get("hidden")),
            created_at=data.get("created_at") or "",
            action=data.get("action") or data.get("resolution"),
            note=data.get("note") or data.get("resolution_note") or "",
            resolved_by=_name(data.get("resolved_by")),
            resolved_at=data.get("resolved_at"),
        )


@dataclass(frozen=True)
class AdminUser:
    """An account as the console lists it: who, what role, whether it may sign in."""

    user_id: str
    username: str
    avatar_url: str | None = None
    role: str = "user"
    disabled: bool = False
    post_count: int = 0
    created_at: str = ""

    @classmethod
    def from_json(cls, data: dict) -> "AdminUser":
        return cls(user_id=str(data["user_id"]), username=data["username"], avatar_url=data.get("avatar_url"),
                   role=data.get("role") or ("admin" if data.get("is_admin") else "user"),
                   disabled=bool(data.get("disabled", data.get("is_disabled"))),
                   post_count=int(data.get("post_count") or 0), created_at=data.get("created_at") or "")


@dataclass(frozen=True)
class Invite:
    """An invite as listed. The server keeps only a hash of each code, so a code is shown once, when made."""

    invite_id: str
    status: str = "open"  # open | used | expired
    created_by: str | None = None
    created_at: str = ""
    expires_at: str | None = None
    used_by: str | None = None
    used_at: str | None = None

    @property
    def used(self) -> bool:
        return self.status == "used" or self.used_by is not None

    @classmethod
    def from_json(cls, data: dict | str) -> "Invite":
        if isinstance(data, str):
            return cls(invite_id=data)
        used_by = _name(data.get("used_by"))
        status = data.get("status") or ("used" if used_by or data.get("used_at") else "open")
        return cls(invite_id=str(data.get("invite_id") or data.get("code") or ""), status=status,
                   created_by=_name(data.get("created_by")), created_at=data.get("created_at") or "",
                   expires_at=data.get("expires_at"), used_by=used_by, used_at=data.get("used_at"))


@dataclass(frozen=True)
class Job:
    job_id: str
    kind: str
    status: str
    attempts: int = 0
    error: str = ""
    updated_at: str = ""

    @classmethod
    def from_json(cls, data: dict) -> "Job":
        return cls(job_id=str(data.get("job_id") or data.get("id")),
                   kind=data.get("kind") or data.get("type") or data.get("name") or "job",
                   status=data.get("status") or "failed", attempts=int(data.get("attempts") or 0),
                   error=data.get("error") or data.get("last_error") or "",
                   updated_at=data.get("updated_at") or data.get("failed_at") or data.get("created_at") or "")


@dataclass(frozen=True)
class AdminStats:
    users: int
    posts: int
    storage_bytes: int
    jobs_queued: int
    jobs_failed: int
    reports_open: int
    extra: dict = field(default_factory=dict)  # anything else the server counts, shown as it comes

    @classmethod
    def from_json(cls, data: dict) -> "AdminStats":
        jobs = data.get("jobs") or {}
        known = {"users", "posts", "storage_bytes", "jobs", "reports_open"}
        return cls(users=int(data.get("users") or 0), posts=int(data.get("posts") or 0),
                   storage_bytes=int(data.get("storage_bytes") or 0), jobs_queued=int(jobs.get("queued") or 0),
                   jobs_failed=int(jobs.get("failed") or 0), reports_open=int(data.get("reports_open") or 0),
                   extra={k: v for k, v in data.items() if k not in known and isinstance(v, (int, float, str))})
