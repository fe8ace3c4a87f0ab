"""``ConversationRef.subscribe_typing``: who else is typing in a conversation.

Typing is ephemeral: the feed sends ``typing`` frames (no ``seq``, never replayed) when someone
starts, re-marks or stops, and the server clears an entry 10 s after its last mark or when that
user sends a message. So the subscription reads ``GET .../typing`` when it starts and again after
every reconnect (and on every poll), applies frames as they come, drops an entry when its sender's
message arrives, and drops entries whose 10 s have passed by its own clock as a backstop.

The snapshot: ``FewTypingSnapshot(users)`` for up to five typists, the one typing longest first,
never the current user; ``ManyTypingSnapshot()`` for more, and while it stays "many" more typists
emit nothing. ``None`` while the user is not in the conversation. The TalkJS cloud has no
documented typing API: there the subscription ends at once in ``ErrorState``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model.errors import NotFoundError, PermissionDeniedError, TalkError
from ..model.snapshots import FewTypingSnapshot, ManyTypingSnapshot, TypingSnapshot, UserSnapshot
from ..transport.live import Frame
from ..transport.rest import path
from ._core import SessionCore
from ._single import SingleSubscription

OnTyping = Callable[[TypingSnapshot | None], Any]

MANY = 5
"""More typists than this give ``ManyTypingSnapshot`` (TalkJS's threshold)."""
TYPING_SECONDS = 10.0
"""How long one ``mark_as_typing`` lasts."""
GRACE_SECONDS = 0.5
"""The local backstop waits this much longer than the server's own timer."""

NO_CLOUD_TYPING = (
    "typing indicators are not available against the TalkJS cloud: it documents no typing API "
    "(the talkwidgets emulator and `talkwidgets serve` have one)"
)


@dataclass(frozen=True)
class Typist:
    started_at: int
    deadline: float
    """``time.monotonic()`` after which the entry is dropped if no frame said so first."""


def typist(entry: Frame) -> Typist:
    """A typist from a frame or a ``GET .../typing`` entry. The backstop waits at least 10 s, or
    the whole span the server gave (``expiresAt - startedAt``, longer after re-marks or on a server
    configured for longer typing), from now by this machine's clock: never earlier than the
    server's own timer, whatever the two clocks say."""
    started, expires = int(entry.get("startedAt") or 0), int(entry.get("expiresAt") or 0)
    span = max(TYPING_SECONDS, (expires - started) / 1000)
    return Typist(started, time.monotonic() + span + GRACE_SECONDS)


class TypingSubscription(SingleSubscription[TypingSnapshot]):
    """Mirror of JS ``TypingSubscription``."""

    TASK_NAME = "talkwidgets-typing"

    def __init__(self, core: SessionCore, conversation_id: str, on_snapshot: OnTyping | None) -> None:
        self.conversation_id = conversation_id
        self._typists: dict[str, Typist] | None = None
        """Who types (the current user left out); ``None`` while the user is not a participant."""
        self._timer: asyncio.Task[None] | None = None
        super().__init__(core, on_snapshot)
        if core.is_cloud:
            self._fail(TalkError(NO_CLOUD_TYPING))

    # -- reading and building ---------------------------------------------------------------------

    async def _read(self) -> TypingSnapshot | None:
        try:
            answer = await self._core.call("GET", path("conversations", self.conversation_id, "typing"))
        except (NotFoundError, PermissionDeniedError):
            self._typists = None
            return None
        self._typists = {}
        for entry in answer.get("data") or ():
            uid = entry.get("userId")
            if isinstance(uid, str) and uid != self._core.user_id:
                self._typists[uid] = typist(entry)
        return await self._build()

    async def _build(self) -> TypingSnapshot | None:
        self._arm_timer()
        typists = self._typists
        if typists is None:
            return None
        if len(typists) > MANY:
            return ManyTypingSnapshot()
        order = sorted(typists, key=lambda uid: (typists[uid].started_at, uid))
        users: list[UserSnapshot] = []
        for uid in order:
            user = await self._core.user_snapshot(uid)
            users.append(user if user is not None else UserSnapshot(id=uid, name=""))
        return FewTypingSnapshot(users=tuple(users))

    # -- live -------------------------------------------------------------------------------------

    async def _signal(self, frame: Frame) -> bool:
        op = frame.get("op")
        if op == "reconnected":
            return self._set(await self._read())  # typing frames missed while away are not replayed
        if op != "typing" or frame.get("conversationId") != self.conversation_id or self._typists is None:
            return False
        uid = frame.get("userId")
        if not isinstance(uid, str) or uid == self._core.user_id:
            return False
        if frame.get("typing"):
            self._typists[uid] = typist(frame)
        elif self._typists.pop(uid, None) is None:
            return False
        return self._set(await self._build())

    async def _apply(self, frame: Frame) -> bool:
        kind = frame.get("type")
        data = frame.get("data") or {}
        if kind == "user.updated":
            if self._typists is None or data["user"].get("id") not in self._typists:
                return False
            return self._set(await self._build())
        if frame.get("conversationId") != self.conversation_id:
            return False
        me = self._core.user_id
        if kind == "participant.joined" and data.get("userId") == me:
            return self._set(await self._read())
        if kind == "conversation.deleted" or (kind == "participant.left" and data.get("userId") == me):
            self._typists = None
            return self._set(None)
        # A sent message ends its sender's typing through the server's typing frame, not here: a
        # replayed message.sent may predate a newer mark that the re-read after reconnecting saw.
        return False

    def _set(self, value: TypingSnapshot | None) -> bool:
        if isinstance(value, ManyTypingSnapshot) and isinstance(self._current, ManyTypingSnapshot):
            return False  # "many" stays "many": no emission for more typists
        return super()._set(value)

    # -- the local backstop -----------------------------------------------------------------------

    def _arm_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._typists:
            due = min(t.deadline for t in self._typists.values())
            self._timer = asyncio.get_running_loop().create_task(self._expire_at(due))

    async def _expire_at(self, due: float) -> None:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        # An ended subscription, or a failed re-read that has already ended it in ErrorState.
        with contextlib.suppress(Exception):
            await self._run_in_order(self._expire)

    async def _expire(self) -> bool:
        if not self._typists:
            return False
        now = time.monotonic()
        expired = [uid for uid, t in self._typists.items() if t.deadline <= now]
        for uid in expired:
            del self._typists[uid]
        if not expired:
            self._arm_timer()
            return False
        return self._set(await self._build())

    def _cleanup(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
