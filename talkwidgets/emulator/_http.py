"""Shared plumbing of the REST routes: JSON bodies, auth per route, answers."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .auth import Principal, authenticate
from .errors import ApiError, bad_request

if TYPE_CHECKING:
    from .app import Emulator

MAX_JSON_BYTES = 1024 * 1024

Handler = Callable[[Request, "Emulator", Principal], Awaitable[Any]]


async def read_json(request: Request) -> Any:
    """The request's JSON body; malformed or oversized bodies are 400/413 with a reason."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_JSON_BYTES:
        raise ApiError(413, "PAYLOAD_TOO_LARGE", f"JSON bodies are limited to {MAX_JSON_BYTES} bytes")
    raw = await request.body()
    if len(raw) > MAX_JSON_BYTES:
        raise ApiError(413, "PAYLOAD_TOO_LARGE", f"JSON bodies are limited to {MAX_JSON_BYTES} bytes")
    if not raw.strip():
        raise bad_request("the request needs a JSON body")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise bad_request(f"malformed JSON: {exc}") from None


def endpoint(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Authenticate the caller for the app in the path, run ``fn``, answer JSON (``{}`` for None)."""

    async def handler(request: Request) -> Response:
        emulator: Emulator = request.app.state.emulator
        principal = authenticate(request, emulator.store, request.path_params["app_id"])
        result = await fn(request, emulator, principal)
        if isinstance(result, Response):
            return result
        return JSONResponse({} if result is None else result)

    handler.__name__ = fn.__name__
    handler.__doc__ = fn.__doc__
    return handler
