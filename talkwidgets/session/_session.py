"""``TalkSession``: one user's connection to one TalkJS app (a mirror of the JS Data API).

The session is the user-facing facade: refs, subscriptions, tokens, uploads and lifecycle. What
refs and subscriptions share (REST, snapshots, caches, errors, live updates) lives in its
:class:`~talkwidgets.session._core.SessionCore`.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..model.errors import InvalidArgumentError, TalkError
from ..model.files import (
    UPLOAD_KIND_BY_METADATA,
    UPLOAD_KINDS,
    AudioFileMetadata,
    FileMetadata,
    FileToken,
    GenericFileMetadata,
    ImageFileMetadata,
    VideoFileMetadata,
    VoiceRecordingFileMetadata,
    upload_kind_of,
)
from ..transport.auth import TokenFetcher
from ..transport.rest import path
from ._backend import Backend
from ._conversation_list import ConversationListSubscription, OnSnapshot
from ._core import SessionCore
from ._filters import ConversationFilter, filter_to_wire
from ._limits import UploadLimit, read_upload_limit
from ._params import check_callback
from ._refs import ConversationRef, RefCache, UserRef
from ._search import ConversationSearch, MessageSearch
from ._uploads import UploadData, UploadStream, content_type, open_upload, probe_file, streamed_form, upload_fields


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

    def __init__(self, handler: Callable[[Exception], Any], remove: Callable[[], None]) -> None:
        self.handler = handler
        self._remove = remove

    def unsubscribe(self) -> _Done:
        self._remove()
        return _Done()


class TalkSession:
    """The current user's view of a TalkJS app. Get one with ``await get_talk_session(...)``.

    Sessions are shared: the same app, user and host give the same object (see the registry).
    """

    def __init__(self, app_id: str, user_id: str, backend: Backend, *, poll_interval: float = 5.0) -> None:
        self._core = SessionCore(app_id, user_id, backend, poll_interval=poll_interval)
        self._core.owner = self
        self._refs = RefCache(self._core)
        self._closed = False
        self._upload_limit: UploadLimit | None = None
        self.current_user: UserRef = self.user(user_id)
        """The user this session acts as (the same object as ``user(<own id>)``)."""

    def __repr__(self) -> str:
        return f"<TalkSession app={self.app_id!r} user={self.current_user.id!r} backend={self.backend} {self.host}>"

    # -- identity and refs ----------------------------------------------------------------------

    @property
    def app_id(self) -> str:
        return self._core.app_id

    @property
    def host(self) -> str:
        """Root URL of the backend (the embedded emulator's, a ``talkwidgets serve``'s or the cloud's)."""
        return self._core.backend.host

    @property
    def backend(self) -> str:
        """``"embedded"``, ``"server"`` or ``"cloud"``."""
        return self._core.backend_kind

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """Python extension: the event loop this session lives on. Its connections, tasks and
        futures belong to that loop; code on another thread schedules work there."""
        return self._core.loop

    @property
    def closed(self) -> bool:
        """True after ``aclose()``; the registry then makes a new session."""
        return self._closed

    @property
    def errored(self) -> bool:
        """True once an unrecoverable error ended this session; the registry then makes a new one."""
        return self._core.error is not None

    @property
    def connection(self) -> str:
        """Live-update link: ``"connected"``, ``"reconnecting"`` or ``"offline"`` (nothing subscribed)."""
        return self._core.connection

    def user(self, id: str) -> UserRef:
        """A ref to a user (cached; no I/O)."""
        return self._refs.user(id)

    def conversation(self, id: str) -> ConversationRef:
        """A ref to a conversation (cached; no I/O)."""
        return self._refs.conversation(id)

    # -- subscriptions and errors --------------------------------------------------------------

    def subscribe_conversations(
        self, on_snapshot: OnSnapshot | None = None, *, filter: ConversationFilter | None = None
    ) -> ConversationListSubscription:
        """A live list of your conversations, most recently active first (window of 20 to start),
        optionally only those matching ``filter`` (a ``ConversationFilter``, checked here)."""
        check_callback(on_snapshot)
        wire_filter = filter_to_wire(filter) if filter is not None else None
        return ConversationListSubscription(self._core, on_snapshot, wire_filter=wire_filter)

    def search_messages(self, on_results: Callable[..., Any] | None = None) -> MessageSearch:
        """A message search: ``await search.set_query(text)``, then ``load_more``. ``on_results(results,
        status)`` hears every change; status is ``"searching"``, ``"canLoadMore"`` or ``"loadedAll"``."""
        check_callback(on_results, "on_results")
        return MessageSearch(self._core, on_results)

    def search_conversations(self, on_results: Callable[..., Any] | None = None) -> ConversationSearch:
        """A conversation search (by subject or ``custom["search"]``); used like ``search_messages``."""
        check_callback(on_results, "on_results")
        return ConversationSearch(self._core, on_results)

    def on_error(self, handler: Callable[[Exception], Any]) -> ErrorSubscription:
        """Call ``handler`` once if the session hits an unrecoverable error (bad app or token...)."""
        if not callable(handler):
            raise InvalidArgumentError("handler must be callable")
        return ErrorSubscription(handler, self._core.on_error(handler))

    def on_connection_change(self, handler: Callable[[str], Any]) -> Callable[[], None]:
        """Python extension: hear ``connection`` changes; returns a function that stops it."""
        return self._core.on_connection_change(handler)

    # -- tokens ---------------------------------------------------------------------------------

    def set_token(self, token: str) -> None:
        """Replace the auth token; the live feed re-authenticates without losing updates."""
        if not isinstance(token, str) or not token:
            raise InvalidArgumentError("token must be a non-empty string")
        self._core.tokens.set(token)
        self._core.loop.create_task(self._core.reconnect())

    @property
    def token_fetcher(self) -> TokenFetcher | None:
        return self._core.tokens.fetcher

    @token_fetcher.setter
    def token_fetcher(self, fetcher: TokenFetcher | None) -> None:
        """A callable (sync or async) returning a fresh JWT, used before the current one expires."""
        if fetcher is not None and not callable(fetcher):
            raise InvalidArgumentError("token_fetcher must be callable")
        self._core.tokens.set_fetcher(fetcher)

    # -- uploads --------------------------------------------------------------------------------

    async def upload_file(self, data: UploadData, metadata: GenericFileMetadata) -> FileToken:
        """Upload any file; answers a file token to send in a message's content."""
        return await self._upload_as("upload_file", data, metadata)

    async def upload_image(self, data: UploadData, metadata: ImageFileMetadata) -> FileToken:
        return await self._upload_as("upload_image", data, metadata)

    async def upload_video(self, data: UploadData, metadata: VideoFileMetadata) -> FileToken:
        return await self._upload_as("upload_video", data, metadata)

    async def upload_audio(self, data: UploadData, metadata: AudioFileMetadata) -> FileToken:
        return await self._upload_as("upload_audio", data, metadata)

    async def upload_voice(self, data: UploadData, metadata: VoiceRecordingFileMetadata) -> FileToken:
        return await self._upload_as("upload_voice", data, metadata)

    async def upload(self, data: UploadData, metadata: FileMetadata) -> FileToken:
        """Python extension: upload with whichever ``upload_*`` method ``metadata``'s class belongs to.

        ``data`` may also be an ``UploadStream`` (bytes sent while they arrive), as for every
        ``upload_*`` method. Raises ``TypeError`` when ``metadata`` is not one of the five metadata
        classes.
        """
        upload_kind_of(metadata)  # raises TypeError for anything but a metadata instance
        return await self._post_file(data, metadata)

    async def upload_path(self, file: str | os.PathLike[str], *, voice: bool = False) -> tuple[FileToken, FileMetadata]:
        """Python extension: read the kind and width/height/duration from the file, then upload it."""
        metadata = await asyncio.to_thread(probe_file, file, voice=voice)
        return await self.upload(file, metadata), metadata

    async def upload_target(self, ttl: float = 300) -> UploadTarget:
        """Python extension: where and how a browser may upload directly as the current user.

        Answers the ``/files`` URL and a user token living ``ttl`` seconds. Meant for messages
        to a front end (never for widget state). Raises ``TalkError`` when no user token can be
        made (a host reached with an app token and no secret key).
        """
        if not isinstance(ttl, (int, float)) or isinstance(ttl, bool) or not 10 <= ttl <= 3600:
            raise InvalidArgumentError("ttl must be between 10 and 3600 seconds")
        backend = self._core.backend
        if backend.user_token_minter is not None:
            token = backend.user_token_minter(ttl)
        elif not backend.admin:
            token = await backend.tokens.get()
        else:
            raise TalkError("an app token cannot act as a user in the browser; pass secret_key= instead")
        return UploadTarget(url=f"{self._core.api_url}/files", token=token)

    async def upload_limit(self) -> UploadLimit:
        """Python extension: the largest file the backend takes, so a front end can refuse a larger
        one before sending it.

        ``max_bytes`` is the emulator's limit (embedded or ``talkwidgets serve``, read from its
        health endpoint once per session) or ``None`` with the ``reason`` when the backend publishes
        none (the TalkJS cloud). Raises ``TalkConnectionError`` when the backend cannot be reached.
        """
        if self._upload_limit is None:
            self._upload_limit = await read_upload_limit(self._core)
        return self._upload_limit

    async def _upload_as(self, method: str, data: UploadData, metadata: FileMetadata) -> FileToken:
        """An ``upload_<kind>`` method: exactly its own metadata class, since the class decides how
        the file is shown."""
        kind = UPLOAD_KIND_BY_METADATA.get(type(metadata))
        if kind is None or kind.upload_method != method:
            expected = next(k for k in UPLOAD_KINDS if k.upload_method == method).metadata_class
            raise TypeError(f"{method} needs {expected.__name__}, got {type(metadata).__name__}")
        return await self._post_file(data, metadata)

    async def _post_file(self, data: UploadData, metadata: FileMetadata) -> FileToken:
        fields = upload_fields(metadata, self._core.backend_kind)
        mime = content_type(metadata.filename)
        if isinstance(data, UploadStream):
            headers, body = streamed_form(data, metadata.filename, mime, fields)
            answer = await self._core.call("POST", path("files"), content=body, headers=headers)
        else:
            with open_upload(data) as stream:
                files = {"file": (metadata.filename, stream, mime)}
                answer = await self._core.call("POST", path("files"), files=files, data=fields)
        return FileToken(answer["fileToken"])

    # -- lifecycle ------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Python extension: end subscriptions and close connections (for scripts and tests)."""
        self._closed = True
        await self._core.aclose()
