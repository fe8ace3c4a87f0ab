"""Who watches which user: the bookkeeping behind the live feed's ``watch`` op, shared by presence
(``presence`` frames) and user watches (``user`` frames). Used on the event loop's thread only."""

from __future__ import annotations

from .hub import Listener


class Watchers:
    """Connections by the (app, user) they watch; each connection's set is replaced as a whole."""

    def __init__(self) -> None:
        self._by_user: dict[tuple[str, str], set[Listener]] = {}

    def replace(self, listener: Listener, old: frozenset[str], user_ids: list[str]) -> list[str]:
        """Make ``user_ids`` what ``listener`` watches instead of ``old``; answers the users it
        did not watch before, in the order asked, once each (they are told their state at once)."""
        new = frozenset(user_ids)
        for user_id in old - new:
            key = (listener.app_id, user_id)
            watchers = self._by_user.get(key)
            if watchers is not None:
                watchers.discard(listener)
                if not watchers:
                    del self._by_user[key]
        added = [user_id for user_id in dict.fromkeys(user_ids) if user_id not in old]
        for user_id in added:
            self._by_user.setdefault((listener.app_id, user_id), set()).add(listener)
        return added

    def of(self, app_id: str, user_id: str) -> list[Listener]:
        """The connections watching the user (a copy: telling them may change the sets)."""
        return list(self._by_user.get((app_id, user_id), ()))

    def __bool__(self) -> bool:
        return bool(self._by_user)
