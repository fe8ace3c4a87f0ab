"""``LiveSource``: where a session's live updates come from, whatever the backend.

Two implementations: :class:`~talkwidgets.transport.feed.FeedClient` (the emulator's WebSocket
feed, resumable by sequence number) and :class:`~talkwidgets.transport.poller.Poller` (the TalkJS
cloud, whose realtime protocol is undocumented: every poll asks subscriptions to re-read). Both hand
*frames* to one ``on_frame`` callback and status changes to one ``on_status`` callback, so the
session treats them alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Literal, Protocol

Frame = dict[str, Any]
"""A decoded feed frame: ``{"op": "event", "seq", "type", "conversationId", "data"}`` for an event,
``{"op": "resync", ...}`` when every subscription must re-read its data over REST, the feed's
ephemeral ``{"op": "typing", ...}``, ``{"op": "presence", ...}`` and ``{"op": "user", ...}`` frames
(no ``seq``, never replayed), and ``{"op": "reconnected"}`` after the feed came back from a drop (what was ephemeral
must be re-read)."""

Status = Literal["connected", "reconnecting", "offline"]

FrameHandler = Callable[[Frame], "Awaitable[None] | None"]
StatusHandler = Callable[[Status], None]
FatalHandler = Callable[[BaseException], None]


def resync_frame() -> Frame:
    """The frame that tells every subscription to re-read its whole window."""
    return {"op": "resync"}


def reconnected_frame() -> Frame:
    """The frame that tells subscriptions the feed is back after a drop (events were replayed,
    ephemeral state was not)."""
    return {"op": "reconnected"}


def is_resync(frame: Frame) -> bool:
    return frame.get("op") == "resync" or frame.get("type") == "resync"


class LiveSource(Protocol):
    """A source of live frames for one user of one app.

    The contract both implementations keep:

    - ``start()`` begins delivery (idempotent) and returns once frames flow; a refusal that no
      retry can fix raises and also goes to the ``on_fatal`` callback given at construction.
    - Frames reach ``on_frame`` in order, one at a time. After a gap that cannot be replayed the
      source sends a resync frame (``is_resync``); applying a frame twice must be harmless to
      the receiver, which keeps reconnects gap-free.
    - ``status`` is ``"connected"``, ``"reconnecting"`` or ``"offline"``; every change is told to
      ``on_status``.
    - ``reconnect()`` picks up a new token (the feed reconnects and resumes by sequence number).
    - ``watch(presence, users)`` replaces the sets of users whose ``presence`` frames and whose
      ``user`` (profile) frames are wanted; they are kept across reconnects. A source without
      them (the poller, which re-reads everything on every poll) ignores it.
    - ``stop()`` ends delivery and leaves the source ``"offline"``; it may be started again.
    """

    @property
    def status(self) -> Status: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def reconnect(self) -> None: ...

    def watch(self, presence: Sequence[str], users: Sequence[str] = ()) -> None: ...


__all__ = [
    "FatalHandler",
    "Frame",
    "FrameHandler",
    "LiveSource",
    "Status",
    "StatusHandler",
    "is_resync",
    "reconnected_frame",
    "resync_frame",
]
