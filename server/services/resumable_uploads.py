"""Resumable uploads (tus 1.0.0): create, receive chunks at an offset, report it, terminate, expire, publish.

An upload is a ``tus_uploads`` row (the offset, S3 parts, the write lock) beside a pending ``uploads`` row
with the same id, so ``POST /posts {upload_ids}`` takes a finished one as it takes a direct upload: its
bytes are sniffed, size-checked and inspected (pixel bombs, video limits) when the post is made, and a
refused file is removed.

- **Durable offsets.** A byte is counted (the offset HEAD reports) only once it is fsynced or stored as
  an S3 part, and a long PATCH records its progress every ``COMMIT_BYTES``: a server killed mid-upload
  resumes at the last recorded offset. A PATCH cut off by the network keeps every byte that arrived.
- **One writer.** A PATCH holds the upload's lock (a lease in the row, renewed at each commit); a second
  PATCH meanwhile gets 409. A lock whose process died on this host is taken over at once (the same
  identity the job queue uses), any other when its lease runs out.
- **Checksums.** With ``Upload-Checksum: sha256 …`` nothing of the PATCH is kept until its hash matches
  (460 otherwise); hashing runs in a thread with the writes, never on the event loop.
- **Expiry.** An unfinished upload expires ``tus_upload_lifetime_hours`` after creation (``Upload-Expires``);
  a finished one not made into a post, a day after it finished. A job then removes its bytes and aborts
  its S3 multipart upload.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import os
import secrets
import socket
from typing import Any, Awaitable, Callable

from ..clock import now_ms
from ..context import Context
from ..jobs.base import PRIORITY_CLEANUP
from ..jobs.database import enqueue_in, process_identity
from ..repos import tus_uploads as tus_repo
from ..repos import uploads as uploads_repo
from ..resumable.base import ChunkWriter, Progress, ResumableStore
from ..resumable.s3 import staged_key
from ..stores.base import Conn, IntegrityError
from ..web.errors import ApiError, Conflict, InvalidInput, NotFound
from .direct_uploads import PHOTO_TYPES, UNUSED_UPLOAD_LIFETIME_MS, VIDEO_TYPES
from .intake import check_file, stream_to_file

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,creation-with-upload,termination,expiration,checksum"
CHECKSUM_ALGORITHMS = "sha256"
LOCK_MS = 60_000  # a writer that vanished (on another host) frees its upload after this
# A writer renews its lease before writing whenever this much of it has passed, so no byte is ever written
# under a lease that could have lapsed (a client stalling mid-chunk for longer than the lease included).
RENEW_AFTER_MS = LOCK_MS // 4
COMMIT_BYTES = 16 * 1024 * 1024  # a long PATCH records its offset at least this often (fsync + a row update)
BATCH_BYTES = 1024 * 1024  # bytes gathered before one write (and hash) in a thread
READ_BYTES = 256 * 1024
MAX_METADATA_CHARS = 4_096  # a file name and type need far less; a header this long is abuse
MAX_IDEMPOTENCY_KEY_CHARS = 128
HOST = socket.gethostname()
# HEAD while a PATCH is still settling (its client just went away and it is recording what arrived) waits
# this long for it, so a client resuming at once learns the offset with the cut chunk's bytes.
SETTLE_SECONDS = 2.0
SETTLE_POLL_SECONDS = 0.02
GONE_STATES = {"refused", "terminated", "expired"}


class ChecksumMismatch(ApiError):
    status, code = 460, "checksum_mismatch"  # the status tus's checksum extension defines


class Gone(ApiError):
    status, code = 410, "upload_gone"


class TooLarge(ApiError):
    status, code = 413, "too_large"  # tus's status for a length over Tus-Max-Size or past Upload-Length


def parse_metadata(header: str | None) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64value`` pairs (the value may be absent)."""
    if not header:
        return {}
    if len(header) > MAX_METADATA_CHARS:
        raise InvalidInput(f"Upload-Metadata may be at most {MAX_METADATA_CHARS} characters.")
    found: dict[str, str] = {}
    for pair in header.split(","):
        parts = pair.strip().split(" ")
        key = parts[0]
        if not key or len(parts) > 2 or not key.isascii() or not key.isprintable() or key in found:
            raise InvalidInput("Upload-Metadata must be comma-separated 'key base64value' pairs with distinct keys.")
        try:
            value = base64.b64decode(parts[1], validate=True).decode("utf-8") if len(parts) == 2 else ""
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidInput(f"Upload-Metadata: the value of {key!r} is not base64-encoded UTF-8.") from None
        if "\x00" in value:
            raise InvalidInput(f"Upload-Metadata: the value of {key!r} contains a NUL character.")
        found[key] = value
    return found


