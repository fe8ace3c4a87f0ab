"""Fan-out of committed events to the live-feed connections of each app.

Ephemeral frames (typing, presence, watched users) go out here too, without being stored: they
never get a sequence number and are never replayed.

The fan-out is prepared: each frame is JSON-encoded once (:meth:`FeedEvent.payload`), listeners
are found by user (a message reaches its conversation's participants without looking at anyone
else's connections), and a connection that is caught up gets the frame written to its socket at
once through its :class:`FrameSink`, with no queue and no task switch. A connection that is
behind (replaying, or its socket is full) gets frames through its queue, in order, until it has
caught up.
"""

from __future__ import annotations

import asyncio
import secrets
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import orjson

from .clock import now_ms
from .principal import public_profile
from .store import JSON, FeedEvent

MAX_QUEUE = 10_000
"""A client this far behind is dropped; it reconnects with ``since`` and catches up from storage."""
FRAME_SINK = "talkwidgets.frame_sink"
"""The ASGI scope extension under which the server's WebSocket protocol offers a :class:`FrameSink`."""


class FrameSink(Protocol):
    """Writes a text frame to one WebSocket connection now, if it can."""

    def write_text(self, payload: bytes) -> bool:
        """Write ``payload`` (UTF-8 JSON) as one text frame; False when the connection cannot take it
        now (closing, its write buffer is full, or it compresses frames), and nothing was written."""
        ...


@dataclass(frozen=True)
class Resync:
    """Tells a connection that the app's data changed wholesale (a reset): clients re-read."""

    seq: int
    reason: str


@dataclass(frozen=True)
class Ephemeral:
    """A frame that is sent once and forgotten (``typing``, ``presence``, ``user``): no ``seq``, no replay."""

    payload: bytes

    @classmethod
    def of(cls, frame: object) -> Ephemeral:
        return cls(orjson.dumps(frame))


Item = FeedEvent | Resync | Ephemeral | None


@dataclass(eq=False)
class Listener:
    """One live-feed connection: the app and user view it follows, and its outgoing queue
    (``None`` in the queue tells the connection to close)."""

    app_id: str
    user_id: str | None
    queue: asyncio.Queue[Item] = field(default_factory=asyncio.Queue)
    id: str = field(default_factory=lambda: "sess_" + secrets.token_urlsafe(12))
    """The connection's id, as ``GET /users/{id}/sessions`` lists it."""
    connected_at: int = field(default_factory=now_ms)
    watching: frozenset[str] = frozenset()
    """Users whose ``presence`` frames this connection asked for (the ``watch`` op)."""
    watching_users: frozenset[str] = frozenset()
    """Users whose ``user`` frames this connection asked for (the ``watch`` op's ``users``)."""
    app_credentials: bool = False
    """Whether the connection authenticated with the secret key or an app token (which read every
    user in full) rather than a user token (which reads other users' public profile only)."""
    sink: FrameSink | None = None
    """Set once the connection streams live (after its replay): frames may then be written directly."""
    last_sent: int = 0
    """Sequence number of the last event sent (or known to the client): later duplicates are skipped."""
    pending: int = 0
    """Items queued and not yet written: while any are, new frames queue behind them (order)."""

    def enqueue(self, item: Item) -> None:
        self.pending += 1
        self.queue.put_nowait(item)

    def done(self) -> None:
        """The connection's writer finished one queued item."""
        self.pending -= 1


VIEWER_DEPENDENT = frozenset({"user.updated"})
"""Event types whose data depends on who reads it (:func:`payload_for`)."""


def payload_for(event: FeedEvent, listener: Listener) -> bytes:
    """The event's frame as this connection may read it. A ``user.updated`` event goes to the user's
    contacts too, and a user token reads other users' public profile only (no email, phone or push
    tokens), as ``GET /users/{id}`` answers it; the user themselves and app credentials read it all."""
    if event.type not in VIEWER_DEPENDENT or listener.user_id is None or listener.app_credentials:
        return event.payload()
    user: JSON = event.data["user"]
    if user.get("id") == listener.user_id:
        return event.payload()
    return event.payload_as("public", _public_user_data)


