"""Subscription states: ``pending → active → (unsubscribed | error)``.

Each update while active produces a *new* ``ActiveState``; the two terminal
states are final. ``type`` mirrors the JS discriminator so code can branch on
either the class or the string.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, Literal, TypeVar

from .errors import InvalidArgumentError
from .snapshots import ConversationSnapshot, SearchMessageSnapshot

__all__ = [
    "PendingState",
    "ActiveState",
    "UnsubscribedState",
    "ErrorState",
    "SubscriptionState",
    "TerminalState",
    "MessageSearchState",
    "ConversationSearchState",
    "SearchStatus",
    "WindowChange",
]

T = TypeVar("T")


def _check(obj: Any, expected: str) -> None:
    if obj.type != expected:
        raise InvalidArgumentError(f"{type(obj).__name__}.type must be {expected!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingState:
    """Not connected yet; no data."""

    type: Literal["pending"] = "pending"

    def __post_init__(self) -> None:
        _check(self, "pending")


@dataclass(frozen=True, slots=True, kw_only=True)
class ActiveState(Generic[T]):
    """Connected. ``loaded_all`` is ``None`` for non-windowed subscriptions."""

    type: Literal["active"] = "active"
    latest_snapshot: T
    loaded_all: bool | None = None

    def __post_init__(self) -> None:
        _check(self, "active")


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsubscribedState:
    """Stopped by ``unsubscribe()``; final."""

    type: Literal["unsubscribed"] = "unsubscribed"

    def __post_init__(self) -> None:
        _check(self, "unsubscribed")


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorState:
    """Stopped by an error; final."""

    type: Literal["error"] = "error"
    error: BaseException

    def __post_init__(self) -> None:
        _check(self, "error")


@dataclass(frozen=True, slots=True, kw_only=True)
class WindowChange:
    """How one emission of a windowed subscription differs from the one before it.

    A Python extension (the JS Data API gives only the new list): with it, a consumer updates its
    own copy of a window of 1,000 items in time proportional to what changed, not to the window.
    Keys are the items' ids: a conversation's or a message's id, a participant's or a reaction's
    user id. Indexes point into the new ``latest_snapshot`` (newest first; ``None`` counts as an
    empty window). The first emission adds everything.

    To bring a copy of the previous window up to date: delete the ``removed`` keys and those keys
    of ``positions`` that it holds, then insert each key of ``positions`` at its index, in
    ascending index order. Keys in none of the sets keep their snapshot object and their order
    relative to each other.
    """

    added: tuple[str, ...] = ()
    """Keys that joined the window."""
    updated: tuple[str, ...] = ()
    """Keys that stayed, with a new snapshot object (an equal snapshot keeps its identity)."""
    moved: tuple[str, ...] = ()
    """Keys that stayed and changed places relative to the items that did not move. A key may be
    listed although its place is the same (after several changes between two emissions)."""
    removed: tuple[str, ...] = ()
    """Keys that left the window."""
    positions: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    """The new index of every added, updated and moved key, in ascending index order."""

    @property
    def empty(self) -> bool:
        """True when nothing in the window changed (``loaded_all`` may have)."""
        return not self.positions and not self.removed


TerminalState = UnsubscribedState | ErrorState
SubscriptionState = PendingState | ActiveState[Any] | UnsubscribedState | ErrorState


SearchStatus = Literal["searching", "canLoadMore", "loadedAll"]
"""The second argument of a search's ``on_results`` callback (TalkJS's string values)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageSearchState:
    """What ``MessageSearch.set_query``/``load_more`` answer: every result so far, newest first.

    ``loaded_all`` means the oldest match has been reached.
    """

    results: tuple[SearchMessageSnapshot, ...] = ()
    loaded_all: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversationSearchState:
    """What ``ConversationSearch.set_query``/``load_more`` answer: every result so far, most
    recently active first."""

    results: tuple[ConversationSnapshot, ...] = ()
    loaded_all: bool = False
