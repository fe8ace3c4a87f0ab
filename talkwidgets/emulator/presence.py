"""Who is online: a user is online while they hold at least one live-feed connection with a
user view (a user token, or app credentials with ``userId=``).

Connections may ``watch`` users; each watcher gets a ``presence`` frame at once for every newly
watched user and then on every change. Nothing here is stored: presence is the state of this
server's connections, and it is used on the event loop's thread only."""

from __future__ import annotations

from .hub import Ephemeral, FeedHub, Listener
from .watchers import Watchers

MAX_WATCHED = 1_000
"""Users one connection may watch."""

_Key = tuple[str, str]  # (app id, user id)


def presence_frame(user_id: str, online: bool) -> Ephemeral:
    return Ephemeral.of({"op": "presence", "userId": user_id, "isOnline": online})


class Presence:
    """The live-feed connections of each user, and who watches whom."""

    def __init__(self, hub: FeedHub) -> None:
        self._hub = hub
        self._connections: dict[_Key, dict[str, Listener]] = {}
        self._watchers = Watchers()

    def connected(self, listener: Listener) -> None:
        if listener.user_id is None:
            return
        key = (listener.app_id, listener.user_id)
        connections = self._connections.setdefault(key, {})
        connections[listener.id] = listener
        if len(connections) == 1:
            self._tell_watchers(key, True)

    def disconnected(self, listener: Listener) -> None:
        """Idempotent; also forgets what the connection watched."""
        self.watch(listener, [])
        if listener.user_id is None:
            return
        key = (listener.app_id, listener.user_id)
        connections = self._connections.get(key)
        if connections is None or connections.pop(listener.id, None) is None:
            return
        if not connections:
            del self._connections[key]
            self._tell_watchers(key, False)

    def watch(self, listener: Listener, user_ids: list[str]) -> None:
        """Replace the connection's watch set; newly watched users' state is sent at once."""
        added = self._watchers.replace(listener, listener.watching, user_ids)
        listener.watching = frozenset(user_ids)
        for user_id in added:
            self._hub.offer(listener, presence_frame(user_id, self.is_online(listener.app_id, user_id)))

    def is_online(self, app_id: str, user_id: str) -> bool:
        return (app_id, user_id) in self._connections

    def online_users(self, app_id: str) -> list[str]:
        return sorted(uid for app, uid in self._connections if app == app_id)

    def sessions(self, app_id: str, user_id: str) -> list[dict[str, object]]:
        """The user's live-feed connections, oldest first."""
        connections = self._connections.get((app_id, user_id), {}).values()
        ordered = sorted(connections, key=lambda c: (c.connected_at, c.id))
        return [{"id": c.id, "connectedAt": c.connected_at} for c in ordered]

    def _tell_watchers(self, key: _Key, online: bool) -> None:
        frame = presence_frame(key[1], online)
        for watcher in self._watchers.of(*key):
            self._hub.offer(watcher, frame)
