"""``SingleSubscription``: a subscription to one value that may be ``None`` (a user, a conversation,
a participant, who is typing...).

The layer between :class:`~talkwidgets.session._subscription.Subscription` and the single-value
kinds. A subclass writes ``async _read() -> T | None`` (the value read over REST; also what a
resync does) and ``_apply``/``_signal`` for live frames, which call ``_set(new)``. ``_set`` keeps
the old snapshot object when the new one is equal, so an unchanged value keeps its identity and
emits nothing.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from ._subscription import Subscription

T = TypeVar("T")


class SingleSubscription(Subscription[T | None], Generic[T]):
    """One value or ``None``, re-read on resync, emitted only when it really changes."""

    _current: T | None = None

    async def _read(self) -> T | None:
        raise NotImplementedError

    def _set(self, value: T | None) -> bool:
        """Make ``value`` current; answers whether it differs from the current one."""
        if value == self._current:
            return False
        self._current = value
        return True

    async def _load(self) -> None:
        self._set(await self._read())

    async def _resync(self) -> bool:
        return self._set(await self._read())

    def _snapshot(self) -> T | None:
        return self._current
