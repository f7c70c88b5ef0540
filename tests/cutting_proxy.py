"""A TCP proxy for tests of flaky links: it forwards both ways and cuts the connection every ``cut_every``
bytes sent towards the server, counting what it forwarded.

At a cut the bytes up to the boundary reach the server, which then sees its client go away (a FIN, so
the server reads everything forwarded before the end); the client's side is reset, as a dropped mobile
link would be. The next connection carries on counting towards the next boundary.
"""

from __future__ import annotations

import asyncio
import contextlib

PIPE_BYTES = 64 * 1024


class CuttingProxy:
    def __init__(self, target_port: int, cut_every: int | None, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.cut_every = cut_every
        self.next_cut = cut_every
        self.forwarded_up = 0  # bytes delivered to the server, all connections together
        self.cuts = 0
        self.connections = 0
        self._server: asyncio.AbstractServer | None = None

    @property
    def port(self) -> int:
        return self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> "CuttingProxy":
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)

    async def __aenter__(self) -> "CuttingProxy":
        return await self.start()

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    async def _handle(self, client_reader, client_writer) -> None:
        self.connections += 1
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        down = asyncio.ensure_future(self._pipe(server_reader, client_writer))
        try:
            await self._pipe_up(client_reader, server_writer, client_writer)
        finally:
            down.cancel()
            with contextlib.suppress(BaseException):
                await down
            for writer in (server_writer, client_writer):
                with contextlib.suppress(Exception):
                    writer.close()

    async def _pipe_up(self, reader, server_writer, client_writer) -> None:
        while True:
            try:
                data = await reader.read(PIPE_BYTES)
            except ConnectionError:
                return
            if not data:
                with contextlib.suppress(Exception):
                    server_writer.write_eof()
                    await server_writer.drain()
                return
            if self.next_cut is not None and self.forwarded_up + len(data) >= self.next_cut:
                keep = self.next_cut - self.forwarded_up
                server_writer.write(data[:keep])
                with contextlib.suppress(ConnectionError):
                    await server_writer.drain()
                self.forwarded_up += keep
                self.next_cut += self.cut_every
                self.cuts += 1
                client_writer.transport.abort()  # the client's link drops...
                server_writer.close()  # ...and the server sees its client go, after every byte that got through
                return
            server_writer.write(data)
            try:
                await server_writer.drain()
            except ConnectionError:
                return
            self.forwarded_up += len(data)

    async def _pipe(self, reader, writer) -> None:
        try:
            while data := await reader.read(PIPE_BYTES):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()
