"""What a live-feed client may ask for (``docs/realtime-protocol.md``): ``ping`` and ``watch``.

``handle_op`` acts on one frame (a JSON object, read by :mod:`.feed_frames`, which closes the
connection on frames that are not) and answers the frame to send back (``pong``), or None; a
``watch`` that is wrong in content raises :class:`FeedOpError`, which closes the connection with
code 1007 (invalid payload) and the reason. Unknown ops are ignored.

A ``watch`` carries ``presence`` (users whose online state to follow), ``users`` (users whose
profile to follow), or both: each list given replaces that watch set, one left out keeps it, so
clients that only know ``presence`` work as before."""

from __future__ import annotations

from typing import Any

from .hub import Listener
from .presence import MAX_WATCHED, Presence
from .user_watch import MAX_WATCHED_USERS, UserWatch
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


def handle_op(presence: Presence, users: UserWatch, listener: Listener, frame: dict[str, Any]) -> str | None:
    """Act on one client frame (already a JSON object, see :mod:`.feed_frames`); the frame to
    answer, if any. Unknown ops are ignored."""
    op = frame.get("op")
    if op == "ping":
        return PONG
    if op == "watch":
        if "presence" not in frame and "users" not in frame:
            raise FeedOpError('watch: give "presence", "users" or both (arrays of user ids)')
        # both lists are checked before either is applied
        online = watched_ids(frame, "presence", MAX_WATCHED) if "presence" in frame else None
        profiles = watched_ids(frame, "users", MAX_WATCHED_USERS) if "users" in frame else None
        if online is not None:
            presence.watch(listener, online)
        if profiles is not None:
            users.watch(listener, profiles)
    return None


def watched_ids(frame: dict[str, Any], key: str, limit: int) -> list[str]:
    """The ``presence`` or ``users`` list of a ``watch`` frame: at most ``limit`` user ids."""
    ids = frame[key]
    if not isinstance(ids, list):
        raise FeedOpError(f'watch: "{key}" must be an array of user ids')
    if len(ids) > limit:
        raise FeedOpError(f'watch: "{key}" holds at most {limit} users, got {len(ids)}')
    for user_id in ids:
        if not isinstance(user_id, str) or not 0 < len(user_id) <= MAX_ID:
            raise FeedOpError(f'watch: "{key}" holds user ids of 1..{MAX_ID} characters, got {user_id!r:.40}')
    return ids
