"""One emulator instance: its storage, live-feed hub, webhook sender and uploaded files.

Independent of HTTP: the ASGI app (``app.py``) serves an instance, routes receive it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from typing import Any

from .config import EmulatorConfig
from .hub import FeedHub
from .presence import Presence
from .store import Changes, FeedEvent, Store
from .typing_state import Typing
from .user_watch import UserWatch
from .webhooks import WebhookSender


class Emulator:
    """The state behind one emulator: storage, live-feed hub, webhooks, uploaded files."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.public_url: str | None = self.config.public_url.rstrip("/") if self.config.public_url else None
        """Base URL for stored file URLs; set by the server that serves this instance when not configured."""
        self.store = Store(self.config.db_path, event_retention=self.config.event_retention)
        self.hub = FeedHub()
        self.presence = Presence(self.hub)
        self.user_watch = UserWatch(self.hub, self.store.get_user)
        self.typing = Typing(self.hub, self.store.participant_ids, self.config.typing_seconds)
        self.webhooks = WebhookSender(self.store, self.config.webhook_timeout, self.config.webhook_retry_delay)
        self._own_files_dir = self.config.files_dir is None and self.config.db_path == ":memory:"
        if self.config.files_dir is not None:
            self.files_dir = self.config.files_dir
        elif self.config.db_path == ":memory:":
            self.files_dir = tempfile.mkdtemp(prefix="talkwidgets-files-")
        else:
            self.files_dir = self.config.db_path + ".files"
        os.makedirs(self.files_dir, mode=0o700, exist_ok=True)
        with contextlib.suppress(PermissionError):  # a folder of another account stays as its owner set it
            os.chmod(self.files_dir, 0o700)  # uploads are private to this account, whatever the umask
        self.store.on_commit = self._published
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None

    def _published(self, changes: Changes) -> None:
        """After each commit (called under the store's lock, so in commit order).

        The live feed's fan-out runs as the loop's next callback, so the request that committed
        answers first: its sender (acknowledged = committed) does not wait while frames are written
        to every participant's connection, and the next request overlaps that fan-out. Events keep
        their commit order: every commit queues its fan-out on the same loop, in that order."""
        if changes.events:
            self._next_on_loop(self._fan_out, changes.events)
        if changes.webhooks and self._loop is not None:
            if threading.get_ident() == self._loop_thread:
                self._submit(changes)
            else:
                self._loop.call_soon_threadsafe(self._submit, changes)

    def _submit(self, changes: Changes) -> None:
        for webhook in changes.webhooks:
            self.webhooks.submit(webhook.app_id, webhook.type, webhook.data)

    def _fan_out(self, events: list[FeedEvent]) -> None:
        """Committed events to the live feeds, and what follows from them (typing ends with a
        message; watchers of an updated user), on the loop's thread."""
        self.hub.publish(events)
        self.typing.after_commit(events)
        self.user_watch.after_commit(events)

    def _after_reset(self, app_id: str, seq: int) -> None:
        self.hub.resync(app_id, seq, "the app was reset")
        self.typing.forget_app(app_id)

    def _next_on_loop(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn`` as the serving loop's next callback (typing, presence and user watches live
        on its thread); at once when nothing serves yet (no connection to tell)."""
        if self._loop is None:
            fn(*args)
        elif threading.get_ident() == self._loop_thread:
            self._loop.call_soon(fn, *args)
        else:
            self._loop.call_soon_threadsafe(fn, *args)

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        """Serve from ``loop``: commits from other threads hand their events and webhooks to it."""
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self.hub.bind(loop)

    def reset(self, app_id: str) -> None:
        """Empty one app (users, conversations, messages, files, events); keeps its secret key.

        Sequence numbers keep counting, and connected live feeds receive a ``resync``.
        """
        paths = self.store.file_paths(app_id)
        self.store.reset(app_id)
        # behind the fan-outs of the commits before the reset, as they were queued
        self._next_on_loop(self._after_reset, app_id, self.store.latest_seq(app_id))
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    async def aclose(self) -> None:
        self.typing.close()
        self.hub.close_all()
        await self.webhooks.aclose()

    def close(self) -> None:
        self.store.close()
        if self._own_files_dir:
            shutil.rmtree(self.files_dir, ignore_errors=True)
