"""JSON shapes of the API contract: users, posts, media, comments. Ids travel as strings."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ..media.limits import VARIANT_WIDTHS

MEDIA_PATH = "/media/"


def iso_time(epoch_ms: int) -> str:
    moment = dt.datetime.fromtimestamp(epoch_ms / 1000, tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def media_url(stem: str | None) -> str | None:
    return None if not stem else MEDIA_PATH + stem


def user_summary(row: Any) -> dict:
    return {
        "user_id": str(row["id"]),
        "username": row["username"],
        "avatar_url": media_url(row["avatar_key"]),
    }


def user_json(row: Any, *, followed_by_me: bool = False, requested_by_me: bool = False, private_fields: bool = False) -> dict:
    data = {
        "user_id": str(row["id"]),
        "username": row["username"],
        "display_name": row["display_name"],
        "bio": row["bio"],
        "avatar_url": media_url(row["avatar_key"]),
        "follower_count": row["follower_count"],
        "following_count": row["following_count"],
        "post_count": row["post_count"],
        "is_private": bool(row["is_private"]),
        "followed_by_me": followed_by_me,
        "follow_requested_by_me": requested_by_me,
        "created_at": iso_time(row["created_at"]),
    }
    if private_fields:
        data["is_admin"] = bool(row["is_admin"])
        data["role"] = row["role"]
        data["must_change_password"] = bool(row["must_change_password"])
    return data


VARIANT_NAMES = ("thumb", *(str(width) for width in VARIANT_WIDTHS))  # the names the API shows, from the widths made


def media_json(row: Any) -> dict:
    stored = json.loads(row["variants"] or "{}")
    variants = {name: media_url(stored[name]) for name in VARIANT_NAMES if stored.get(name)} if row["status"] == "ready" else {}
    data = {
        "media_id": str(row["id"]),
        "type": row["kind"],
        "status": row["status"],
        "width": row["width"],
        "height": row["height"],
        "alt_text": row["alt_text"],
        "placeholder": row["placeholder"],
        "variants": variants,
    }
    if row["status"] == "failed":
        data["failure_reason"] = row["failure_reason"]
    if row["kind"] == "video":
        data["duration_ms"] = row["duration_ms"]
        data["poster"] = variants.get("1080") or variants.get("640")
        streams = stored.get("streams") or {}
        data["streams"] = {name: media_url(key) for name, key in streams.items()} if row["status"] == "ready" else {}
    return data


def comment_json(row: Any, author: dict) -> dict:
    return {
        "comment_id": str(row["id"]),
        "post_id": str(row["post_id"]),
        "user": author,
        "text": row["text"],
        "created_at": iso_time(row["created_at"]),
    } | ({"hidden": True} if row["hidden"] else {})  # hidden by reports: seen only by its author and moderators
