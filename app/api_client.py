"""The one place the client speaks HTTP to a PhotoShare server (the contract: /work/shared/API.md).

Every method returns typed results (``app.api_types``) or raises ``ApiError`` carrying the
server's error code and message, so the UI and the upload queue can show the server's reason.
A server that cannot be reached raises ``OfflineError``: callers treat it as "try later".
"""

from __future__ import annotations

import asyncio
import base64
import json
import mimetypes
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from .admin_types import AdminStats, AdminUser, Invite, Job, Report
from .api_types import Comment, DataExport, Hashtag, LiveEvent, Notification, Page, Post, SearchResults, Session, User, UserSummary
from .discovery_client import DiscoveryCalls
from .multipart import MultipartBody, ProgressCallback
from .sharing_types import Album, AlbumItem, ShareLink

API_PREFIX = "/api/v1"
MEDIA_PREFIX = "/media/"
# Reads are small JSON pages; a server that has not answered in 20 s is as good as offline.
READ_TIMEOUT_SECONDS = 20.0
# A phone-class uplink can take minutes for a 20 MB photo, so uploads get no overall write deadline,
# only a stall limit per chunk.
UPLOAD_STALL_SECONDS = 60.0
CONNECT_TIMEOUT_SECONDS = 5.0
NETWORK_ERRORS = (httpx.TransportError,)
LIVE_PATH = "/notifications/live"
TUS_PATH = "/uploads/tus"
TUS_HEADERS = {"Tus-Resumable": "1.0.0"}
# One PATCH carries at most this much. The server keeps what arrived of a cut chunk, so a drop costs only the
# bytes in flight whatever the size; fewer, bigger chunks save a durable commit (fsync) per chunk.
TUS_CHUNK_BYTES = 32 * 1024 * 1024
TUS_READ_BYTES = 64 * 1024  # read from disk in pieces this size: a file is never held in memory
# Within one attempt, a failed PATCH is followed by a HEAD and another PATCH from the server's offset;
# this many failures in a row with no byte gained end the attempt (the queue then backs off).
TUS_TRIES_WITHOUT_PROGRESS = 3
TUS_RETRY_PAUSE_SECONDS = 0.25
# The live stream carries a heartbeat every 15 s: three missed in a row mean the connection is dead,
# even when no TCP error says so (a laptop that slept, a proxy that dropped it silently).
LIVE_READ_TIMEOUT_SECONDS = 45.0



