"""Every live subscription a ``Chatbox`` holds for one conversation, and their teardown.

One feed per shown conversation: its messages, its details (subject, read marks), its
participants, who is typing, and whether the people in the header are online. Switching the
Chatbox to another conversation closes the feed and makes a new one; a callback of a closed feed
(one queued before the switch) is dropped, so an old conversation never leaks into the new one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

from ..model.snapshots import (
    ConversationSnapshot,
    MessageSnapshot,
    ParticipantSnapshot,
    TypingSnapshot,
    UserOnlineSnapshot,
)
from ..model.states import ErrorState
from ..session import (
    ConversationRef,
    ConversationSubscription,
    MessageSubscription,
    ParticipantSubscription,
    TalkSession,
    TypingSubscription,
    UserOnlineSubscription,
)

ONLINE_WATCHED = 10
"""Participants whose online status is followed (the ones the header can show)."""


class FeedSink(Protocol):
    """What a feed reports to (the Chatbox)."""

    def feed_messages(self, snapshots: tuple[MessageSnapshot, ...] | None, loaded_all: bool) -> None: ...
    def feed_details(self, snapshot: ConversationSnapshot | None) -> None: ...
    def feed_participants(self) -> None: ...
    def feed_typing(self, snapshot: TypingSnapshot | None) -> None: ...
    def feed_ended(self, error: BaseException | None) -> None: ...


class ConversationFeed:
    """The subscriptions of one conversation, reporting to ``sink`` until ``close()``."""

    def __init__(self, session: TalkSession, conversation_id: str, sink: FeedSink) -> None:
        self.session = session
        self.ref: ConversationRef = session.conversation(conversation_id)
        self.sink = sink
        self.closed = False
        self.details: ConversationSnapshot | None = None
        self.participants: tuple[ParticipantSnapshot, ...] = ()
        self.online: dict[str, bool] = {}
        self._watched: dict[str, UserOnlineSubscription] = {}
        self.messages: MessageSubscription = self.ref.subscribe_messages(self._live(self._on_messages))
        """The ``MessageSubscription`` behind the thread."""
        self.conversation: ConversationSubscription = self.ref.subscribe(self._live(self._on_details))
        self.people: ParticipantSubscription = self.ref.subscribe_participants(self._live(self._on_participants))
        self.typing: TypingSubscription = self.ref.subscribe_typing(self._live(sink.feed_typing))
        self.messages.terminated.add_done_callback(self._messages_ended)

    @property
    def id(self) -> str:
        return self.ref.id

    def close(self) -> None:
        """Unsubscribe everything; later callbacks of this feed are dropped."""
        if self.closed:
            return
        self.closed = True
        self.messages.unsubscribe()
        self.conversation.unsubscribe()
        self.people.unsubscribe()
        self.typing.unsubscribe()
        for sub in self._watched.values():
            sub.unsubscribe()
        self._watched.clear()

    # -- callbacks --------------------------------------------------------------------------------

    def _live(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            if not self.closed:
                return fn(*args)
            return None

        return call

    def _on_messages(self, snapshots: tuple[MessageSnapshot, ...] | None, loaded_all: bool) -> None:
        self.sink.feed_messages(snapshots, loaded_all)

    def _on_details(self, snapshot: ConversationSnapshot | None) -> None:
        self.details = snapshot
        self.sink.feed_details(snapshot)

    def _on_participants(self, snapshots: tuple[ParticipantSnapshot, ...] | None, _loaded_all: bool) -> None:
        self.participants = snapshots or ()
        self._watch_online()
        self.sink.feed_participants()

    def _watch_online(self) -> None:
        me = self.session.current_user.id
        wanted = [p.user.id for p in self.participants if p.user.id != me][:ONLINE_WATCHED]
        for uid in [u for u in self._watched if u not in wanted]:
            self._watched.pop(uid).unsubscribe()
            self.online.pop(uid, None)
        for uid in wanted:
            if uid not in self._watched:
                self._watched[uid] = self.session.user(uid).subscribe_online(self._live(self._on_online))

    def _on_online(self, snapshot: UserOnlineSnapshot | None) -> None:
        if snapshot is None or self.online.get(snapshot.user.id) == snapshot.is_connected:
            return
        self.online[snapshot.user.id] = snapshot.is_connected
        self.sink.feed_participants()

    def _messages_ended(self, future: asyncio.Future[Any]) -> None:
        if self.closed:
            return
        state = future.result()
        self.sink.feed_ended(state.error if isinstance(state, ErrorState) else None)
