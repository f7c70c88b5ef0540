"""What a copy of an account's data holds, and the zip it is written to.

``snapshot`` reads everything in one consistent read: the JSON documents (profile, posts, comments,
likes, follows) and the list of stored files (originals, the profile photo) with their names in the zip.
``ExportZip`` writes the zip on disk one entry at a time: files are copied through in chunks by
``zipfile`` (stored, not recompressed: photos and videos are compressed already), so no file is ever
held in memory whole. Its methods block: call them in a thread.
"""

from __future__ import annotations

import dataclasses
import zipfile
from typing import Any

import orjson

from ..repos import exports as repo
from ..repos.stored_files import avatar_keys
from ..stores.base import Conn
from ..web.serialize import iso_time

EXTENSIONS = {
    "image/jpeg": "jpg", "image/png": "png", "image/heic": "heic", "image/heif": "heif", "image/webp": "webp",
    "image/avif": "avif", "image/gif": "gif", "video/mp4": "mp4", "video/quicktime": "mov", "video/webm": "webm",
}
README = (
    "Your PhotoShare data\n\n"
    "profile.json   your profile\n"
    "posts.json     your posts, each naming its files in media/\n"
    "comments.json  comments you wrote\n"
    "likes.json     posts you liked\n"
    "follows.json   who follows you and whom you follow\n"
    "media/         the originals you uploaded, as you uploaded them\n"
)


@dataclasses.dataclass
class Snapshot:
    documents: dict[str, Any]  # zip name -> JSON value
    files: list[tuple[str, str]]  # (blob key, zip name)


def _time(epoch_ms: int | None) -> str | None:
    return None if epoch_ms is None else iso_time(epoch_ms)


def snapshot(conn: Conn, user_id: int) -> Snapshot | None:
    """Everything the copy holds, or None when the account is gone."""
    user = repo.profile_row(conn, user_id)
    if user is None:
        return None
    files: list[tuple[str, str]] = []
    names: dict[str, str] = {}  # one file per stored original, even when two posts share it
    media_by_post: dict[int, list[dict]] = {}
    for row in repo.media_of(conn, user_id):
        key = row["original_key"]
        if key not in names:
            names[key] = f"media/{row['post_id']}_{row['position'] + 1}.{EXTENSIONS.get(row['content_type'], 'bin')}"
            files.append((key, names[key]))
        media_by_post.setdefault(row["post_id"], []).append({
            "media_id": str(row["id"]), "type": row["kind"], "file": names[key], "content_type": row["content_type"],
            "alt_text": row["alt_text"], "width": row["width"], "height": row["height"],
        })
    avatar = None
    if user["avatar_key"]:
        avatar = "profile_photo.jpg"
        files.append((avatar_keys(user["avatar_key"])[0], avatar))
    profile = {
        "user_id": str(user["id"]), "username": user["username"], "display_name": user["display_name"], "bio": user["bio"],
        "is_private": bool(user["is_private"]), "created_at": _time(user["created_at"]), "profile_photo": avatar,
        "follower_count": user["follower_count"], "following_count": user["following_count"], "post_count": user["post_count"],
    }
    posts = [{
        "post_id": str(row["id"]), "caption": row["caption"], "created_at": _time(row["created_at"]),
        "edited_at": _time(row["edited_at"]), "like_count": row["like_count"], "comment_count": row["comment_count"],
        "media": media_by_post.get(row["id"], []),
    } for row in repo.posts_of(conn, user_id)]
    comments = [{"comment_id": str(r["id"]), "post_id": str(r["post_id"]), "post_author": r["post_author"], "text": r["text"],
                 "created_at": _time(r["created_at"])} for r in repo.comments_of(conn, user_id)]
    likes = [{"post_id": str(r["post_id"]), "post_author": r["post_author"], "liked_at": _time(r["created_at"])}
             for r in repo.likes_of(conn, user_id)]
    follows = {
        "followers": [{"username": r["username"], "since": _time(r["created_at"])} for r in repo.followers_of(conn, user_id)],
        "following": [{"username": r["username"], "since": _time(r["created_at"])} for r in repo.following_of(conn, user_id)],
    }
    documents = {"profile.json": profile, "posts.json": posts, "comments.json": comments, "likes.json": likes,
                 "follows.json": follows}
    return Snapshot(documents=documents, files=files)


class ExportZip:
    """A zip being written at ``path``; blocking calls, one entry at a time."""

    def __init__(self, path: str) -> None:
        self._zip = zipfile.ZipFile(path, "w", allowZip64=True)

    def add_file(self, source_path: str, name: str) -> None:
        self._zip.write(source_path, name, compress_type=zipfile.ZIP_STORED)

    def add_documents(self, documents: dict[str, Any], missing: list[str]) -> None:
        text = README + ("".join(f"\nNot found in storage: {name}" for name in missing) + "\n" if missing else "")
        self._zip.writestr("README.txt", text, compress_type=zipfile.ZIP_DEFLATED)
        for name, value in documents.items():
            self._zip.writestr(name, orjson.dumps(value, option=orjson.OPT_INDENT_2), compress_type=zipfile.ZIP_DEFLATED)

    def close(self) -> None:
        self._zip.close()
