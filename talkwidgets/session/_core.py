"""``SessionCore``: what refs, subscriptions and the session share.

One core per ``TalkSession``. It owns the REST client, the user cache, snapshot building, the
current user's id, the event loop, the fatal-error state and the live source; refs and
subscriptions use it through its public methods only. ``TalkSession`` is the user-facing facade
over it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from ..model.errors import AuthenticationError, NotFoundError, PermissionDeniedError, TalkError, TalkSessionError
from ..model.snapshots import ConversationSnapshot, MessageSnapshot, ReferencedMessageSnapshot, UserSnapshot
from ..model.wire import conversation_from_wire, message_from_wire, referenced_message_from_wire, user_from_wire
from ..transport.auth import TokenSource
from ..transport.feed import FeedClient
from ..transport.live import Frame, LiveSource, Status, is_resync
from ..transport.poller import Poller
from ..transport.rest import RestClient, path
from ._backend import Backend

log = logging.getLogger("talkwidgets.session")

Wire = dict[str, Any]
"""A decoded REST JSON object (camelCase keys, Unix-ms timestamps)."""

MAX_WATCHED = 1000
"""The feed's limit on users whose presence (and, separately, whose profile) one connection watches."""

USER_VIEW_FIELDS = ("joinedAt", "readUntil", "access", "notify", "isUnread", "unreadMessageCount")


@dataclass(frozen=True, eq=False)
class Listener:
    """A receiver of live frames (a subscription), attached to the core while it runs.

    ``on_frame`` gets every frame in order (events and resyncs); it must only queue work, not
    block. ``on_fatal`` hears the session's unrecoverable error; ``on_close`` that the session
    was closed. Compared by identity.
    """

    on_frame: Callable[[Frame], None]
    on_fatal: Callable[[TalkError], None]
    on_close: Callable[[], None]