def parse_checksum(header: str | None) -> bytes | None:
    """``Upload-Checksum: sha256 <base64 digest>``: the expected digest, or None without the header."""
    if header is None:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    if algorithm.lower() != "sha256":
        raise InvalidInput("Upload-Checksum: only sha256 is supported (Tus-Checksum-Algorithm).", code="unsupported_checksum")
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error:
        digest = b""
    if len(digest) != 32:
        raise InvalidInput("Upload-Checksum must be 'sha256 <base64 of the 32-byte digest>'.")
    return digest


def _holder_is_dead(holder: str | None) -> bool:
    """Whether a lock's holder was a process on this host that is gone (killed, or an earlier run)."""
    if not holder:
        return False
    identity = holder.split("#", 1)[0]
    parts = identity.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != HOST:
        return False
    try:
        pid = int(parts[1])
    except ValueError:
        return False
    if identity == process_identity():
        return False
    if pid == os.getpid():
        return True  # this pid in an earlier run (a container restarts with the same pids)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class ResumableUploads:
    def __init__(self, ctx: Context, store: ResumableStore) -> None:
        self.ctx = ctx
        self.store = store
        # PATCHes this process is handling, per upload, counted from their first moment (before the lock):
        # a HEAD waits for them too, not only for a lock already taken.
        self._arriving: dict[int, int] = {}
        # The SHA-256 of each upload's bytes so far, kept while this process receives it in order, so a finished
        # upload is not read again to be hashed (any gap, rollback or other process: it is hashed from the file).
        self._running: dict[int, tuple[int, Any]] = {}
        self._finished_sha256: dict[int, str] = {}

    def job_handlers(self) -> dict:
        return {"expire_tus_upload": self._expire}

    @property
    def lifetime_ms(self) -> int:
        return self.ctx.settings.tus_upload_lifetime_hours * 3600 * 1000

    @property
    def max_size(self) -> int:
        return max(self.ctx.settings.max_photo_bytes, self.ctx.settings.max_video_bytes)

    # -- creation ----------------------------------------------------------------------------------
    async def create(self, user_id: int, length: int | None, metadata_header: str | None, idempotency_key: str | None,
                     defer_length: bool = False) -> Any:
        """A new upload (or, for an Idempotency-Key already used, the upload it made); answers its row."""
        if length is None:
            if defer_length:
                raise InvalidInput("Upload-Defer-Length is not supported: send Upload-Length.", code="length_required")
            raise InvalidInput("Upload-Length must be the file's size in bytes.", code="length_required")
        metadata = parse_metadata(metadata_header)
        filetype = metadata.get("filetype", "").lower()
        limit = self.ctx.settings.max_photo_bytes if filetype in PHOTO_TYPES else self.max_size
        if length <= 0:
            raise InvalidInput("The file is empty: Upload-Length must be at least 1.", code="invalid_media")
        if length > limit:
            raise TooLarge(f"The file is larger than {limit // (1024 * 1024)} MB.")
        if idempotency_key is not None:
            idempotency_key = idempotency_key.strip()
            if not idempotency_key or len(idempotency_key) > MAX_IDEMPOTENCY_KEY_CHARS or not idempotency_key.isprintable():
                raise InvalidInput(f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} printable characters.")
            existing = await self.ctx.db.read(lambda conn: tus_repo.by_key(conn, user_id, idempotency_key))
            if existing is not None and existing["state"] not in GONE_STATES:
                return existing
        upload_id = self.ctx.ids.next_id()
        multipart_id = await self.store.begin(upload_id)
        now = now_ms()
        expires_at = now + self.lifetime_ms
        content_type = filetype if filetype in PHOTO_TYPES | VIDEO_TYPES else "application/octet-stream"

        def unit(conn: Conn) -> None:
            if idempotency_key is not None:
                tus_repo.forget_key(conn, user_id, idempotency_key)  # a gone upload's key may start a new one
            uploads_repo.reserve(conn, upload_id=upload_id, user_id=user_id, content_type=content_type, declared_size=length,
                                 declared_sha256=None, expires_at=expires_at, created_at=now)
            tus_repo.create(conn, upload_id=upload_id, user_id=user_id, length=length, metadata=metadata_header or "",
                            multipart_id=multipart_id, idempotency_key=idempotency_key, expires_at=expires_at, created_at=now)
            enqueue_in(conn, "expire_tus_upload", {"upload_id": upload_id, "multipart_id": multipart_id}, PRIORITY_CLEANUP,
                       delay_ms=self.lifetime_ms)

        try:
            await self.ctx.db.write(unit)
        except IntegrityError:  # the same key raced in from a parallel retry
            await self.store.discard(upload_id, multipart_id)
            existing = await self.ctx.db.read(lambda conn: tus_repo.by_key(conn, user_id, idempotency_key))
            if existing is None:
                raise
            return existing
        self.ctx.job_committed()
        return await self.ctx.db.read(lambda conn: tus_repo.by_id(conn, upload_id))

    # -- reading -----------------------------------------------------------------------------------
    async def current(self, user_id: int, upload_id: int, settle: bool = False) -> Any:
        """The caller's upload as HEAD reports it: 404 for another's or a terminated one, 410 once it is gone.
        With ``settle``, a write in progress is given a moment to finish first."""
        row = await self.ctx.db.read(lambda conn: tus_repo.of_user(conn, upload_id, user_id))
        deadline = asyncio.get_running_loop().time() + SETTLE_SECONDS
        while settle and row is not None and asyncio.get_running_loop().time() < deadline and (
                self._arriving.get(upload_id) or (row["locked_by"] and (row["locked_until"] or 0) > now_ms()
                                                  and not _holder_is_dead(row["locked_by"]))):
            await asyncio.sleep(SETTLE_POLL_SECONDS)
            row = await self.ctx.db.read(lambda conn: tus_repo.of_user(conn, upload_id, user_id))
        if row is None or row["state"] == "terminated":
            raise NotFound("No such upload.")
        if row["state"] in GONE_STATES:
            raise Gone(f"This upload was {row['state']}; start a new one.")
        if row["state"] == "receiving" and row["expires_at"] <= now_ms():
            raise Gone("This upload expired before it was finished; start a new one.")
        return row

    # -- receiving ---------------------------------------------------------------------------------
    async def append(self, user_id: int, upload_id: int, offset: int, read: Callable[[], Awaitable[bytes]],
                     content_length: int | None, checksum: bytes | None) -> Any:
        """Store a PATCH's bytes at ``offset``; answers the row with its new offset."""
        self._arriving[upload_id] = self._arriving.get(upload_id, 0) + 1
        try:
            return await self._append(user_id, upload_id, offset, read, content_length, checksum)
        finally:
            self._arriving[upload_id] -= 1
            if not self._arriving[upload_id]:
                del self._arriving[upload_id]

    async def _append(self, user_id: int, upload_id: int, offset: int, read: Callable[[], Awaitable[bytes]],
                      content_length: int | None, checksum: bytes | None) -> Any:
        row = await self.current(user_id, upload_id)
        if row["state"] != "receiving" or offset != row["received"]:
            raise Conflict(f"The upload is at offset {row['received']}, not {offset}: ask with HEAD and send from there.",
                           code="offset_mismatch")
        if content_length is not None and offset + content_length > row["length"]:
            raise TooLarge(f"The chunk would go past the upload's length ({row['length']} bytes).")
        holder = await self._lock(row)
        stored = None
        try:
            stored = await self._receive(row, holder, read, checksum)
        finally:
            await self.ctx.db.write(lambda conn: tus_repo.unlock(conn, upload_id, holder))
            if stored is None:  # the chunk failed: it may have been cancelled meanwhile
                after = await self.ctx.db.read(lambda conn: tus_repo.by_id(conn, upload_id))
                if after is None or after["state"] in ("terminated", "expired"):
                    await self.store.discard(upload_id, row["multipart_id"])  # cancelled while this PATCH held it
        return stored

    async def _lock(self, row: Any) -> str:
        upload_id = row["id"]
        holder = f"{process_identity()}#{secrets.token_hex(6)}"
        current = row["locked_by"]
        stale = {current} if current and _holder_is_dead(current) else set()
        now = now_ms()
        attempt = asyncio.ensure_future(self.ctx.db.write(lambda conn: tus_repo.lock(conn, upload_id, holder, now + LOCK_MS, now, stale)))
        try:
            taken = await asyncio.shield(attempt)
        except asyncio.CancelledError:  # the client went away meanwhile: a lock taken all the same is given back
            if await attempt:
                await self.ctx.db.write(lambda conn: tus_repo.unlock(conn, upload_id, holder))
            raise
        if not taken:
            raise Conflict("Another request is writing this upload right now; ask with HEAD and try again.",
                           code="upload_locked", headers={"Retry-After": "1"})
        return holder

    async def _receive(self, row: Any, holder: str, read: Callable[[], Awaitable[bytes]], checksum: bytes | None) -> dict:
        """Store the chunk; answers the row as it now stands."""
        writer = await self.store.open_writer(row)
        try:
            if writer.offset != row["received"]:
                # Bytes the row counted are not here (a buffer left on another host): the client resends them.
                await self._record(row, holder, Progress(writer.offset, tus_repo.parts_of(row), row["parts_bytes"]))
                raise Conflict(f"The upload is at offset {writer.offset}: ask with HEAD and send from there.", code="offset_mismatch")
            room = row["length"] - writer.offset
            digest = hashlib.sha256() if checksum is not None else None
            at, running = self._running.pop(row["id"], (0, None))
            if at != writer.offset or (running is None and writer.offset):
                running = None
            elif running is None:
                running = hashlib.sha256()
            try:
                room = await self._copy_body(row, holder, writer, read, room, digest, running)
            except (ConnectionError, asyncio.CancelledError, *_payload_errors()) as cut:
                # The client went away mid-chunk: keep what arrived (unless its checksum can no longer be checked).
                if digest is None and writer.pending:
                    progress = await asyncio.shield(self._commit(row, holder, writer))
                    if running is not None:
                        self._running[row["id"]] = (progress.received, running)
                raise cut
            if digest is not None and digest.digest() != checksum:
                await writer.rollback()
                raise ChecksumMismatch("The chunk's SHA-256 does not match Upload-Checksum; nothing of it was kept.")
            progress = await self._commit(row, holder, writer)
            if progress.received == row["length"]:
                expires_at = await self._finish(row, writer)
                if running is not None:
                    self._finished_sha256[row["id"]] = running.hexdigest()
                return {**row, "received": progress.received, "state": "complete", "expires_at": expires_at}
            if running is not None:
                self._running[row["id"]] = (progress.received, running)
            return {**row, "received": progress.received}
        finally:
            await writer.close()

    async def _copy_body(self, row: Any, holder: str, writer: ChunkWriter, read, room: int, digest, running) -> int:
        batch: list[bytes] = []
        batched = 0
        renewed = now_ms()
        while True:
            try:
                chunk = await read()
            except BaseException:
                if batch and digest is None and batched <= room:  # what arrived before the cut is kept
                    await asyncio.to_thread(_write, writer, b"".join(batch), None, running)
                raise
            if chunk:
                batch.append(chunk)
                batched += len(chunk)
            if batched and (not chunk or batched >= BATCH_BYTES):
                if batched > room:
                    await writer.rollback()
                    raise TooLarge(f"The chunk goes past the upload's length ({row['length']} bytes); nothing of it was kept.")
                data = b"".join(batch)
                batch, batched = [], 0
                room -= len(data)
                if now_ms() - renewed > RENEW_AFTER_MS:
                    await self._renew(row, holder)
                    renewed = now_ms()
                await asyncio.to_thread(_write, writer, data, digest, running)
                if digest is None and writer.pending >= COMMIT_BYTES:
                    await self._commit(row, holder, writer)
                    renewed = now_ms()
            if not chunk:
                return room

    async def _renew(self, row: Any, holder: str) -> None:
        if not await self.ctx.db.write(lambda conn: tus_repo.renew(conn, row["id"], holder, now_ms() + LOCK_MS)):
            await writer_lost(self, row)

    async def _commit(self, row: Any, holder: str, writer: ChunkWriter) -> Progress:
        progress = await writer.commit()
        await self._record(row, holder, progress)
        await writer.settle()
        return progress

    async def _record(self, row: Any, holder: str, progress: Progress) -> None:
        until = now_ms() + LOCK_MS

        def unit(conn: Conn) -> bool:
            return tus_repo.record_progress(conn, row["id"], holder, received=progress.received, parts=progress.parts,
                                            parts_bytes=progress.parts_bytes, locked_until=until)

        if not await self.ctx.db.write(unit):
            await writer_lost(self, row)

    async def _finish(self, row: Any, writer: ChunkWriter) -> int:
        """Every byte is in: assemble it, and give the client a day to make it into a post (answers that time)."""
        await writer.finish()
        expires_at = now_ms() + UNUSED_UPLOAD_LIFETIME_MS
        await self.ctx.db.write(lambda conn: tus_repo.set_state(conn, row["id"], "complete", expires_at=expires_at,
                                                                only_from=("receiving",)))
        return expires_at

    # -- termination and expiry --------------------------------------------------------------------
    async def terminate(self, user_id: int, upload_id: int) -> None:
        """DELETE: the upload and its bytes go; a PATCH still running stops at its next commit."""
        row = await self.ctx.db.read(lambda conn: tus_repo.of_user(conn, upload_id, user_id))
        if row is None or row["state"] in ("terminated", "checked"):
            raise NotFound("No such upload.")

        def unit(conn: Conn) -> None:
            tus_repo.set_state(conn, upload_id, "terminated", only_from=("receiving", "complete", "refused", "expired"))
            uploads_repo.expire_pending(conn, upload_id)

        await self.ctx.db.write(unit)
        self._forget(upload_id)
        holder = await self.ctx.db.read(lambda conn: tus_repo.holder_of(conn, upload_id))
        if holder is None or _holder_is_dead(holder):
            await self.store.discard(upload_id, row["multipart_id"])
        # else: the writer holding it discards the bytes when its next commit finds the upload terminated

    def _forget(self, upload_id: int) -> None:
        self._running.pop(upload_id, None)
        self._finished_sha256.pop(upload_id, None)

    async def _expire(self, payload: dict) -> None:
        upload_id, multipart_id = payload["upload_id"], payload.get("multipart_id")
        self._forget(upload_id)
        row = await self.ctx.db.read(lambda conn: tus_repo.by_id(conn, upload_id))
        if row is None:  # the account was deleted: only the bytes are left
            await self.store.discard(upload_id, multipart_id)
            return
        if row["state"] == "checked":
            return  # its uploads row took over (the expire_upload job of direct uploads)
        now = now_ms()
        if row["state"] in ("receiving", "complete") and row["expires_at"] > now:
            def later(conn: Conn) -> None:  # finished since: it has a day more to become a post
                enqueue_in(conn, "expire_tus_upload", payload, PRIORITY_CLEANUP, delay_ms=row["expires_at"] - now)

            await self.ctx.db.write(later)
            self.ctx.job_committed()
            return

        def unit(conn: Conn) -> None:
            tus_repo.set_state(conn, upload_id, "expired", only_from=("receiving", "complete"))
            uploads_repo.expire_pending(conn, upload_id)

        await self.ctx.db.write(unit)
        await self.store.discard(upload_id, multipart_id)

    # -- publishing --------------------------------------------------------------------------------
    async def check_for_post(self, user_id: int, upload_ids: list[int]) -> None:
        """Before POST /posts takes uploads: check the caller's finished resumable uploads among them, as a
        direct upload's bytes are checked (sniffed, size, inspected), and store each as an original.
        Unfinished ones are left alone: taking them in then says they are incomplete."""
        rows = await self.ctx.db.read(lambda conn: tus_repo.of_user_among(conn, user_id, upload_ids))
        for row in rows:
            if row["state"] == "receiving" and row["received"] == row["length"]:
                row = await self._finish_interrupted(row)  # a crash came between the last byte and assembling
            if row["state"] == "complete":
                await self._check_one(row)

    async def _finish_interrupted(self, row: Any) -> Any:
        holder = await self._lock(row)
        try:
            if await self.store.assembled(row["id"], row["length"]):  # assembled, but not yet recorded as such
                await self.ctx.db.write(lambda conn: tus_repo.set_state(
                    conn, row["id"], "complete", expires_at=now_ms() + UNUSED_UPLOAD_LIFETIME_MS, only_from=("receiving",)))
            else:
                writer = await self.store.open_writer(row)
                try:
                    if writer.offset == row["length"]:
                        await self._finish(row, writer)
                    else:  # bytes the row counted are gone: the client sends them again (take_in says incomplete)
                        await self._record(row, holder, await writer.commit())
                finally:
                    await writer.close()
        finally:
            await self.ctx.db.write(lambda conn: tus_repo.unlock(conn, row["id"], holder))
        return await self.ctx.db.read(lambda conn: tus_repo.by_id(conn, row["id"]))

    async def _check_one(self, row: Any) -> None:
        upload_id = row["id"]
        holder = await self._lock(row)
        try:
            upload = dict(await self.ctx.db.read(lambda conn: uploads_repo.by_id(conn, upload_id)))
            try:
                incoming = await self._checked_file(row)
                if upload["content_type"] not in PHOTO_TYPES | VIDEO_TYPES:
                    upload["content_type"] = incoming.sniffed.content_type  # no filetype was announced: the bytes say
                await self.ctx.uploads.receive(upload, incoming)
            except ApiError:
                def refuse(conn: Conn) -> None:
                    tus_repo.set_state(conn, upload_id, "refused", only_from=("complete",))
                    uploads_repo.expire_pending(conn, upload_id)

                await self.ctx.db.write(refuse)
                await self.store.discard(upload_id, None)
                raise
            await self.ctx.db.write(lambda conn: tus_repo.set_state(conn, upload_id, "checked", only_from=("complete",)))
            if self.store.local_file(upload_id) is None:
                await self.ctx.blobs.delete(staged_key(upload_id))
        finally:
            await self.ctx.db.write(lambda conn: tus_repo.unlock(conn, upload_id, holder))

    async def _checked_file(self, row: Any):
        path = self.store.local_file(row["id"])
        if path is not None:
            return await check_file(path, self.ctx.settings, max_bytes=row["length"],
                                    sha256=self._finished_sha256.pop(row["id"], None))
        chunks = self.ctx.blobs.read_chunks(staged_key(row["id"]))
        try:
            return await stream_to_file(lambda: anext(chunks, b""), str(self.ctx.media.tmp_dir()), self.ctx.settings,
                                        max_bytes=row["length"])
        finally:
            await chunks.aclose()


async def writer_lost(uploads: ResumableUploads, row: Any) -> None:
    """This PATCH no longer holds its upload: it was cancelled or expired (its bytes go), or its lease lapsed."""
    current = await uploads.ctx.db.read(lambda conn: tus_repo.by_id(conn, row["id"]))
    if current is None or current["state"] in GONE_STATES:
        await uploads.store.discard(row["id"], row["multipart_id"])
        raise Gone("This upload was cancelled or expired while the chunk arrived.")
    raise Conflict("This upload's lock was lost (the request stalled too long); ask with HEAD and resume.", code="upload_locked")


def _write(writer: ChunkWriter, data: bytes, digest, running) -> None:
    writer.write(data)
    for hasher in (digest, running):  # hashlib releases the GIL for large inputs: other requests go on meanwhile
        if hasher is not None:
            hasher.update(data)


def _payload_errors() -> tuple:
    from aiohttp import ClientPayloadError
    from aiohttp.http_exceptions import HttpProcessingError

    return (ClientPayloadError, HttpProcessingError)
