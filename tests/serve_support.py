"""``talkwidgets serve`` as a subprocess for session tests: started on a free port, killed with -9
to test restarts, stopped for good at the end."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_serve(
    db: Path | str, port: int, app_id: str, secret: str, *, seed: Path | None = None
) -> subprocess.Popen[Any]:
    """Start ``talkwidgets serve`` and wait (bounded) until its health check answers."""
    args = [sys.executable, "-m", "talkwidgets", "serve", "--db", str(db), "--port", str(port)]
    args += ["--app-id", app_id, "--secret-key", secret]
    if seed is not None:
        args += ["--seed", str(seed)]
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
    stop(proc)
    raise AssertionError("talkwidgets serve did not start within 60 s")


def stop(proc: subprocess.Popen[Any], grace: float = 10.0) -> None:
    """End the server politely, then for good; bounded. Closes its pipe."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(grace)
    if proc.stdout is not None:
        proc.stdout.close()


def kill_hard(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL: the server gets no chance to close anything (its SQLite file stays as it was)."""
    proc.kill()
    proc.wait(10)
    if proc.stdout is not None:
        proc.stdout.close()
