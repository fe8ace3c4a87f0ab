"""What a live-feed client may send (``docs/realtime-protocol.md``): ``ping`` and ``watch``.

``client_frame`` reads one text frame and answers the frame to send back (``pong``), or None;
a ``watch`` that is well-formed JSON but wrong in content raises :class:`FeedOpError`, which closes
the connection with code 4000 and the reason. Frames that are not JSON objects, and unknown ops,
are ignored (protocol version 1 behaviour)."""

from __future__ import annotations

import json
from typing import Any

from .hub import Listener
from .presence import MAX_WATCHED, Presence
from .validate import MAX_ID

PONG = '{"op":"pong"}'
BAD_REQUEST_CLOSE = 4000


class FeedOpError(Exception):
    """A client frame the server refuses: close with ``code`` and ``reason``."""

    def __init__(self, reason: str, code: int = BAD_REQUEST_CLOSE) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def client_frame(presence: Presence, listener: Listener, raw: str) -> str | None:
    try:
        frame: Any = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(frame, dict):
        return None
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
