"""The emulator as an ASGI application: TalkJS REST routes under ``/v1`` and ``/public_api/v1``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, Router, WebSocketRoute

from ..__about__ import __version__
from . import (
    api_batch,
    api_conversations,
    api_files,
    api_import,
    api_messages,
    api_participants,
    api_presence,
    api_reactions,
    api_search,
    api_user_messages,
    api_users,
    openapi,
)
from ._http import endpoint, error_response
from .config import EmulatorConfig
from .errors import EmulatorError
from .feed import PROTOCOL_VERSION, feed_endpoint
from .instance import Emulator
from .principal import Principal
from .request_paths import RequestPaths


async def openapi_json(request: Request) -> Response:
    """The OpenAPI 3.1 document of the REST API."""
    return JSONResponse(openapi.document())


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


async def emulator_error(request: Request, exc: Exception) -> Response:
    """A domain error raised anywhere below a route, answered with its status and TalkJS body."""
    assert isinstance(exc, EmulatorError)
    return error_response(exc)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    codes = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}
    reason = str(exc.detail)
    if exc.status_code in codes:  # say which request had no route (an empty id is a common cause)
        reason = f"{reason}: no route for {request.method} {request.url.path} (see /openapi.json)"
    return JSONResponse(
        {"errorCode": codes.get(exc.status_code, "HTTP_ERROR"), "reasons": [reason]},
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def _app_routes() -> list[Route | WebSocketRoute]:
    return [
        *api_search.routes,  # before api_users: ".../conversations/search" is not a conversation id
        *api_users.routes,
        *api_conversations.routes,
        *api_participants.routes,
        *api_messages.routes,
        *api_user_messages.routes,
        *api_reactions.routes,
        *api_presence.routes,
        *api_files.routes,
        *api_import.routes,
        *api_batch.routes,
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
        Route("/openapi.json", openapi_json, methods=["GET"]),
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
        ),
        Middleware(RequestPaths, routes=_app_routes()),
    ]
    app = Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={EmulatorError: emulator_error, HTTPException: http_error},
    )
    app.router.redirect_slashes = False
    app.state.emulator = em
    return app
