"""``talkwidgets serve`` as a subprocess for session tests (started on a free port, killed with -9
to test restarts, stopped for good at the end), and a TCP relay that cuts a client off the network."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.process_support import free_port, stop_process

__all__ = ["Cut", "free_port", "kill_hard", "start_serve", "stop_process"]


def start_serve(
    db: Path | str, port: int, app_id: str, secret: str, *, seed: Path | None = None, log_level: str | None = None
) -> subprocess.Popen[Any]:
    """Start ``talkwidgets serve`` and wait (bounded) until its health check answers.

    ``log_level="info"`` adds the access log to its output (the pipe holds about 64 KiB unread:
    enough for a few hundred requests)."""
    args = [sys.executable, "-m", "talkwidgets", "serve", "--db", str(db), "--port", str(port)]
    args += ["--app-id", app_id, "--secret-key", secret]
    if seed is not None:
        args += ["--seed", str(seed)]
    if log_level is not None:
        args += ["--log-level", log_level]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            raise AssertionError(f"talkwidgets serve exited: {out}")
        time.sleep(0.05)
    stop_process(proc)
    raise AssertionError("talkwidgets serve did not start within 60 s")


def kill_hard(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL: the server gets no chance to close anything (its SQLite file stays as it was)."""
    proc.kill()
    proc.wait(10)
    if proc.stdout is not None:
        proc.stdout.close()


class Cut:
    """A TCP relay on a free loopback port in front of a server, that a test can cut and restore.

    ``cut()`` drops every relayed connection and stops accepting new ones (connections are
    refused, as if the network were down); ``restore()`` accepts again on the same port. Only
    bytes pass through it: what it tests is the client's own reconnecting.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def restore(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port, reuse_address=True)

    async def cut(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        if server is not None:
            await server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.transport.abort()
                self._writers.discard(dst)

        await asyncio.gather(pump(reader, up_writer), pump(up_reader, writer))
