"""Run widget message handlers on the session's event loop.

JupyterLab with ipykernel 7 can deliver widget (comm) messages on a kernel subshell: another
thread with its own event loop. A session's connections, tasks and queues belong to the loop it
was made on, so handlers that touch the session must run there, in arrival order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any


def call_on_loop(loop: asyncio.AbstractEventLoop, fn: Callable[..., Any], *args: Any) -> None:
    """Call ``fn(*args)`` now if we are on ``loop``'s thread, else schedule it there (FIFO)."""
    try:
        running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is not loop and loop.is_running() and not loop.is_closed():
        loop.call_soon_threadsafe(fn, *args)
    else:
        fn(*args)
