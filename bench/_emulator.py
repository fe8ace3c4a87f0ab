"""Helpers for the emulator benchmarks: start ``talkwidgets serve`` in a subprocess (from this
checkout or from another one, for a before/after run), and a lean HTTP/1.1 client.

The lean client exists because the benchmarks measure the server. httpx spends about as long per
request in the client as a lean server spends answering it (measured on the benchmark machine:
~0.6 ms per POST against a server that answers ``{}``, next to ~0.1 ms for this client), and the
baselines' senders are bare WebSocket clients. A benchmark that wants the user's view (a Python
client with httpx) can still use httpx.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.process_support import free_port, stop_process

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "bench"
SECRET = "sk_test_bench_secret_key_0123456789abcdef"


@dataclass
class Checkout:
    """Where the emulator's code comes from: this checkout, or another one (``--before``)."""

    root: Path = ROOT
    python: str = sys.executable
    label: str = "emulator"


class Emulator:
    """``talkwidgets serve`` on a free port, started from a checkout; ``stop()`` ends it."""

    def __init__(self, checkout: Checkout, db: str = ":memory:", extra: list[str] | None = None) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.api = f"{self.base}/v1/{APP_ID}"
        self.ws = f"ws://127.0.0.1:{self.port}/v1/{APP_ID}/feed"
        args = ["serve", "--port", str(self.port), "--app-id", APP_ID, "--secret-key", SECRET]
        args += ["--log-level", "error", "--db", db, *(extra or [])]
        # -m with cwd=root: the checkout's own talkwidgets package is imported, not the installed one
        self.proc = subprocess.Popen(
            [checkout.python, "-m", "talkwidgets", *args],
            cwd=checkout.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )

    async def ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=5) as http:
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(f"{self.base}/_emulator/health")).status_code == 200:
                        return
                if self.proc.poll() is not None:
                    err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                    raise RuntimeError(f"the emulator exited: {err}")
                await asyncio.sleep(0.05)
        raise RuntimeError("the emulator did not start")

    def stop(self) -> None:
        stop_process(self.proc)


class LeanHttp:
    """One keep-alive HTTP/1.1 connection: requests written in one piece, answers read by
    ``Content-Length`` (what the emulator sends). Enough for a benchmark's sender, nothing more."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, token: str) -> None:
        self.reader, self.writer = reader, writer
        self.head = f"host: {host}\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\n"

    @classmethod
    async def open(cls, port: int, token: str = SECRET) -> LeanHttp:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, f"127.0.0.1:{port}", token)

    def request_bytes(self, method: str, path: str, body: bytes = b"") -> bytes:
        return f"{method} {path} HTTP/1.1\r\n{self.head}content-length: {len(body)}\r\n\r\n".encode() + body

    async def send(self, raw: bytes) -> tuple[int, bytes]:
        """Write a prepared request (:meth:`request_bytes`) and read its answer."""
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        length = None
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
            elif name.strip().lower() == b"transfer-encoding":
                raise RuntimeError("LeanHttp reads Content-Length answers only")
        return status, await self.reader.readexactly(length or 0)

    async def call(self, method: str, path: str, value: Any = None) -> tuple[int, Any]:
        body = b"" if value is None else json.dumps(value).encode()
        status, answer = await self.send(self.request_bytes(method, path, body))
        return status, json.loads(answer) if answer else None

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()