def _public_user_data(data: JSON) -> JSON:
    return {**data, "user": public_profile(data["user"])}


class FeedHub:
    """Fans committed events out to the connected listeners of each app."""

    def __init__(self) -> None:
        self._listeners: dict[str, dict[str | None, set[Listener]]] = {}
        """app id -> user id (None: admin feeds) -> connections"""
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._thread = threading.get_ident()

    def add(self, listener: Listener) -> None:
        self._listeners.setdefault(listener.app_id, {}).setdefault(listener.user_id, set()).add(listener)

    def remove(self, listener: Listener) -> None:
        users = self._listeners.get(listener.app_id, {})
        found = users.get(listener.user_id)
        if found is not None:
            found.discard(listener)
            if not found:
                del users[listener.user_id]

    def _of(self, app_id: str, audience: Iterable[str] | None) -> list[Listener]:
        """Admin feeds of the app, then the views of ``audience`` (None: admin feeds only)."""
        users = self._listeners.get(app_id)
        if not users:
            return []
        found = list(users.get(None, ()))
        if audience is not None:
            for user_id in audience:
                views = users.get(user_id)
                if views:
                    found.extend(views)
        return found

    def _everyone(self, app_id: str) -> list[Listener]:
        return [listener for found in self._listeners.get(app_id, {}).values() for listener in found]

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
            payload, seq = event.payload(), event.seq
            by_viewer = event.type in VIEWER_DEPENDENT
            for listener in self._of(event.app_id, event.audience):
                # offer()'s fast path, inline: this loop runs once per connection per event
                sink = listener.sink
                if sink is not None and not listener.pending:
                    if seq <= listener.last_sent:
                        continue
                    if sink.write_text(payload_for(event, listener) if by_viewer else payload):
                        listener.last_sent = seq
                        continue
                self._enqueue(listener, event)

    def offer(self, listener: Listener, item: FeedEvent | Ephemeral) -> None:
        """Send one frame to a connection (on the loop's thread): written at once when the connection
        is caught up, else queued behind what it has not sent yet; one too far behind is dropped."""
        if listener.sink is not None and listener.pending == 0:
            if isinstance(item, FeedEvent):
                if item.seq <= listener.last_sent:
                    return
                if listener.sink.write_text(payload_for(item, listener)):
                    listener.last_sent = item.seq
                    return
            elif listener.sink.write_text(item.payload):
                return
        self._enqueue(listener, item)

    def _enqueue(self, listener: Listener, item: FeedEvent | Ephemeral) -> None:
        if listener.queue.qsize() >= MAX_QUEUE:
            self.remove(listener)
            listener.queue.put_nowait(None)  # tells the connection to close
        else:
            listener.enqueue(item)

    def send_ephemeral(self, app_id: str, audience: Collection[str], frame: Ephemeral) -> None:
        """An ephemeral frame to the views of ``audience`` and to admin feeds (on the loop's thread)."""
        for listener in self._of(app_id, audience):
            self.offer(listener, frame)

    def resync(self, app_id: str, seq: int, reason: str) -> None:
        """Ask every connection of ``app_id`` to re-read its state; safe from any thread."""

        def deliver() -> None:
            for listener in self._everyone(app_id):
                listener.enqueue(Resync(seq, reason))

        if self.loop is None:
            return
        if threading.get_ident() == self._thread:
            deliver()
        else:
            self.loop.call_soon_threadsafe(deliver)

    def close_all(self) -> None:
        for app_id in list(self._listeners):
            for listener in self._everyone(app_id):
                listener.queue.put_nowait(None)
        self._listeners.clear()

    def count(self, app_id: str | None = None) -> int:
        if app_id is not None:
            return len(self._everyone(app_id))
        return sum(len(self._everyone(a)) for a in self._listeners)
