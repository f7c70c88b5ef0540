"""Slow clients against a real ``photoshare serve``: a request head sent a byte at a time, and a body that
stalls, are cut off after the configured read timeouts; ordinary and idle keep-alive clients are not.

The server runs with 1-second timeouts, so every wait here is a few seconds at most (polled, bounded).
"""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.e2e.servers import ServerProcess

TIMEOUT_SECONDS = 1.0
CLOSE_BOUND_SECONDS = 8.0  # the watchdog closes within 1.25 timeouts; the rest is slack for a busy machine
SLOW_SOCKETS = 40


@pytest.fixture
def server(tmp_path):
    process = ServerProcess(tmp_path / "data", env={"PHOTOSHARE_HEADER_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS),
                                                    "PHOTOSHARE_BODY_TIMEOUT_SECONDS": str(TIMEOUT_SECONDS)}).start()
    yield process
    process.stop()
    assert process.process.returncode == 0, process.log_path.read_text()[-3000:]  # SIGTERM is a clean stop


async def closed_by_server(reader: asyncio.StreamReader, deadline: float) -> bool:
    """True once the server closes the connection (EOF or reset) before ``deadline``."""
    while time.monotonic() < deadline:
        try:
            data = await asyncio.wait_for(reader.read(65536), 0.2)
        except asyncio.TimeoutError:
            continue
        except ConnectionError:
            return True
        if not data:
            return True
    return False


async def trickle(writer: asyncio.StreamWriter, data: bytes, every: float) -> None:
    """Send ``data`` a byte at a time, ``every`` seconds apart (well inside any per-byte patience)."""
    try:
        for byte in data:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(every)
    except ConnectionError:
        return


async def test_headers_sent_a_byte_at_a_time_are_cut_off(server):
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Padding: " + b"p" * 200 + b"\r\n\r\n"
    connections = [await asyncio.open_connection("127.0.0.1", server.port) for _ in range(SLOW_SOCKETS)]
    senders = [asyncio.ensure_future(trickle(writer, head, 0.1)) for _, writer in connections]
    started = time.monotonic()
    try:
        closed = await asyncio.gather(*(closed_by_server(reader, started + CLOSE_BOUND_SECONDS) for reader, _ in connections))
        assert all(closed), f"{closed.count(False)} of {SLOW_SOCKETS} slow-header sockets still open"
        assert time.monotonic() - started >= TIMEOUT_SECONDS * 0.9  # cut by the header timeout, not at once
    finally:
        for task in senders:
            task.cancel()
        for _, writer in connections:
            writer.close()
    # The server answers others as before.
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert (await asyncio.wait_for(reader.read(), 10)).startswith(b"HTTP/1.1 200")
    writer.close()


async def test_a_connection_that_never_sends_a_request_is_cut_off(server):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        assert await closed_by_server(reader, time.monotonic() + CLOSE_BOUND_SECONDS)
    finally:
        writer.close()


async def test_a_stalled_body_is_cut_off(server):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 1000\r\n\r\n{\"username\": ")
        await writer.drain()
        started = time.monotonic()
        assert await closed_by_server(reader, started + CLOSE_BOUND_SECONDS)
        assert time.monotonic() - started >= TIMEOUT_SECONDS * 0.9
    finally:
        writer.close()


async def test_idle_keep_alive_and_steady_clients_are_not_cut_off(server):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        for _ in range(2):
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            await writer.drain()
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            assert head.startswith(b"HTTP/1.1 200")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            await asyncio.wait_for(reader.readexactly(length), 10)
            # Idle between requests for longer than the header timeout: keep-alive governs that, not the watchdog.
            assert not await closed_by_server(reader, time.monotonic() + TIMEOUT_SECONDS * 2)
        # A body that keeps coming, slowly but steadily, for longer than the body timeout is read to the end.
        body = b'{"username": "nobody_here", "password": "wrong password"}'
        writer.write(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode())
        await trickle(writer, body, (TIMEOUT_SECONDS * 2.5) / len(body))
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 401"), head
    finally:
        writer.close()
