"""``TalkSession``: one user's connection to one TalkJS app (a mirror of the JS Data API)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..model.errors import AuthenticationError, InvalidArgumentError, NotFoundError, TalkError, TalkSessionError
from ..model.files import (
    AudioFileMetadata,
    FileToken,
    GenericFileMetadata,
    ImageFileMetadata,
    VideoFileMetadata,
    VoiceRecordingFileMetadata,
)
from ..model.snapshots import ConversationSnapshot, MessageSnapshot, UserSnapshot
from ..model.wire import conversation_from_wire, message_from_wire, user_from_wire
from ..transport.auth import TokenFetcher
from ..transport.feed import FeedClient
from ..transport.rest import RestClient, path
from ._backend import Backend
from ._conversation_list import ConversationListSubscription, OnSnapshot
from ._refs import ConversationRef, UserRef, check_id
from ._uploads import AnyMetadata, UploadData, content_type, open_upload, probe_file, upload_fields

log = logging.getLogger("talkwidgets.session")

M = TypeVar("M")


@dataclass(frozen=True)
class UploadTarget:
    """A ``POST /files`` endpoint and the bearer token to use there."""

    url: str
    token: str = field(repr=False)


class _Done:
    """An already-finished awaitable, so ``unsubscribe()`` works with and without ``await``."""

    def __await__(self) -> Any:
        return iter(())


class ErrorSubscription:
    """Returned by ``on_error`` (the spec's ``ErrorSubscription``); ``unsubscribe()`` stops the handler."""

    def __init__(self, handlers: set[ErrorSubscription], handler: Callable[[Exception], Any]) -> None:
        self._handlers = handlers
        self.handler = handler
        handlers.add(self)

    def unsubscribe(self) -> _Done:
        self._handlers.discard(self)
        return _Done()


class _Poller:
    """Live updates against the TalkJS cloud: re-read each subscription's window periodically."""

    def __init__(self, session: TalkSession, interval: float) -> None:
        self.session = session
        self.interval = interval
        self.status = "connected"
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> int:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="talkwidgets-poll")
        return 0

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            for sub in list(self.session._subscriptions):
                sub._deliver(("resync",))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


