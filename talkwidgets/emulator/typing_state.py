"""Who is typing where: ``POST …/typing/{userId}`` marks a participant typing for a while (10 s by
default); a message they send in the conversation, or the end of that time, clears it.

Typing is ephemeral: kept in memory, told to the conversation's participants (and admin feeds)
as ``typing`` frames without a sequence number, never replayed. The server runs the timer that
sends ``typing: false``. Used on the event loop's thread only."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from .clock import now_ms
from .hub import FeedHub
from .store import FeedEvent

_Key = tuple[str, str, str]  # (app id, conversation id, user id)


@dataclass(slots=True)
class Typist:
    started_at: int
    expires_at: int
    timer: asyncio.TimerHandle | None = None


class Typing:
    """The typists of every conversation, with their expiry timers."""

    def __init__(self, hub: FeedHub, audience: Callable[[str, str], Collection[str]], seconds: float) -> None:
        """``audience(app_id, conversation_id)``: who receives the conversation's typing frames."""
        self._hub = hub
        self._audience = audience
        self.seconds = seconds
        self._typists: dict[_Key, Typist] = {}

    def mark(self, app_id: str, conversation_id: str, user_id: str) -> Typist:
        """Start, or extend (keeping ``startedAt``), the user's typing; tells the participants."""
        key = (app_id, conversation_id, user_id)
        now = now_ms()
        typist = self._typists.get(key)
        if typist is None or typist.expires_at <= now:
            if typist is not None and typist.timer is not None:
                typist.timer.cancel()
            typist = self._typists[key] = Typist(now, now)
        elif typist.timer is not None:
            typist.timer.cancel()
        typist.expires_at = now + round(self.seconds * 1000)
        typist.timer = asyncio.get_running_loop().call_later(self.seconds, self._expire, key, typist)
        self._send(key, True, {"startedAt": typist.started_at, "expiresAt": typist.expires_at})
        return typist

    def clear(self, app_id: str, conversation_id: str, user_id: str) -> None:
        """The user stopped typing (sent a message, left): ``typing: false`` if they were typing."""
        key = (app_id, conversation_id, user_id)
        typist = self._typists.pop(key, None)
        if typist is None:
            return
        if typist.timer is not None:
            typist.timer.cancel()
        self._send(key, False, {})

    def current(self, app_id: str, conversation_id: str) -> list[dict[str, object]]:
        """Who types in the conversation now: the longest typist first (ties by user id)."""
        now = now_ms()
        found = [
            (t.started_at, uid, t.expires_at)
            for (app, cid, uid), t in self._typists.items()
            if app == app_id and cid == conversation_id and t.expires_at > now
        ]
        return [{"userId": uid, "startedAt": s, "expiresAt": e} for s, uid, e in sorted(found)]

    def after_commit(self, events: list[FeedEvent]) -> None:
        """A sent message ends its sender's typing; leaving ends it too; a deleted conversation
        forgets its typists (its participants were told it is gone)."""
        for event in events:
            cid = event.conversation_id
            if cid is None:
                continue
            if event.type == "message.sent":
                sender = event.data["message"].get("senderId")
                if sender is not None:
                    self.clear(event.app_id, cid, sender)
            elif event.type == "participant.left":
                self.clear(event.app_id, cid, event.data["userId"])
            elif event.type == "conversation.deleted":
                self._forget_conversation(event.app_id, cid)

    def _forget_conversation(self, app_id: str, conversation_id: str) -> None:
        self._forget(lambda key: key[:2] == (app_id, conversation_id))

    def forget_app(self, app_id: str) -> None:
        """A reset: every connection re-reads its state anyway, so no frames."""
        self._forget(lambda key: key[0] == app_id)

    def close(self) -> None:
        self._forget(lambda key: True)

    def _forget(self, which: Callable[[_Key], bool]) -> None:
        for key in [k for k in self._typists if which(k)]:
            typist = self._typists.pop(key)
            if typist.timer is not None:
                typist.timer.cancel()

    def _expire(self, key: _Key, typist: Typist) -> None:
        if self._typists.get(key) is typist:
            del self._typists[key]
            self._send(key, False, {})

    def _send(self, key: _Key, typing: bool, extra: Mapping[str, object]) -> None:
        app_id, conversation_id, user_id = key
        frame = {"op": "typing", "conversationId": conversation_id, "userId": user_id, "typing": typing, **extra}
        self._hub.send_ephemeral(app_id, self._audience(app_id, conversation_id), json.dumps(frame))
