"""``UserRef.subscribe`` and ``UserRef.subscribe_online``: one user, and whether they are online.

A user's changes reach the session as ``user.updated`` events, which the feed sends about the
current user and about everyone who shares a conversation with them. For anyone else a
subscription asks the feed to ``watch`` the user and follows its ``user`` frames; the server sends
those only to connections that do not get the event, so watching a contact costs nothing but the
frame answering the watch (and contacts change as people join and leave conversations, which a
subscription would otherwise have to track). The snapshot is also re-read whenever the feed
reconnects or resyncs. Polling (the TalkJS cloud) re-reads it on every poll.

Online means holding at least one live-feed connection: a ``TalkSession`` is online while it has
a subscription running over the feed. ``subscribe_online`` asks the feed to ``watch`` the user
and follows its ``presence`` frames; polling re-reads ``GET /users/{id}/presence``. The TalkJS
cloud has no documented presence API, so there the subscription ends at once in ``ErrorState``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..model.errors import TalkError
from ..model.snapshots import UserOnlineSnapshot, UserSnapshot
from ..transport.live import Frame
from ..transport.rest import path
from ._core import SessionCore
from ._single import SingleSubscription

OnUser = Callable[[UserSnapshot | None], Any]
OnUserOnline = Callable[[UserOnlineSnapshot | None], Any]

NO_CLOUD_PRESENCE = (
    "online status is not available against the TalkJS cloud: it documents no presence API "
    "(the talkwidgets emulator and `talkwidgets serve` have one)"
)


class UserSubscription(SingleSubscription[UserSnapshot]):
    """Mirror of JS ``UserSubscription``: the user, or ``None`` while they do not exist."""

    TASK_NAME = "talkwidgets-user"

    def __init__(self, core: SessionCore, user_id: str, on_snapshot: OnUser | None) -> None:
        self.user_id = user_id
        self._unwatch: Callable[[], None] | None = None
        super().__init__(core, on_snapshot)

    async def _load(self) -> None:
        if self.user_id != self._core.user_id:  # the current user's own events always arrive
            self._unwatch = self._core.watch_user(self.user_id)
        await super()._load()

    async def _read(self) -> UserSnapshot | None:
        return await self._core.user_snapshot(self.user_id, refresh=True)

    async def _apply(self, frame: Frame) -> bool:
        if frame.get("type") == "user.updated" and frame["data"]["user"].get("id") == self.user_id:
            return self._set(await self._core.user_snapshot(self.user_id))  # cached by the core from the event
        return False

    async def _signal(self, frame: Frame) -> bool:
        if frame.get("op") == "user" and frame.get("userId") == self.user_id:
            user = frame.get("user")  # cached by the core from the frame
            return self._set(None if user is None else await self._core.user_snapshot(self.user_id))
        if frame.get("op") == "reconnected":
            return self._set(await self._read())  # events are replayed, but this user's may not be ours
        return False

    def _cleanup(self) -> None:
        unwatch, self._unwatch = self._unwatch, None
        if unwatch is not None:
            unwatch()


class UserOnlineSubscription(SingleSubscription[UserOnlineSnapshot]):
    """Mirror of JS ``UserOnlineSubscription``: the user and ``is_connected``, or ``None`` while the
    user does not exist."""

    TASK_NAME = "talkwidgets-user-online"

    def __init__(self, core: SessionCore, user_id: str, on_snapshot: OnUserOnline | None) -> None:
        self.user_id = user_id
        self._online = False
        self._unwatch: list[Callable[[], None]] = []
        super().__init__(core, on_snapshot)
        if core.is_cloud:
            self._fail(TalkError(NO_CLOUD_PRESENCE))

    async def _load(self) -> None:
        self._unwatch.append(self._core.watch_presence(self.user_id))
        if self.user_id != self._core.user_id:
            self._unwatch.append(self._core.watch_user(self.user_id))
        await super()._load()

    async def _read(self) -> UserOnlineSnapshot | None:
        user = await self._core.user_snapshot(self.user_id, refresh=True)
        if user is None:
            return None
        answer = await self._core.call_or_none("GET", path("users", self.user_id, "presence"))
        self._online = bool((answer or {}).get("isOnline"))
        return UserOnlineSnapshot(user=user, is_connected=self._online)

    async def _rebuild(self) -> bool:
        user = await self._core.user_snapshot(self.user_id)
        return self._set(None if user is None else UserOnlineSnapshot(user=user, is_connected=self._online))

    async def _apply(self, frame: Frame) -> bool:
        if frame.get("type") == "user.updated" and frame["data"]["user"].get("id") == self.user_id:
            return await self._rebuild()
        return False

    async def _signal(self, frame: Frame) -> bool:
        if frame.get("op") == "user" and frame.get("userId") == self.user_id:
            return await self._rebuild() if frame.get("user") is not None else self._set(None)
        if frame.get("op") == "presence" and frame.get("userId") == self.user_id:
            self._online = frame.get("isOnline") is True
            return await self._rebuild() if self._current is not None else self._set(await self._read())
        if frame.get("op") == "reconnected":
            return self._set(await self._read())
        return False

    def _cleanup(self) -> None:
        unwatch, self._unwatch = self._unwatch, []
        for undo in unwatch:
            undo()
