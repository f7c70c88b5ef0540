"""Run an upload queue in its own process, so a test can kill it mid-upload.

Usage: python -m tests.client.queue_process QUEUE_DIR SERVER_URL TOKEN BYTES_PER_SECOND [--wait]

With ``--wait`` it prints ``ready`` once set up and waits for a line on stdin before delivering, so a
test can measure the process at rest (its memory) before the upload starts.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from app.api_client import ApiClient
from app.upload_queue import UploadQueue


async def main(folder: str, url: str, token: str, rate: str, *options: str) -> None:
    api = ApiClient(url, token)
    queue = UploadQueue(Path(folder), api, max_bytes_per_second=int(rate) or None)
    if "--wait" in options:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
    await queue.run(until_idle=True)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:]))
