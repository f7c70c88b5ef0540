"""Jobs as stream messages, and the views of the streams that admin commands and recovery need."""

from __future__ import annotations

import dataclasses
import os

import orjson

from ..clock import now_ms
from .base import Job
from .database import HOST, _pid_alive

# Messages looked at per consumer when a dead one's work is handed back, and per round when purging.
SCAN_BATCH = 1_000
MAX_PURGE_ROUNDS = 1_000  # bounds a purge of a runaway backlog at a million messages per stream


@dataclasses.dataclass
class StreamJob(Job):
    stream: str = ""
    message_id: str = ""



def text(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def job_fields(row) -> dict:
    """A stream message's fields for an outbox row (``attempts`` counts the runs before this message)."""
    return {"id": row["id"], "kind": row["kind"], "payload": row["payload"], "priority": row["priority"],
            "attempts": row["attempts"], "max_attempts": row["max_attempts"], "created_at": row["created_at"],
            "last_error": row["last_error"] or ""}


def job_from_message(stream: str, message_id, fields, delivered: int, status: str) -> StreamJob:
    """``fields``: a dict or Lua's flat [name, value, …] list; ``delivered``: times this message was handed out."""
    if not isinstance(fields, dict):
        fields = {fields[i]: fields[i + 1] for i in range(0, len(fields), 2)}
    values = {text(name): text(value) for name, value in fields.items()}
    now = now_ms()
    return StreamJob(
        id=int(values["id"]), kind=values["kind"], payload=orjson.loads(values["payload"]),
        priority=int(values["priority"]), status=status, attempts=int(values["attempts"]) + delivered,
        max_attempts=int(values["max_attempts"]), run_at=now, last_error=values.get("last_error") or None,
        created_at=int(values["created_at"]), updated_at=now, stream=stream, message_id=text(message_id),
    )


async def _last_delivered(client, stream: str, group: str) -> str | None:
    """The group's last delivered id: messages after it are waiting; None when the stream or group is gone."""
    try:
        groups = await client.xinfo_groups(stream)
    except Exception:  # no such key yet
        return None
    for info in groups:
        if text(info["name"]) == group:
            return text(info["last-delivered-id"])
    return None


async def stream_counts(client, streams: list[str], group: str) -> tuple[int, int]:
    """(waiting, running) over the streams. Finished messages are deleted, so length - pending = waiting."""
    pipe = client.pipeline(transaction=False)
    for stream in streams:
        pipe.xlen(stream)
        pipe.xpending(stream, group)
    replies = await pipe.execute(raise_on_error=False)
    waiting = running = 0
    for length, pending in zip(replies[::2], replies[1::2]):
        if isinstance(length, Exception) or isinstance(pending, Exception):
            continue  # the stream does not exist yet
        running += pending["pending"]
        waiting += length - pending["pending"]
    return waiting, running


async def stream_jobs(client, streams: list[str], group: str, status: str | None, limit: int) -> list[Job]:
    jobs: list[Job] = []
    for stream in streams:
        if status in (None, "running"):
            jobs += await _running(client, stream, group, limit)
        if status in (None, "queued"):
            last = await _last_delivered(client, stream, group)
            if last is not None:
                for message_id, fields in await client.xrange(stream, min=f"({last}", max="+", count=limit):
                    jobs.append(job_from_message(stream, message_id, fields, 0, "queued"))
    return jobs


async def _running(client, stream: str, group: str, limit: int) -> list[Job]:
    try:
        pending = await client.xpending_range(stream, group, min="-", max="+", count=limit)
    except Exception:  # no such stream or group yet
        return []
    jobs = []
    for entry in pending:
        found = await client.xrange(stream, min=entry["message_id"], max=entry["message_id"])
        if found:
            message_id, fields = found[0]
            jobs.append(job_from_message(stream, message_id, fields, entry["times_delivered"], "running"))
    return jobs


async def purge_waiting(client, streams: list[str], group: str) -> int:
    """Delete every message not yet handed out; running ones finish (or fail) as usual."""
    removed = 0
    for stream in streams:
        last = await _last_delivered(client, stream, group)
        if last is None:
            continue
        for _ in range(MAX_PURGE_ROUNDS):
            batch = [message_id for message_id, _ in await client.xrange(stream, min=f"({last}", max="+", count=SCAN_BATCH)]
            if not batch:
                break
            removed += await client.xdel(stream, *batch)
    return removed


async def release_dead_consumers(client, streams: list[str], group: str, me: str, lease_ms: int) -> int:
    """Make the messages of crashed processes on this host claimable now, and forget those consumers.

    A consumer is named host:pid:start. One on this host whose pid is gone (or is ours, from an earlier
    run in a container) cannot be running anything. Its messages are moved to us marked idle for a whole
    lease, so the next claim's XAUTOCLAIM hands them out as it would after the lease.
    """
    released = 0
    for stream in streams:
        try:
            consumers = await client.xinfo_consumers(stream, group)
        except Exception:  # no such stream or group yet
            continue
        for info in consumers:
            name = text(info["name"])
            if name == me or not name.startswith(HOST + ":"):
                continue
            pid = int(name.rsplit(":", 2)[1])
            if pid != os.getpid() and _pid_alive(pid):
                continue  # another live process on this host (a worker)
            while True:
                pending = await client.xpending_range(stream, group, min="-", max="+", count=SCAN_BATCH, consumername=name)
                if not pending:
                    break
                ids = [entry["message_id"] for entry in pending]
                await client.xclaim(stream, group, me, 0, ids, idle=lease_ms, justid=True)
                released += len(ids)
            await client.xgroup_delconsumer(stream, group, name)
    return released