class TalkSession:
    """The current user's view of a TalkJS app. Get one with ``await get_talk_session(...)``.

    Sessions are shared: the same app, user and host give the same object (see the registry).
    """

    def __init__(self, app_id: str, user_id: str, backend: Backend, *, poll_interval: float = 5.0) -> None:
        self._app_id = app_id
        self._backend = backend
        self._loop = asyncio.get_running_loop()
        self._rest = RestClient(backend.host, app_id, backend.tokens)
        self._users: dict[str, UserSnapshot] = {}
        self._user_refs: dict[str, UserRef] = {}
        self._conversation_refs: dict[str, ConversationRef] = {}
        self._subscriptions: set[ConversationListSubscription] = set()
        self._error_handlers: set[ErrorSubscription] = set()
        self._status_handlers: list[Callable[[str], Any]] = []
        self._error: BaseException | None = None
        self._closed = False
        self._poll_interval = poll_interval
        self._live: FeedClient | _Poller | None = None
        self.current_user: UserRef = self.user(user_id)
        """The user this session acts as (the same object as ``user(<own id>)``)."""

    def __repr__(self) -> str:
        return (
            f"<TalkSession app={self._app_id!r} user={self.current_user.id!r} "
            f"backend={self._backend.kind} {self._backend.host}>"
        )

    # -- identity and refs ----------------------------------------------------------------------

    @property
    def app_id(self) -> str:
        return self._app_id

    @property
    def host(self) -> str:
        """Root URL of the backend (the embedded emulator's, a ``talkwidgets serve``'s or the cloud's)."""
        return self._backend.host

    @property
    def backend(self) -> str:
        """``"embedded"``, ``"server"`` or ``"cloud"``."""
        return self._backend.kind

    @property
    def closed(self) -> bool:
        """True after ``aclose()``; the registry then makes a new session."""
        return self._closed

    @property
    def errored(self) -> bool:
        """True once an unrecoverable error ended this session; the registry then makes a new one."""
        return self._error is not None

    @property
    def connection(self) -> str:
        """Live-update link: ``"connected"``, ``"reconnecting"`` or ``"offline"`` (nothing subscribed)."""
        return self._live.status if self._live is not None else "offline"

    def user(self, id: str) -> UserRef:
        """A ref to a user (cached; no I/O)."""
        check_id("user", id)
        ref = self._user_refs.get(id)
        if ref is None:
            ref = self._user_refs[id] = UserRef(self, id)
        return ref

    def conversation(self, id: str) -> ConversationRef:
        """A ref to a conversation (cached; no I/O)."""
        check_id("conversation", id)
        ref = self._conversation_refs.get(id)
        if ref is None:
            ref = self._conversation_refs[id] = ConversationRef(self, id)
        return ref

    # -- subscriptions and errors --------------------------------------------------------------

    def subscribe_conversations(self, on_snapshot: OnSnapshot | None = None) -> ConversationListSubscription:
        """A live list of your conversations, most recently active first (window of 20 to start)."""
        if on_snapshot is not None and not callable(on_snapshot):
            raise InvalidArgumentError("on_snapshot must be callable")
        sub = ConversationListSubscription(self, on_snapshot)
        if self._error is not None:
            sub._fail(self._error)
        return sub

    def on_error(self, handler: Callable[[Exception], Any]) -> ErrorSubscription:
        """Call ``handler`` once if the session hits an unrecoverable error (bad app or token...)."""
        if not callable(handler):
            raise InvalidArgumentError("handler must be callable")
        return ErrorSubscription(self._error_handlers, handler)

    def on_connection_change(self, handler: Callable[[str], Any]) -> Callable[[], None]:
        """Python extension: hear ``connection`` changes; returns a function that stops it."""
        self._status_handlers.append(handler)
        return lambda: self._status_handlers.remove(handler) if handler in self._status_handlers else None

    # -- tokens ---------------------------------------------------------------------------------

    def set_token(self, token: str) -> None:
        """Replace the auth token; the live feed re-authenticates without losing updates."""
        if not isinstance(token, str) or not token:
            raise InvalidArgumentError("token must be a non-empty string")
        self._backend.tokens.set(token)
        if isinstance(self._live, FeedClient):
            self._loop.create_task(self._live.reconnect())

    @property
    def token_fetcher(self) -> TokenFetcher | None:
        return self._backend.tokens._fetcher

    @token_fetcher.setter
    def token_fetcher(self, fetcher: TokenFetcher | None) -> None:
        """A callable (sync or async) returning a fresh JWT, used before the current one expires."""
        if fetcher is not None and not callable(fetcher):
            raise InvalidArgumentError("token_fetcher must be callable")
        self._backend.tokens.set_fetcher(fetcher)

    # -- uploads --------------------------------------------------------------------------------

    async def upload_file(self, data: UploadData, metadata: GenericFileMetadata) -> FileToken:
        """Upload any file; answers a file token to send in a message's content."""
        return await self._upload(data, metadata, GenericFileMetadata, "upload_file")

    async def upload_image(self, data: UploadData, metadata: ImageFileMetadata) -> FileToken:
        return await self._upload(data, metadata, ImageFileMetadata, "upload_image")

    async def upload_video(self, data: UploadData, metadata: VideoFileMetadata) -> FileToken:
        return await self._upload(data, metadata, VideoFileMetadata, "upload_video")

    async def upload_audio(self, data: UploadData, metadata: AudioFileMetadata) -> FileToken:
        return await self._upload(data, metadata, AudioFileMetadata, "upload_audio")

    async def upload_voice(self, data: UploadData, metadata: VoiceRecordingFileMetadata) -> FileToken:
        return await self._upload(data, metadata, VoiceRecordingFileMetadata, "upload_voice")

    async def upload_path(self, file: str | os.PathLike[str], *, voice: bool = False) -> tuple[FileToken, AnyMetadata]:
        """Python extension: read the kind and width/height/duration from the file, then upload it."""
        metadata = await asyncio.to_thread(probe_file, file, voice=voice)
        upload: Callable[[Any, Any], Awaitable[FileToken]] = {
            GenericFileMetadata: self.upload_file,
            ImageFileMetadata: self.upload_image,
            VideoFileMetadata: self.upload_video,
            AudioFileMetadata: self.upload_audio,
            VoiceRecordingFileMetadata: self.upload_voice,
        }[type(metadata)]
        return await upload(file, metadata), metadata

    async def upload_target(self, ttl: float = 300) -> UploadTarget:
        """Python extension: where and how a browser may upload directly as the current user.

        Answers the ``/files`` URL and a user token living ``ttl`` seconds. Meant for messages
        to a front end (never for widget state). Raises ``TalkError`` when no user token can be
        made (a host reached with an app token and no secret key).
        """
        if not isinstance(ttl, (int, float)) or isinstance(ttl, bool) or not 10 <= ttl <= 3600:
            raise InvalidArgumentError("ttl must be between 10 and 3600 seconds")
        minter = self._backend.user_token_minter
        if minter is not None:
            token = minter(ttl)
        elif not self._backend.admin:
            token = await self._backend.tokens.get()
        else:
            raise TalkError("an app token cannot act as a user in the browser; pass secret_key= instead")
        return UploadTarget(url=f"{self._rest.base_url}/files", token=token)

    async def _upload(self, data: UploadData, metadata: Any, cls: type[M], name: str) -> FileToken:
        if type(metadata) is not cls:
            raise TypeError(f"{name} needs {cls.__name__}, got {type(metadata).__name__}")
        with open_upload(data) as stream:
            files = {"file": (metadata.filename, stream, content_type(metadata.filename))}
            answer = await self._call(
                "POST", path("files"), files=files, data=upload_fields(metadata, self._backend.kind)
            )
        return FileToken(answer["fileToken"])

    # -- lifecycle ------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Python extension: end subscriptions and close connections (for scripts and tests)."""
        self._closed = True
        for sub in list(self._subscriptions):
            sub.unsubscribe()
        await self._stop_live()
        await self._rest.aclose()

    # -- internals: REST ------------------------------------------------------------------------

    async def _call(self, method: str, url: str, **kwargs: Any) -> Any:
        """A REST call; auth failures that no refresh can fix end the session (``on_error``)."""
        if self._error is not None:
            raise TalkSessionError(f"this session has ended: {self._error}") from self._error
        try:
            return await self._rest.request(method, url, **kwargs)
        except AuthenticationError as exc:
            self._fail(TalkSessionError(f"the server refused this session's token: {exc}"))
            raise
        except TalkSessionError as exc:
            self._fail(exc)
            raise
        except NotFoundError as exc:
            if exc.error_code == "APP_NOT_FOUND":
                self._fail(TalkSessionError(f"app {self._app_id!r} does not exist on {self.host}"))
            raise

    async def _call_or_none(self, method: str, url: str, **kwargs: Any) -> Any:
        try:
            return await self._call(method, url, **kwargs)
        except NotFoundError as exc:
            if exc.error_code == "APP_NOT_FOUND":
                raise
            return None

    async def _user_snapshot(self, user_id: str, *, refresh: bool = False) -> UserSnapshot | None:
        if not refresh and user_id in self._users:
            return self._users[user_id]
        wire = await self._call_or_none("GET", path("users", user_id))
        if wire is None:
            self._users.pop(user_id, None)
            return None
        snap = self._users[user_id] = user_from_wire(wire)
        return snap

    def _forget_user(self, user_id: str) -> None:
        self._users.pop(user_id, None)

    async def _message_snapshot(self, wire: dict[str, Any]) -> MessageSnapshot:
        sender_id = wire.get("senderId")
        sender = await self._user_snapshot(sender_id) if sender_id else None
        return message_from_wire(wire, sender)

    async def _conversation_from_wire(self, wire: dict[str, Any]) -> ConversationSnapshot:
        last = wire.get("lastMessage")
        message = await self._message_snapshot(last) if last else None
        return conversation_from_wire(wire, last_message=message, user_id=self.current_user.id)

    async def _conversation_snapshot(self, conversation_id: str) -> ConversationSnapshot | None:
        me = self.current_user.id
        if self._backend.kind == "cloud":
            wire = await self._call_or_none("GET", path("conversations", conversation_id))
            if wire is None or me not in (wire.get("participants") or {}):
                return None
        else:
            wire = await self._call_or_none("GET", path("users", me, "conversations", conversation_id))
            if wire is None:
                return None
        return await self._conversation_from_wire(wire)

    # -- internals: live updates ------------------------------------------------------------------

    async def _attach(self, sub: ConversationListSubscription) -> None:
        if self._error is not None:
            raise self._error
        self._subscriptions.add(sub)
        if self._live is None:
            if self._backend.live == "poll":
                self._live = _Poller(self, self._poll_interval)
            else:
                self._live = FeedClient(
                    self._backend.host,
                    self._app_id,
                    self.current_user.id,
                    self._backend.tokens,
                    on_frame=self._on_frame,
                    on_status=self._on_status,
                    on_fatal=self._fail,
                )
        await self._live.start()

    def _detach(self, sub: ConversationListSubscription) -> None:
        self._subscriptions.discard(sub)
        if not self._subscriptions and self._live is not None and not self._loop.is_closed():
            self._loop.create_task(self._stop_live())

    async def _stop_live(self) -> None:
        live, self._live = self._live, None
        if live is not None:
            await live.stop()
            self._on_status("offline")

    def _on_status(self, status: str) -> None:
        for handler in list(self._status_handlers):
            try:
                handler(status)
            except Exception:
                log.exception("connection handler raised")

    def _on_frame(self, frame: dict[str, Any]) -> None:
        if frame.get("op") == "resync":
            for sub in list(self._subscriptions):
                sub._deliver(("resync",))
            return
        if frame.get("type") == "user.updated":
            wire = frame["data"]["user"]
            self._users[wire["id"]] = user_from_wire(wire)
        for sub in list(self._subscriptions):
            sub._deliver(("frame", frame))

    def _fail(self, error: BaseException) -> None:
        """An unrecoverable error: tell ``on_error`` handlers once and end every subscription."""
        if self._error is not None:
            return
        self._error = error if isinstance(error, TalkError) else TalkSessionError(str(error))
        handlers, self._error_handlers = list(self._error_handlers), set()
        for sub in list(self._subscriptions):
            sub._fail(self._error)
        for entry in handlers:
            try:
                entry.handler(self._error)  # type: ignore[arg-type]
            except Exception:
                log.exception("on_error handler raised")
        if not self._loop.is_closed():
            self._loop.create_task(self._stop_live())
