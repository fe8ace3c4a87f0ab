"""Subscription states: ``pending → active → (unsubscribed | error)``.

Each update while active produces a *new* ``ActiveState``; the two terminal
states are final. ``type`` mirrors the JS discriminator so code can branch on
either the class or the string.
"""

from __future__ import annotations

from dataclasses import dataclass
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
