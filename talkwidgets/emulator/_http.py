"""Shared plumbing of the REST routes: JSON bodies, auth per route, and domain errors as answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .auth import authenticate
from .errors import (
    EmulatorError,
    ForbiddenError,
    InvalidError,
    NotFoundError,
    TooLargeError,
    UnauthorizedError,
)
from .instance import Emulator
from .json_input import parse_json, safe_text
from .principal import Principal

MAX_JSON_BYTES = 1024 * 1024

STATUS_BY_ERROR: dict[type[EmulatorError], int] = {
    InvalidError: 400,
    UnauthorizedError: 401,
    ForbiddenError: 403,
    NotFoundError: 404,
    TooLargeError: 413,
}
"""The HTTP status of each kind of domain error (subclasses answer their parent's status)."""

Handler = Callable[[Request, Emulator, Principal], Awaitable[Any]]


def status_of(error: EmulatorError) -> int:
    for kind, status in STATUS_BY_ERROR.items():
        if isinstance(error, kind):
            return status
    return 500  # a bare EmulatorError is a fault of the emulator, not of the request


def error_body(error: EmulatorError) -> dict[str, object]:
    """TalkJS's error body, as its SDK reads it. Reasons may quote client input: lone surrogates in
    it are escaped, so the answer itself can always be encoded."""
    return {"errorCode": error.error_code, "reasons": [safe_text(reason) for reason in error.reasons]}


def error_response(error: EmulatorError) -> JSONResponse:
    return JSONResponse(error_body(error), status_code=status_of(error))


def too_large(limit: int, what: str) -> TooLargeError:
    """``too_large(limit, "files")``: the 413 of a body or an upload over its limit."""
    return TooLargeError(f"{what} are limited to {limit} bytes on this server")


async def read_body(request: Request, limit: int = MAX_JSON_BYTES, what: str = "JSON bodies") -> bytes:
    """The request body, counted while it streams in: a body over ``limit`` is a 413 as soon as it
    passes the limit, whether or not it announced a ``Content-Length``."""
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > limit:
        raise too_large(limit, what)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise too_large(limit, what)
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, *, optional: bool = False) -> Any:
    """The request's JSON body; malformed, hostile or oversized bodies are 400/413 with a reason.

    ``optional``: an empty body is ``None`` instead of a 400 (clients send no body for "no fields")."""
    raw = await read_body(request)
    if not raw.strip():
        if optional:
            return None
        raise InvalidError("the request needs a JSON body")
    return parse_json(raw)


def emulator_of(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


def endpoint(fn: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Authenticate the caller for the app in the path, run ``fn``, answer JSON (``{}`` for None)."""

    async def handler(request: Request) -> Response:
        emulator = emulator_of(request)
        principal = authenticate(request, emulator.store, request.path_params["app_id"])
        result = await fn(request, emulator, principal)
        if isinstance(result, Response):
            return result
        return JSONResponse({} if result is None else result)

    handler.__name__ = fn.__name__
    handler.__doc__ = fn.__doc__
    return handler
