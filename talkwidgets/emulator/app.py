"""The emulator as an ASGI application: TalkJS REST routes under ``/v1`` and ``/public_api/v1``."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, Router, WebSocketRoute

from .. import __version__
from . import api_conversations, api_files, api_messages, api_users
from ._http import endpoint
from .auth import Principal
from .config import EmulatorConfig
from .errors import ApiError
from .feed import PROTOCOL_VERSION, FeedHub, feed_endpoint
from .store import Changes, Store
from .webhooks import WebhookSender


class Emulator:
    """The state behind one emulator app: storage, live-feed hub, webhooks, uploaded files."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        self.store = Store(self.config.db_path, event_retention=self.config.event_retention)
        self.hub = FeedHub()
        self.webhooks = WebhookSender(self.store, self.config.webhook_timeout, self.config.webhook_retry_delay)
        self._own_files_dir = self.config.files_dir is None and self.config.db_path == ":memory:"
        if self.config.files_dir is not None:
            self.files_dir = self.config.files_dir
        elif self.config.db_path == ":memory:":
            self.files_dir = tempfile.mkdtemp(prefix="talkwidgets-files-")
        else:
            self.files_dir = self.config.db_path + ".files"
        os.makedirs(self.files_dir, exist_ok=True)
        self.store.on_commit = self._published
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None

    def _published(self, changes: Changes) -> None:
        if changes.events:
            self.hub.publish(changes.events)
        if changes.webhooks and self._loop is not None:
            if threading.get_ident() == self._loop_thread:
                self._submit(changes)
            else:
                self._loop.call_soon_threadsafe(self._submit, changes)

    def _submit(self, changes: Changes) -> None:
        for app_id, type_, data in changes.webhooks:
            self.webhooks.submit(app_id, type_, data)

    def bind_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self.hub.bind(loop)

    def reset(self, app_id: str) -> None:
        """Empty one app (users, conversations, messages, files, events); keeps its secret key.

        Sequence numbers keep counting, and connected live feeds receive a ``resync``.
        """
        paths = self.store.file_paths(app_id)
        self.store.reset(app_id)
        self.hub.resync(app_id, self.store.latest_seq(app_id), "the app was reset")
        for path in paths:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)

    async def aclose(self) -> None:
        self.hub.close_all()
        await self.webhooks.aclose()

    def close(self) -> None:
        self.store.close()
        if self._own_files_dir:
            shutil.rmtree(self.files_dir, ignore_errors=True)


async def health(request: Request) -> Response:
    """Who answers, and the limits a client should know before it sends (uploads are refused above
    ``maxUploadBytes``, raw file bytes)."""
    em: Emulator = request.app.state.emulator
    limits = {"maxUploadBytes": em.config.max_upload_bytes}
    return JSONResponse({"ok": True, "version": __version__, "feedProtocol": PROTOCOL_VERSION, "limits": limits})


@endpoint
async def reset_app(request: Request, em: Emulator, who: Principal) -> None:
    """Test and classroom helper: empty the app named in the path."""
    who.require_app("resetting an app")
    em.reset(who.app_id)


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
    return JSONResponse(
        {"errorCode": codes.get(exc.status_code, "HTTP_ERROR"), "reasons": [str(exc.detail)]},
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def _app_routes() -> list[Route | WebSocketRoute]:
    return [
        *api_users.routes,
        *api_conversations.routes,
        *api_messages.routes,
        *api_files.routes,
        WebSocketRoute("/feed", feed_endpoint),
    ]


def create_app(emulator: Emulator | None = None, *, config: EmulatorConfig | None = None) -> Starlette:
    """An ASGI app serving ``emulator`` (a new in-memory one when omitted)."""
    em = emulator or Emulator(config)
    for app_id in em.config.default_app_ids:
        em.store.ensure_app(app_id)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        em.bind_loop(asyncio.get_running_loop())
        try:
            yield
        finally:
            await em.aclose()

    routes = [
        Route("/_emulator/health", health, methods=["GET"]),
        Route("/_emulator/apps/{app_id}/reset", reset_app, methods=["POST"]),
        # no trailing-slash redirects: "/users/" (an empty id) must not be redirected to "/users" (batch)
        Mount("/v1/{app_id}", app=Router(_app_routes(), redirect_slashes=False)),
        Mount("/public_api/v1/{app_id}", app=Router(_app_routes(), redirect_slashes=False)),
    ]
    middleware = [
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["authorization", "content-type", "x-talkjs-client-build", "x-talkjs-client-date"],
            max_age=600,
        )
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={ApiError: api_error, HTTPException: http_error},
    )
    app.router.redirect_slashes = False
    app.state.emulator = em
    return app
