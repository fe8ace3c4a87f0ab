"""Fan-out of committed events to the live-feed connections of each app.

Ephemeral frames (typing, presence) go out here too, without being stored: they never get a
sequence number and are never replayed."""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Collection
from dataclasses import dataclass, field

from .clock import now_ms
from .store import FeedEvent

MAX_QUEUE = 10_000
"""A client this far behind is dropped; it reconnects with ``since`` and catches up from storage."""


@dataclass(frozen=True)
class Resync:
    """Tells a connection that the app's data changed wholesale (a reset): clients re-read."""

    seq: int
    reason: str


@dataclass(frozen=True)
class Ephemeral:
    """A frame that is sent once and forgotten (``typing``, ``presence``): no ``seq``, no replay."""

    text: str


@dataclass(eq=False)
class Listener:
    """One live-feed connection: the app and user view it follows, and its outgoing queue
    (``None`` in the queue tells the connection to close)."""

    app_id: str
    user_id: str | None
    queue: asyncio.Queue[FeedEvent | Resync | Ephemeral | None] = field(default_factory=asyncio.Queue)
    id: str = field(default_factory=lambda: "sess_" + secrets.token_urlsafe(12))
    """The connection's id, as ``GET /users/{id}/sessions`` lists it."""
    connected_at: int = field(default_factory=now_ms)
    watching: frozenset[str] = frozenset()
    """Users whose ``presence`` frames this connection asked for (the ``watch`` op)."""


class FeedHub:
    """Fans committed events out to the connected listeners of each app."""

    def __init__(self) -> None:
        self._listeners: dict[str, set[Listener]] = {}
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._thread = threading.get_ident()

    def add(self, listener: Listener) -> None:
        self._listeners.setdefault(listener.app_id, set()).add(listener)

    def remove(self, listener: Listener) -> None:
        self._listeners.get(listener.app_id, set()).discard(listener)

    def publish(self, events: list[FeedEvent]) -> None:
        """Called after a commit; safe from any thread."""
        if self.loop is None:
            return
        if threading.get_ident() == self._thread:
            self._deliver(events)
        else:
            self.loop.call_soon_threadsafe(self._deliver, events)

    def _deliver(self, events: list[FeedEvent]) -> None:
        for event in events:
            for listener in list(self._listeners.get(event.app_id, ())):
                if event.visible_to(listener.user_id):
                    self.offer(listener, event)

    def offer(self, listener: Listener, item: FeedEvent | Ephemeral) -> None:
        """Queue one frame for a connection (on the loop's thread); one too far behind is dropped."""
        if listener.queue.qsize() >= MAX_QUEUE:
            self.remove(listener)
            listener.queue.put_nowait(None)  # tells the connection to close
        else:
            listener.queue.put_nowait(item)

    def send_ephemeral(self, app_id: str, audience: Collection[str], text: str) -> None:
        """An ephemeral frame to the views of ``audience`` and to admin feeds (on the loop's thread)."""
        frame = Ephemeral(text)
        for listener in list(self._listeners.get(app_id, ())):
            if listener.user_id is None or listener.user_id in audience:
                self.offer(listener, frame)

    def resync(self, app_id: str, seq: int, reason: str) -> None:
        """Ask every connection of ``app_id`` to re-read its state; safe from any thread."""

        def deliver() -> None:
            for listener in list(self._listeners.get(app_id, ())):
                listener.queue.put_nowait(Resync(seq, reason))

        if self.loop is None:
            return
        if threading.get_ident() == self._thread:
            deliver()
        else:
            self.loop.call_soon_threadsafe(deliver)

    def close_all(self) -> None:
        for listeners in self._listeners.values():
            for listener in listeners:
                listener.queue.put_nowait(None)
        self._listeners.clear()

    def count(self, app_id: str | None = None) -> int:
        if app_id is not None:
            return len(self._listeners.get(app_id, ()))
        return sum(len(s) for s in self._listeners.values())