class ApiError(Exception):
    """The server said no: ``code`` is the contract's snake_case code, ``message`` is for people."""

    def __init__(self, status: int, code: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after

    @property
    def is_transient(self) -> bool:
        """Worth retrying later with the same request: overload, rate limits, server faults."""
        return self.status in (0, 408, 429) or self.status >= 500


class OfflineError(ApiError):
    def __init__(self, detail: str) -> None:
        super().__init__(0, "offline", f"The server cannot be reached ({detail}).")


def absolute_media_urls(data: Any, base_url: str) -> Any:
    """Make the server's relative /media/ URLs absolute, so cached JSON still works on its own."""
    if isinstance(data, dict):
        return {key: absolute_media_urls(value, base_url) for key, value in data.items()}
    if isinstance(data, list):
        return [absolute_media_urls(value, base_url) for value in data]
    if isinstance(data, str) and data.startswith(MEDIA_PREFIX):
        return base_url + data
    return data


class ApiClient(DiscoveryCalls):
    def __init__(self, base_url: str, token: str | None = None, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.tus_chunk_bytes = TUS_CHUNK_BYTES
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(READ_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS),
            transport=transport,
            follow_redirects=False,
        )

    def use_server(self, base_url: str) -> None:
        """Point at another server (the user changed the address); the old token means nothing there."""
        self.base_url = base_url.rstrip("/")
        self._http.base_url = self.base_url
        self.token = None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> "ApiClient":
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    # ---- plumbing ------------------------------------------------------------------------------
    def _headers(self, extra: dict | None = None, auth: bool = True) -> dict:
        headers = {"Accept": "application/json"}
        if self.token and auth:
            headers["Authorization"] = f"Bearer {self.token}"
        return {**headers, **(extra or {})}

    async def _request(self, method: str, path: str, *, json: Any = None, params: dict | None = None,
                       headers: dict | None = None, content: Any = None, timeout: httpx.Timeout | None = None,
                       auth: bool = True) -> Any:
        url = path if path.startswith("http") else API_PREFIX + path
        extra = {"timeout": timeout} if timeout is not None else {}
        try:
            response = await self._http.request(method, url, json=json, params=_clean(params), content=content,
                                                headers=self._headers(headers, auth), **extra)
        except NETWORK_ERRORS as exc:
            raise OfflineError(type(exc).__name__) from exc
        if response.status_code >= 400:
            raise _error_from(response)
        if response.status_code == 204 or not response.content:
            return {}
        return absolute_media_urls(response.json(), self.base_url)

    async def _page(self, path: str, key: str, parse: Callable[[dict], Any], cursor: str | None, limit: int | None) -> Page:
        data = await self._request("GET", path, params={"cursor": cursor, "limit": limit})
        return Page(items=tuple(parse(item) for item in data.get(key) or ()), next_cursor=data.get("next_cursor"),
                    unread_count=data.get("unread_count"))

    # ---- accounts ------------------------------------------------------------------------------
    async def health(self) -> dict:
        try:
            response = await self._http.get("/healthz")
        except NETWORK_ERRORS as exc:
            raise OfflineError(type(exc).__name__) from exc
        return response.json()

    async def register(self, username: str, password: str, invite_code: str | None = None,
                       setup_code: str | None = None) -> Session:
        """``invite_code`` where the server registers by invitation; ``setup_code`` for its very first
        account (the admin), as ``photoshare serve`` printed it (see ``setup_required``)."""
        body = {"username": username, "password": password}
        if invite_code:
            body["invite_code"] = invite_code
        if setup_code:
            body["setup_code"] = setup_code
        # No stale token on register/login: the server refuses a request carrying a bad one.
        return self._signed_in(await self._request("POST", "/auth/register", json=body, auth=False))

    async def setup_required(self) -> bool:
        """Whether the server waits for its admin: registering then needs the setup code. A server from
        before first-run setup has no such question (404) and never needs one."""
        return (await self.registration_status())[0]

    async def registration_status(self) -> tuple[bool, str]:
        """(whether registering needs the setup code, who may register: open | invite | closed). A server from
        before first-run setup answers 404: no setup code, and its registration mode unknown ("open")."""
        try:
            answer = await self._request("GET", "/setup", auth=False)
        except ApiError as error:
            if error.status in (404, 405):
                return False, "open"
            raise
        return bool(answer.get("setup_required")), str(answer.get("registration") or "open")

    async def login(self, username: str, password: str) -> Session:
        return self._signed_in(await self._request("POST", "/auth/login", json={"username": username, "password": password},
                                                   auth=False))

    def _signed_in(self, data: dict) -> Session:
        self.token = data["token"]
        return Session(user=User.from_json(data["user"]), token=data["token"])

    async def logout(self) -> None:
        await self._request("POST", "/auth/logout")
        self.token = None

    async def me(self) -> User:
        return User.from_json((await self._request("GET", "/me"))["user"])

    async def update_me(self, *, display_name: str | None = None, bio: str | None = None,
                        is_private: bool | None = None) -> User:
        body = _clean({"display_name": display_name, "bio": bio, "is_private": is_private})
        return User.from_json((await self._request("PATCH", "/me", json=body))["user"])

    async def set_avatar(self, image: bytes) -> User:
        data = await self._request("PUT", "/me/avatar", content=image, headers={"Content-Type": "application/octet-stream"})
        return User.from_json(data["user"])

    async def delete_account(self, password: str) -> None:
        await self._request("DELETE", "/me", json={"password": password})

    # ---- posts ---------------------------------------------------------------------------------
    async def create_post(self, files: Sequence[Path], caption: str = "", alt_texts: Sequence[str] = (), *,
                          idempotency_key: str, progress: ProgressCallback | None = None,
                          max_bytes_per_second: int | None = None) -> Post:
        """Publish a post (multipart, streamed from disk). A retry with the same key returns the same post."""
        body = MultipartBody(files, caption, alt_texts, progress, max_bytes_per_second)
        headers = {"Content-Type": body.content_type, "Content-Length": str(body.length), "Idempotency-Key": idempotency_key}
        timeout = httpx.Timeout(UPLOAD_STALL_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
        data = await self._request("POST", "/posts", content=body.stream(), headers=headers, timeout=timeout)
        return Post.from_json(data.get("post") or data)

    async def upload_direct(self, path: Path, content_type: str | None = None) -> str:
        """Send one file by the signed-URL route (POST /uploads, then PUT); answer its upload id."""
        content_type = content_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        reservation = await self._request("POST", "/uploads", json={"content_type": content_type, "size": path.stat().st_size})
        headers = {**(reservation.get("headers") or {}), "Content-Type": content_type}
        try:
            response = await self._http.put(reservation["upload_url"], content=path.read_bytes(), headers=headers)
        except NETWORK_ERRORS as exc:
            raise OfflineError(type(exc).__name__) from exc
        if response.status_code >= 400:
            raise _error_from(response)
        return str(reservation["upload_id"])

    # ---- resumable uploads (tus 1.0.0) ---------------------------------------------------------
    async def tus_create(self, path: Path, *, idempotency_key: str | None = None) -> str:
        """Start a resumable upload of ``path``; answers its URL. A retry with the same key answers the same URL."""
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        metadata = ",".join(f"{key} {base64.b64encode(value.encode()).decode()}"
                            for key, value in (("filename", path.name), ("filetype", content_type)))
        headers = {**TUS_HEADERS, "Upload-Length": str(path.stat().st_size), "Upload-Metadata": metadata}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        response = await self._send("POST", API_PREFIX + TUS_PATH, headers=headers)
        location = response.headers.get("Location")
        if response.status_code != 201 or not location:
            raise ApiError(response.status_code, "tus_error", "The server did not create the upload.")
        return location if location.startswith("http") else self.base_url + location

    async def tus_offset(self, url: str) -> int:
        """How many bytes of the upload the server holds (HEAD). 404/410: the upload is gone."""
        response = await self._send("HEAD", url, headers=dict(TUS_HEADERS))
        return int(response.headers["Upload-Offset"])

    async def tus_send(self, url: str, path: Path, *, progress: Callable[[int], None] | None = None,
                       max_bytes_per_second: int | None = None, chunk_bytes: int | None = None) -> None:
        """Send the rest of ``path`` from the server's offset, in PATCHes of ``chunk_bytes``, streamed from disk.

        A PATCH cut by the network is followed by a HEAD and a PATCH from wherever the server got to, so a
        flaky link costs only what was in flight; ``OfflineError`` once nothing gets through any more.
        """
        size = path.stat().st_size
        chunk_bytes = chunk_bytes or self.tus_chunk_bytes
        offset = await self.tus_offset(url)
        if progress is not None:
            progress(offset)
        failures = 0
        started, sent_here = asyncio.get_running_loop().time(), 0
        while offset < size:
            length = min(chunk_bytes, size - offset)
            try:
                offset = await self._tus_patch(url, path, offset, length, progress, max_bytes_per_second, started, sent_here)
                sent_here += length
                failures = 0
                continue
            except ApiError as error:
                retry = error.status == 0 or error.code in ("offset_mismatch", "upload_locked")
                failures += 1
                if not retry or failures >= TUS_TRIES_WITHOUT_PROGRESS:
                    raise
            await asyncio.sleep(TUS_RETRY_PAUSE_SECONDS * failures)
            now_at = await self.tus_offset(url)
            if now_at > offset:
                failures = 0  # the cut chunk got somewhere: the link works, keep going
            offset = now_at
            if progress is not None:
                progress(offset)

    async def _tus_patch(self, url: str, path: Path, offset: int, length: int, progress, max_bytes_per_second,
                         started: float, sent_before: int) -> int:
        async def body():
            sent = 0
            with path.open("rb") as handle:
                handle.seek(offset)
                while sent < length:
                    piece = handle.read(min(TUS_READ_BYTES, length - sent))
                    if not piece:
                        break
                    sent += len(piece)
                    yield piece
                    if progress is not None:
                        progress(offset + sent)
                    if max_bytes_per_second:
                        ahead = (sent_before + sent) / max_bytes_per_second - (asyncio.get_running_loop().time() - started)
                        if ahead > 0:
                            await asyncio.sleep(ahead)

        headers = {**TUS_HEADERS, "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream",
                   "Content-Length": str(length)}
        timeout = httpx.Timeout(UPLOAD_STALL_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
        response = await self._send("PATCH", url, headers=headers, content=body(), timeout=timeout)
        return int(response.headers["Upload-Offset"])

    async def tus_cancel(self, url: str) -> None:
        """Cancel a resumable upload: the server removes its bytes. One already gone is fine."""
        try:
            await self._send("DELETE", url, headers=dict(TUS_HEADERS))
        except ApiError as error:
            if error.status not in (404, 410):
                raise

    async def _send(self, method: str, url: str, *, headers: dict, content: Any = None,
                    timeout: httpx.Timeout | None = None) -> httpx.Response:
        """One request whose answer is in its headers (tus): the response, or ApiError / OfflineError."""
        extra = {"timeout": timeout} if timeout is not None else {}
        try:
            response = await self._http.request(method, url, headers=self._headers(headers), content=content, **extra)
        except NETWORK_ERRORS as exc:
            raise OfflineError(type(exc).__name__) from exc
        if response.status_code >= 400:
            raise _error_from(response)
        return response

    async def create_post_from_uploads(self, upload_ids: Sequence[str], caption: str = "", alt_texts: Sequence[str] = (), *,
                                       idempotency_key: str) -> Post:
        body = {"upload_ids": list(upload_ids), "caption": caption, "alt_text": list(alt_texts)}
        data = await self._request("POST", "/posts", json=body, headers={"Idempotency-Key": idempotency_key})
        return Post.from_json(data.get("post") or data)

    async def post(self, post_id: str) -> Post:
        return Post.from_json((await self._request("GET", f"/posts/{post_id}"))["post"])

    async def delete_post(self, post_id: str) -> None:
        await self._request("DELETE", f"/posts/{post_id}")

    # ---- reading -------------------------------------------------------------------------------
    async def feed(self, cursor: str | None = None, limit: int | None = None) -> Page[Post]:
        return await self._page("/feed", "posts", Post.from_json, cursor, limit)

    async def user(self, username: str) -> User:
        return User.from_json((await self._request("GET", f"/users/{_by_name(username)}"))["user"])

    async def user_posts(self, username: str, cursor: str | None = None, limit: int | None = None) -> Page[Post]:
        return await self._page(f"/users/{_by_name(username)}/posts", "posts", Post.from_json, cursor, limit)

    async def followers(self, username: str, cursor: str | None = None, limit: int | None = None) -> Page[User]:
        """Each with ``followed_by_me``: a list can offer Follow."""
        return await self._page(f"/users/{_by_name(username)}/followers", "users", User.from_json, cursor, limit)

    async def following(self, username: str, cursor: str | None = None, limit: int | None = None) -> Page[User]:
        return await self._page(f"/users/{_by_name(username)}/following", "users", User.from_json, cursor, limit)

    async def saved(self, cursor: str | None = None, limit: int | None = None) -> Page[Post]:
        return await self._page("/saved", "posts", Post.from_json, cursor, limit)

    async def tag_posts(self, tag: str, cursor: str | None = None, limit: int | None = None) -> Page[Post]:
        return await self._page(f"/tags/{tag.lstrip('#')}/posts", "posts", Post.from_json, cursor, limit)

    async def search(self, query: str) -> SearchResults:
        data = await self._request("GET", "/search", params={"q": query})
        return SearchResults(users=tuple(UserSummary.from_json(u) for u in data.get("users") or ()),
                             hashtags=tuple(Hashtag(h["tag"], int(h.get("post_count") or 0)) for h in data.get("hashtags") or ()))

    async def notifications(self, cursor: str | None = None, limit: int | None = None) -> Page[Notification]:
        return await self._page("/notifications", "notifications", Notification.from_json, cursor, limit)

    async def live_events(self) -> AsyncIterator[LiveEvent]:
        """The live stream (Server-Sent Events) as events, until the server closes it.

        Refusals (401, 429 too many streams, 404 on a server without it) raise ``ApiError`` before the
        first event; a dropped or silent connection raises ``OfflineError``.
        """
        timeout = httpx.Timeout(LIVE_READ_TIMEOUT_SECONDS, connect=CONNECT_TIMEOUT_SECONDS)
        try:
            async with self._http.stream("GET", API_PREFIX + LIVE_PATH, timeout=timeout,
                                         headers=self._headers({"Accept": "text/event-stream"})) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise _error_from(response)
                async for event in read_sse(response.aiter_lines()):
                    yield event
        except NETWORK_ERRORS as exc:
            raise OfflineError(type(exc).__name__) from exc

    async def mark_notifications_read(self, ids: Sequence[str] | None = None) -> int:
        body = {"ids": list(ids)} if ids is not None else None
        return int((await self._request("POST", "/notifications/read", json=body)).get("unread_count") or 0)

    # ---- social --------------------------------------------------------------------------------
    async def follow(self, username: str) -> dict:
        """``{"following": True}``, or ``{"requested": True}`` for a private account."""
        return await self._request("POST", f"/users/{_by_name(username)}/follow")

    async def unfollow(self, username: str) -> dict:
        return await self._request("DELETE", f"/users/{_by_name(username)}/follow")

    async def follow_requests(self, cursor: str | None = None, limit: int | None = None) -> Page[UserSummary]:
        return await self._page("/me/follow_requests", "users", UserSummary.from_json, cursor, limit)

    async def approve_follow_request(self, user_id: str) -> None:
        await self._request("POST", f"/me/follow_requests/{user_id}/approve")

    async def deny_follow_request(self, user_id: str) -> None:
        await self._request("POST", f"/me/follow_requests/{user_id}/deny")

    async def like(self, post_id: str) -> int:
        return int((await self._request("POST", f"/posts/{post_id}/likes"))["like_count"])

    async def unlike(self, post_id: str) -> int:
        return int((await self._request("DELETE", f"/posts/{post_id}/likes"))["like_count"])

    async def likes(self, post_id: str, cursor: str | None = None, limit: int | None = None) -> Page[User]:
        """Who liked the post (name, photo and whether I follow them; no counts)."""
        return await self._page(f"/posts/{post_id}/likes", "users", User.from_json, cursor, limit)

    async def comment(self, post_id: str, text: str) -> Comment:
        return Comment.from_json((await self._request("POST", f"/posts/{post_id}/comments", json={"text": text}))["comment"])

    async def comments(self, post_id: str, cursor: str | None = None, limit: int | None = None) -> Page[Comment]:
        return await self._page(f"/posts/{post_id}/comments", "comments", Comment.from_json, cursor, limit)

    async def delete_comment(self, comment_id: str) -> None:
        await self._request("DELETE", f"/comments/{comment_id}")

    async def save(self, post_id: str) -> bool:
        return bool((await self._request("POST", f"/posts/{post_id}/save"))["saved"])

    async def unsave(self, post_id: str) -> bool:
        return bool((await self._request("DELETE", f"/posts/{post_id}/save"))["saved"])

    # ---- safety: blocks, mutes, reports ----------------------------------------------------------
    async def block(self, user_id: str) -> bool:
        """Block an account (by ``user_id``): follows both ways end and neither sees the other. Answers ``blocking``."""
        return bool((await self._request("POST", f"/users/{user_id}/block"))["blocking"])

    async def unblock(self, user_id: str) -> bool:
        return bool((await self._request("DELETE", f"/users/{user_id}/block"))["blocking"])

    async def mute(self, user_id: str) -> bool:
        """Quiet an account's posts and stories in my feed and tray; nothing else changes. Answers ``muting``."""
        return bool((await self._request("POST", f"/users/{user_id}/mute"))["muting"])

    async def unmute(self, user_id: str) -> bool:
        return bool((await self._request("DELETE", f"/users/{user_id}/mute"))["muting"])

    async def blocks(self, cursor: str | None = None, limit: int | None = None) -> Page[UserSummary]:
        return await self._page("/me/blocks", "users", UserSummary.from_json, cursor, limit)

    async def mutes(self, cursor: str | None = None, limit: int | None = None) -> Page[UserSummary]:
        return await self._page("/me/mutes", "users", UserSummary.from_json, cursor, limit)

    async def report(self, target_type: str, target_id: str, reason: str, note: str = "") -> str:
        """Report a post, comment or user to the moderators; answers the report's id (409 if already reported)."""
        body = {"target_type": target_type, "target_id": str(target_id), "reason": reason}
        if note.strip():
            body["note"] = note.strip()
        return str((await self._request("POST", "/reports", json=body))["report_id"])

    async def change_password(self, new_password: str, current_password: str | None = None) -> User:
        """Set a new password. The current one is needed, except right after signing in with a one-time password
        from an admin (``user.must_change_password``), when setting one's own is the first thing asked."""
        body = _clean({"current_password": current_password, "new_password": new_password})
        data = await self._request("POST", "/me/password", json=body)
        if data.get("token"):  # a server that signs other devices out issues this one a new token
            self.token = data["token"]
        return User.from_json(data["user"])

    # ---- admin console (moderators: reports only) -----------------------------------------------
    async def admin_reports(self, status: str = "open", cursor: str | None = None, limit: int | None = None) -> Page[Report]:
        data = await self._request("GET", "/admin/reports", params={"status": status, "cursor": cursor, "limit": limit})
        return Page(items=tuple(Report.from_json(r) for r in data.get("reports") or ()), next_cursor=data.get("next_cursor"))

    async def resolve_report(self, report_id: str, action: str, note: str = "") -> Report:
        """``action``: dismiss | remove | disable_user."""
        body = {"action": action}
        if note.strip():
            body["note"] = note.strip()
        return Report.from_json((await self._request("POST", f"/admin/reports/{report_id}/resolve", json=body))["report"])

    async def admin_users(self, query: str = "", cursor: str | None = None, limit: int | None = None) -> Page[AdminUser]:
        data = await self._request("GET", "/admin/users", params={"q": query.strip() or None, "cursor": cursor, "limit": limit})
        return Page(items=tuple(AdminUser.from_json(u) for u in data.get("users") or ()), next_cursor=data.get("next_cursor"))

    async def update_admin_user(self, user_id: str, *, role: str | None = None, disabled: bool | None = None) -> AdminUser:
        body = _clean({"role": role, "disabled": disabled})
        return AdminUser.from_json((await self._request("PATCH", f"/admin/users/{user_id}", json=body))["user"])

    async def reset_password(self, user_id: str) -> str:
        """A one-time temporary password for the account (shown once; it must then set its own)."""
        return str((await self._request("POST", f"/admin/users/{user_id}/reset_password"))["temporary_password"])

    async def create_invites(self, count: int) -> list[str]:
        return [str(c) for c in (await self._request("POST", "/admin/invites", json={"count": int(count)}))["codes"]]

    async def admin_invites(self) -> list[Invite]:
        return [Invite.from_json(i) for i in (await self._request("GET", "/admin/invites")).get("invites") or ()]

    async def admin_stats(self) -> AdminStats:
        return AdminStats.from_json(await self._request("GET", "/admin/stats"))

    async def admin_jobs(self, status: str = "failed") -> list[Job]:
        """The newest background jobs in ``status`` (queued, running, failed, done)."""
        return [Job.from_json(j) for j in (await self._request("GET", "/admin/jobs", params={"status": status})).get("jobs") or ()]

    async def retry_jobs(self, job_ids: Sequence[str] | None = None) -> int:
        """Queue these failed jobs again, or every failed job when ``job_ids`` is None; answers how many."""
        body = {"all": True} if job_ids is None else {"job_ids": [str(j) for j in job_ids]}
        return int((await self._request("POST", "/admin/jobs/retry", json=body)).get("retried") or 0)

    async def admin_settings(self) -> dict[str, object]:
        """The settings in force (secrets redacted by the server)."""
        return dict((await self._request("GET", "/admin/settings")).get("settings") or {})
    # ---- editing, albums, share links (docs/sharing.md) -----------------------------------------
    async def edit_post(self, post_id: str, *, caption: str | None = None, alt_texts: Sequence[str] | None = None) -> Post:
        body = _clean({"caption": caption, "alt_text": list(alt_texts) if alt_texts is not None else None})
        return Post.from_json((await self._request("PATCH", f"/posts/{post_id}", json=body))["post"])

    async def albums(self, cursor: str | None = None, limit: int | None = None) -> Page[Album]:
        return await self._page("/albums", "albums", Album.from_json, cursor, limit)

    async def create_album(self, title: str, description: str = "") -> Album:
        data = await self._request("POST", "/albums", json={"title": title, "description": description})
        return Album.from_json(data["album"])

    async def album(self, album_id: str, cursor: str | None = None, limit: int | None = None) -> tuple[Album, Page[AlbumItem]]:
        data = await self._request("GET", f"/albums/{album_id}", params={"cursor": cursor, "limit": limit})
        items = Page(items=tuple(AlbumItem.from_json(item) for item in data.get("items") or ()), next_cursor=data.get("next_cursor"))
        return Album.from_json(data["album"]), items

    async def delete_album(self, album_id: str) -> None:
        await self._request("DELETE", f"/albums/{album_id}")

    async def add_album_member(self, album_id: str, username: str, role: str = "contributor") -> Album:
        data = await self._request("POST", f"/albums/{album_id}/members", json={"user_id": _by_name(username), "role": role})
        return Album.from_json(data["album"])

    async def remove_album_member(self, album_id: str, user_id: str) -> Album | None:
        data = await self._request("DELETE", f"/albums/{album_id}/members/{user_id}")
        return Album.from_json(data["album"]) if data.get("album") else None

    async def add_to_album(self, album_id: str, post_ids: Sequence[str]) -> tuple[AlbumItem, ...]:
        data = await self._request("POST", f"/albums/{album_id}/items", json={"post_ids": list(post_ids)})
        return tuple(AlbumItem.from_json(item) for item in data.get("items") or ())

    async def remove_album_item(self, album_id: str, item_id: str) -> None:
        await self._request("DELETE", f"/albums/{album_id}/items/{item_id}")

    async def create_share_link(self, target_type: str, target_id: str | None = None, expires_in_days: int | None = None) -> ShareLink:
        body = _clean({"target_type": target_type, "target_id": target_id, "expires_in_days": expires_in_days})
        return ShareLink.from_json(await self._request("POST", "/share_links", json=body))

    async def share_links(self, cursor: str | None = None, limit: int | None = None) -> Page[ShareLink]:
        return await self._page("/share_links", "share_links", ShareLink.from_json, cursor, limit)

    async def revoke_share_link(self, link_id: str) -> None:
        await self._request("DELETE", f"/share_links/{link_id}")

    # ---- media bytes ---------------------------------------------------------------------------
    async def start_export(self) -> str:
        """Ask for a copy of my data; answers its export id (429 while one runs or soon after one)."""
        return str((await self._request("POST", "/me/export"))["export_id"])

    async def export_status(self, export_id: str) -> DataExport:
        return DataExport.from_json(await self._request("GET", f"/me/export/{export_id}"))

    async def download_to(self, url: str, dest: Path) -> int:
        """Stream a (signed) download into ``dest`` chunk by chunk; answers its size. A partial file is removed."""
        partial = dest.with_name(dest.name + ".part")
        size = 0
        try:
            async with self._http.stream("GET", url, timeout=httpx.Timeout(60.0, connect=CONNECT_TIMEOUT_SECONDS)) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise _error_from(response)
                with open(partial, "wb") as handle:
                    async for chunk in response.aiter_bytes():
                        handle.write(chunk)
                        size += len(chunk)
        except NETWORK_ERRORS as exc:
            partial.unlink(missing_ok=True)
            raise OfflineError(type(exc).__name__) from exc
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        partial.replace(dest)
        return size

    async def media_bytes(self, url: str, fmt: str = "jpeg") -> bytes:
        """A variant's bytes (JPEG by default: every image decoder reads it)."""
        try:
            response = await self._http.get(url, params={"format": fmt})
        except NETWORK_ERRORS as exc:
            raise OfflineError(type(exc).__name__) from exc
        if response.status_code >= 400:
            raise _error_from(response)
        return response.content


async def read_sse(lines: AsyncIterator[str]) -> AsyncIterator[LiveEvent]:
    """Server-Sent Events framing: ``event:`` and ``data:`` lines, a blank line ends an event, lines
    starting with ``:`` are comments (the server's heartbeats). Data that is not a JSON object is skipped."""
    name, data = "message", []
    async for line in lines:
        if not line:
            if data:
                try:
                    payload = json.loads("\n".join(data))
                except ValueError:
                    payload = None
                if isinstance(payload, dict):
                    yield LiveEvent(name, payload)
            name, data = "message", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            name = value or "message"
        elif field == "data":
            data.append(value)


def _error_from(response: httpx.Response) -> ApiError:
    code, message = "http_error", response.reason_phrase or f"HTTP {response.status_code}"
    try:
        error = response.json().get("error") or {}
        code, message = error.get("code") or code, error.get("message") or message
    except ValueError:
        pass
    return ApiError(response.status_code, code, message, _retry_after(response))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _by_name(username: str) -> str:
    """Users are addressed by name (``@name``) so callers never juggle two kinds of reference."""
    return "@" + username.lstrip("@")


def _clean(params: dict | None) -> dict | None:
    if params is None:
        return None
    return {key: value for key, value in params.items() if value is not None}
