"""Following any user's profile live: the ``users`` list of the ``watch`` op.

A ``user.updated`` event is stored for the user and everyone who shares a conversation with them
(its audience), and admin feeds see it too. Any other connection may ``watch`` the user, since
profiles are app-wide (``GET /users/{id}`` answers any user of the app): it then gets an ephemeral
``user`` frame at once (the user now, ``null`` for an unknown id, so a read made just before the
watch cannot miss a change) and one whenever a ``user.updated`` event is published that it does
not receive itself, so nobody gets both. Each frame shows the user as ``GET /users/{id}`` shows it
to the connection's token. Nothing is stored or replayed; used on the event loop's thread only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .hub import Ephemeral, FeedHub, Listener
from .principal import user_as_seen_by
from .store import FeedEvent
from .watchers import Watchers

MAX_WATCHED_USERS = 1_000
"""Users one connection may watch (besides the same number for presence)."""

UserReader = Callable[[str, str], "dict[str, Any] | None"]
"""``read(app_id, user_id)``: the user's REST JSON, or None when there is no such user."""


def user_frame(user_id: str, user: dict[str, Any] | None) -> Ephemeral:
    return Ephemeral.of({"op": "user", "userId": user_id, "user": user})


def _seen_by(listener: Listener, user: dict[str, Any]) -> dict[str, Any]:
    return user_as_seen_by(user, None if listener.app_credentials else listener.user_id)


class UserWatch:
    """Who watches which user, and the ``user`` frames they get."""

    def __init__(self, hub: FeedHub, read: UserReader) -> None:
        self._hub = hub
        self._read = read
        self._watchers = Watchers()

    def watch(self, listener: Listener, user_ids: list[str]) -> None:
        """Replace the connection's watched users; each newly watched user's current state is sent
        at once."""
        added = self._watchers.replace(listener, listener.watching_users, user_ids)
        listener.watching_users = frozenset(user_ids)
        for user_id in added:
            user = self._read(listener.app_id, user_id)
            self._hub.offer(listener, user_frame(user_id, None if user is None else _seen_by(listener, user)))

    def disconnected(self, listener: Listener) -> None:
        """Idempotent: forgets what the connection watched."""
        self.watch(listener, [])

    def watcher_count(self, app_id: str, user_id: str) -> int:
        """How many connections watch the user (for tests and diagnostics)."""
        return len(self._watchers.of(app_id, user_id))

    def after_commit(self, events: list[FeedEvent]) -> None:
        """Tell the watchers of each updated user who did not get the event itself."""
        for event in events:
            if event.type != "user.updated" or not self._watchers:
                continue
            user: dict[str, Any] = event.data["user"]
            watchers = self._watchers.of(event.app_id, user["id"])
            if not watchers:
                continue
            audience = frozenset(event.audience or ())
            frames: dict[bool, Ephemeral] = {}  # encoded once per view: in full, or the public profile
            for listener in watchers:
                if listener.user_id is None or listener.user_id in audience:
                    continue  # an admin feed or a contact: the stored event reaches it
                frame = frames.get(listener.app_credentials)
                if frame is None:
                    frame = frames[listener.app_credentials] = user_frame(user["id"], _seen_by(listener, user))
                self._hub.offer(listener, frame)
