"""``Poller``: live updates against the TalkJS cloud, by asking subscriptions to re-read.

TalkJS's realtime protocol is undocumented, so the cloud backend polls the documented REST API:
every ``interval`` seconds the poller hands a resync frame to the session, and each subscription
re-reads its window (emitting only real changes).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Sequence

from .live import FrameHandler, Status, StatusHandler, resync_frame


class Poller:
    """A :class:`~talkwidgets.transport.live.LiveSource` that emits a resync frame per interval."""

    def __init__(self, interval: float, *, on_frame: FrameHandler, on_status: StatusHandler | None = None) -> None:
        self.interval = interval
        self.on_frame = on_frame
        self.on_status = on_status
        self._status: Status = "offline"
        self._task: asyncio.Task[None] | None = None

    @property
    def status(self) -> Status:
        return self._status

    def _set_status(self, status: Status) -> None:
        if status != self._status:
            self._status = status
            if self.on_status is not None:
                self.on_status(status)

    async def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="talkwidgets-poll")
        self._set_status("connected")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._set_status("offline")

    async def reconnect(self) -> None:
        """Nothing to do: every poll reads the current token afresh."""

    def watch(self, presence: Sequence[str], users: Sequence[str] = ()) -> None:
        """Nothing to do: presence and users are re-read over REST on every poll."""

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            result = self.on_frame(resync_frame())
            if inspect.isawaitable(result):
                await result
