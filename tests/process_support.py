"""Subprocess servers in tests and benchmarks: a free loopback port, and a stop that always ends."""

from __future__ import annotations

import socket
import subprocess
from typing import Any


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now, for a server subprocess that takes ``--port``.

    The OS picks it; another process could take it before the server binds it, which on a loopback
    interface only our own tests use is rare enough to accept.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_process(proc: subprocess.Popen[Any], grace: float = 10.0) -> None:
    """End a subprocess politely (SIGTERM), then for good (SIGKILL) after ``grace`` seconds; bounded.

    Its pipes are closed too (also when it had already exited), so none is left to the garbage collector.
    """
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(grace)
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