class SessionCore:
    """REST calls, snapshots, caches, fatal errors and live listeners of one user's session."""

    def __init__(self, app_id: str, user_id: str, backend: Backend, *, poll_interval: float = 5.0) -> None:
        self.app_id = app_id
        self.user_id = user_id
        """The current user's id."""
        self.backend = backend
        self.loop = asyncio.get_running_loop()
        """The loop this session lives on: its HTTP client, feed, tasks and futures belong there."""
        self.owner: object | None = None
        """The ``TalkSession`` over this core. Held here so that a running subscription, which holds
        the core, keeps its session alive (and in the registry)."""
        self._poll_interval = poll_interval
        self._rest = RestClient(backend.host, app_id, backend.tokens)
        self._users: dict[str, UserSnapshot] = {}
        self._listeners: dict[Listener, None] = {}
        self._error_handlers: dict[object, Callable[[TalkError], Any]] = {}
        self._status_handlers: list[Callable[[str], Any]] = []
        self._error: TalkError | None = None
        self._live: LiveSource | None = None
        self._watched: dict[str, int] = {}
        """Users whose presence subscriptions watch, with how many watch each."""
        self._watched_users: dict[str, int] = {}
        """Users whose profile subscriptions watch, with how many watch each."""

    # -- identity and state ---------------------------------------------------------------------

    @property
    def backend_kind(self) -> Literal["embedded", "server", "cloud"]:
        return self.backend.kind

    @property
    def is_cloud(self) -> bool:
        """True against the TalkJS cloud: only its documented REST API is there."""
        return self.backend.kind == "cloud"

    def require_extension(self, what: str) -> None:
        """Raise ``TalkError`` at once when ``what`` needs a route only the emulator serves."""
        if self.is_cloud:
            raise TalkError(
                f"{what} is not available against the TalkJS cloud: its documented REST API has no "
                "route for it (the talkwidgets emulator and `talkwidgets serve` have one)"
            )

    @property
    def tokens(self) -> TokenSource:
        return self.backend.tokens

    @property
    def api_url(self) -> str:
        """``{host}/v1/{app_id}``: the root of the app's REST API."""
        return self._rest.base_url

    @property
    def error(self) -> TalkError | None:
        """The unrecoverable error that ended the session, if one did."""
        return self._error

    @property
    def connection(self) -> Status:
        """Live-update link: ``"connected"``, ``"reconnecting"`` or ``"offline"`` (nothing attached)."""
        return self._live.status if self._live is not None else "offline"

    # -- REST -----------------------------------------------------------------------------------

    async def call(self, method: str, url: str, **kwargs: Any) -> Any:
        """A REST call; auth failures that no refresh can fix end the session (``fail``)."""
        if self._error is not None:
            raise TalkSessionError(f"this session has ended: {self._error}") from self._error
        try:
            return await self._rest.request(method, url, **kwargs)
        except AuthenticationError as exc:
            self.fail(TalkSessionError(f"the server refused this session's token: {exc}"))
            raise
        except TalkSessionError as exc:
            self.fail(exc)
            raise
        except NotFoundError as exc:
            if exc.error_code == "APP_NOT_FOUND":
                self.fail(TalkSessionError(f"app {self.app_id!r} does not exist on {self.backend.host}"))
            raise

    async def emulator_health(self) -> Any:
        """``GET /_emulator/health`` of the backend (no credentials); a ``TalkRequestError`` where
        the backend is not a talkwidgets emulator."""
        return await self._rest.emulator_health()

    async def call_or_none(self, method: str, url: str, **kwargs: Any) -> Any:
        """Like ``call``, but a 404 (other than a missing app) answers ``None``."""
        try:
            return await self.call(method, url, **kwargs)
        except NotFoundError as exc:
            if exc.error_code == "APP_NOT_FOUND":
                raise
            return None

    # -- snapshots and the user cache -----------------------------------------------------------

    async def user_snapshot(self, user_id: str, *, refresh: bool = False) -> UserSnapshot | None:
        """A user, from the cache unless ``refresh``; ``None`` when the user does not exist."""
        if not refresh and user_id in self._users:
            return self._users[user_id]
        wire = await self.call_or_none("GET", path("users", user_id))
        if wire is None:
            self._users.pop(user_id, None)
            return None
        snap = self._users[user_id] = user_from_wire(wire)
        return snap

    def remember_user(self, wire: Wire) -> UserSnapshot:
        """Cache a user read from elsewhere (a live ``user.updated`` event or ``user`` frame)."""
        snap = self._users[wire["id"]] = user_from_wire(wire)
        return snap

    def forget_user(self, user_id: str) -> None:
        """Drop a cached user (after changing it), so the next read fetches it."""
        self._users.pop(user_id, None)

    async def message_snapshot(self, wire: Wire) -> MessageSnapshot:
        """A message with its sender (and its reply's, when the JSON has ``referencedMessage``)
        resolved through the user cache."""
        sender_id = wire.get("senderId")
        sender = await self.user_snapshot(sender_id) if sender_id else None
        referenced: ReferencedMessageSnapshot | None = None
        ref = wire.get("referencedMessage")
        if isinstance(ref, dict) and ref.get("senderId"):
            ref_sender = await self.user_snapshot(ref["senderId"])
            if ref_sender is not None:
                referenced = referenced_message_from_wire(ref, ref_sender)
        return message_from_wire(wire, sender, referenced_message=referenced)

    async def conversation_from_wire(self, wire: Wire) -> ConversationSnapshot:
        """A conversation as the current user sees it, with its last message resolved."""
        last = wire.get("lastMessage")
        message = await self.message_snapshot(last) if last else None
        return conversation_from_wire(wire, last_message=message, user_id=self.user_id)

    async def user_conversation_wire(self, conversation_id: str) -> Wire | None:
        """A conversation's JSON as the current user sees it; ``None`` if it does not exist or the
        user is not in it. Against the cloud, the user's own fields are copied up from its entry in
        ``participants`` (TalkJS's single-conversation route is not per user)."""
        me = self.user_id
        try:
            if not self.is_cloud:
                wire: Wire | None = await self.call_or_none("GET", path("users", me, "conversations", conversation_id))
                return wire
            wire = await self.call_or_none("GET", path("conversations", conversation_id))
        except PermissionDeniedError:
            return None
        mine = (wire or {}).get("participants", {}).get(me)
        if wire is None or not isinstance(mine, dict):
            return None
        return dict(wire, **{k: mine[k] for k in USER_VIEW_FIELDS if k in mine and wire.get(k) is None})

    async def conversation_snapshot(self, conversation_id: str) -> ConversationSnapshot | None:
        """A conversation read over REST; ``None`` if it does not exist or the user is not in it."""
        wire = await self.user_conversation_wire(conversation_id)
        return None if wire is None else await self.conversation_from_wire(wire)

    # -- errors ---------------------------------------------------------------------------------

    def on_error(self, handler: Callable[[TalkError], Any]) -> Callable[[], None]:
        """Call ``handler(error)`` once if the session fails; returns a function that removes it."""
        key = object()
        self._error_handlers[key] = handler

        def remove() -> None:
            self._error_handlers.pop(key, None)

        return remove

    def fail(self, error: BaseException) -> None:
        """An unrecoverable error: end every listener and tell ``on_error`` handlers, once."""
        if self._error is not None:
            return  # the session has already ended: handlers are told exactly once
        self._error = error if isinstance(error, TalkError) else TalkSessionError(str(error))
        for listener in list(self._listeners):
            listener.on_fatal(self._error)
        for handler in list(self._error_handlers.values()):
            try:
                handler(self._error)
            except Exception:
                log.exception("on_error handler raised")
        if not self.loop.is_closed():
            self.loop.create_task(self._stop_live())

    # -- live updates ---------------------------------------------------------------------------

    def on_connection_change(self, handler: Callable[[str], Any]) -> Callable[[], None]:
        """Call ``handler(status)`` on each ``connection`` change; returns a function that stops it."""
        self._status_handlers.append(handler)
        return lambda: self._status_handlers.remove(handler) if handler in self._status_handlers else None

    async def attach(self, listener: Listener) -> None:
        """Start delivering frames to ``listener``; returns once the live source runs."""
        if self._error is not None:
            raise self._error
        self._listeners[listener] = None
        if self._live is None:
            self._live = self._make_live_source()
            self._push_watch()
        await self._live.start()

    def detach(self, listener: Listener) -> None:
        """Stop delivering to ``listener``; the live source stops with the last one."""
        self._listeners.pop(listener, None)
        if not self._listeners and self._live is not None and not self.loop.is_closed():
            self.loop.create_task(self._stop_live())

    async def reconnect(self) -> None:
        """Make the live source pick up a new token."""
        if self._live is not None:
            await self._live.reconnect()

    def watch_presence(self, user_id: str) -> Callable[[], None]:
        """Ask the live source for ``presence`` frames about ``user_id``; returns the undo.

        Watches are counted, so several subscriptions may watch one user. Raises ``TalkError`` past
        the feed's limit of distinct users per connection.
        """
        if user_id not in self._watched and len(self._watched) >= MAX_WATCHED:
            raise TalkError(f"one session watches the presence of at most {MAX_WATCHED} users")
        return self._watch(self._watched, user_id)

    def watch_user(self, user_id: str) -> Callable[[], None]:
        """Ask the live source for ``user`` frames about ``user_id`` (their profile changes, which
        the feed's events carry only for the current user's contacts); returns the undo.

        Counted like ``watch_presence``. Past the feed's limit of distinct users the user is not
        watched (the undo does nothing): their subscription is then re-read on every reconnect
        only, as before the feed could watch users.
        """
        if user_id not in self._watched_users and len(self._watched_users) >= MAX_WATCHED:
            log.warning("not following user %r live: this session already watches %d users", user_id, MAX_WATCHED)
            return lambda: None
        return self._watch(self._watched_users, user_id)

    def _watch(self, counts: dict[str, int], user_id: str) -> Callable[[], None]:
        counts[user_id] = counts.get(user_id, 0) + 1
        self._push_watch()
        done = False

        def unwatch() -> None:
            nonlocal done
            if done:
                return
            done = True
            left = counts.get(user_id, 0) - 1
            if left > 0:
                counts[user_id] = left
            else:
                counts.pop(user_id, None)
            self._push_watch()

        return unwatch

    def _push_watch(self) -> None:
        if self._live is not None:
            self._live.watch(sorted(self._watched), sorted(self._watched_users))

    def _make_live_source(self) -> LiveSource:
        """The backend decides: the cloud is polled, the emulator has a feed."""
        if self.backend.live == "poll":
            return Poller(self._poll_interval, on_frame=self._on_frame, on_status=self._on_status)
        return FeedClient(
            self.backend.host,
            self.app_id,
            self.user_id,
            self.backend.tokens,
            on_frame=self._on_frame,
            on_status=self._on_status,
            on_fatal=self.fail,
        )

    async def _stop_live(self) -> None:
        live, self._live = self._live, None
        if live is not None:
            await live.stop()

    def _on_status(self, status: str) -> None:
        for handler in list(self._status_handlers):
            try:
                handler(status)
            except Exception:
                log.exception("connection handler raised")

    def _on_frame(self, frame: Frame) -> None:
        if not is_resync(frame) and frame.get("type") == "user.updated":
            self.remember_user(frame["data"]["user"])
        elif frame.get("op") == "user":  # a watched user, now (None: no such user)
            if frame.get("user") is None:
                self.forget_user(frame["userId"])
            else:
                self.remember_user(frame["user"])
        for listener in list(self._listeners):
            listener.on_frame(frame)

    # -- lifecycle ------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """End every listener, stop the live source, the token timer and the HTTP client."""
        for listener in list(self._listeners):
            listener.on_close()
        await self._stop_live()
        self.backend.tokens.close()
        await self._rest.aclose()
