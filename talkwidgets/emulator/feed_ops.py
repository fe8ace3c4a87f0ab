"""What a live-feed client may ask for (``docs/realtime-protocol.md``): ``ping`` and ``watch``.

``handle_op`` acts on one frame (a JSON object, read by :mod:`.feed_frames`, which closes the
connection on frames that are not) and answers the frame to send back (``pong``), or None; a
``watch`` that is wrong in content raises :class:`FeedOpError`, which closes the connection with
code 1007 (invalid payload) and the reason. Unknown ops are ignored."""

from __future__ import annotations

from typing import Any

from .hub import Listener
from .presence import MAX_WATCHED, Presence
from .validate import MAX_ID

PONG = '{"op":"pong"}'
INVALID_PAYLOAD = 1007
"""The close code of a frame the server cannot take (as ``feed_frames`` uses it)."""


class FeedOpError(Exception):
    """A client frame the server refuses: close with ``code`` and ``reason``."""

    def __init__(self, reason: str, code: int = INVALID_PAYLOAD) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def handle_op(presence: Presence, listener: Listener, frame: dict[str, Any]) -> str | None:
    """Act on one client frame (already a JSON object, see :mod:`.feed_frames`); the frame to
    answer, if any. Unknown ops are ignored."""
    op = frame.get("op")
    if op == "ping":
        return PONG
    if op == "watch":
        presence.watch(listener, watched_ids(frame))
    return None


def watched_ids(frame: dict[str, Any]) -> list[str]:
    """The ``presence`` list of a ``watch`` frame: at most 1,000 user ids."""
    ids = frame.get("presence")
    if not isinstance(ids, list):
        raise FeedOpError('watch: "presence" must be an array of user ids')
    if len(ids) > MAX_WATCHED:
        raise FeedOpError(f"watch: at most {MAX_WATCHED} users, got {len(ids)}")
    for user_id in ids:
        if not isinstance(user_id, str) or not 0 < len(user_id) <= MAX_ID:
            raise FeedOpError(f'watch: "presence" holds user ids of 1..{MAX_ID} characters, got {user_id!r:.40}')
    return ids
