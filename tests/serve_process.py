"""``talkwidgets serve`` as a real subprocess in tests: its output read line by line, bounded waits.

Registered as a pytest plugin (tests/conftest.py): the ``procs`` fixture starts servers and kills
whatever is left at the end of the test.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.process_support import free_port

TIMEOUT = 20  # only to avoid hanging


class Proc:
    """A ``talkwidgets serve`` subprocess whose output is collected line by line."""

    def __init__(self, *args: str, port: int | None = None) -> None:
        self.port = port or free_port()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "talkwidgets", "serve", "--port", str(self.port), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            self.lines.put(line.rstrip("\n"))

    def read_until(self, needle: str) -> list[str]:
        deadline = time.monotonic() + TIMEOUT
        while not any(needle in line for line in self.output):
            try:
                self.output.append(self.lines.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                pytest.fail(f"no {needle!r} in output within {TIMEOUT}s: {self.output}")
        return self.output

    def banner(self) -> dict[str, str]:
        out = {}
        for line in self.read_until("Press Ctrl-C"):
            key, sep, value = line.strip().partition(":")
            if sep:
                out[key.strip()] = value.strip()
        return out

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            assert self.popen.poll() is None, f"server exited: {self.output}"
            try:
                if httpx.get(f"{self.base_url}/_emulator/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        pytest.fail("server did not become healthy")

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(TIMEOUT)
        self.reader.join(TIMEOUT)  # the pipe is at its end once the process is gone
        if self.popen.stdout is not None:
            self.popen.stdout.close()


@pytest.fixture
def procs():
    started: list[Proc] = []

    def start(*args: str, port: int | None = None) -> Proc:
        p = Proc(*args, port=port)
        started.append(p)
        return p

    yield start
    for p in started:
        p.kill()
