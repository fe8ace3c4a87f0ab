"""What a request's path and query string may be, checked before any route sees them.

- Paths and query strings must percent-decode to valid UTF-8. The server would otherwise replace
  bad bytes with U+FFFD, so two different ids sent by a client would name one stored thing.
- A trailing slash is ignored (``GET /users/?limit=5``, ``/users/{id}/conversations/``: a widely
  installed PHP client sends them), except where it would turn an item route with an empty id
  into another route with the same method: ``PUT /users/`` is a user with an empty id (404), never
  the batch route ``PUT /users``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import parse_qsl, unquote_to_bytes

from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from ._http import error_response
from .errors import InvalidError

REST_PREFIX = re.compile(r"^(/v1|/public_api/v1)/[^/]+(?=/)")
"""The mount prefix of the REST routes (``/v1/{appId}``), followed by the route's own path."""


def encoding_problem(scope: Scope) -> str | None:
    """Why the request's path or query string is not valid percent-encoded UTF-8, or None."""
    raw_path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogateescape")
    try:
        unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError:
        return "the path is not valid UTF-8 once percent-decoded"
    query: bytes = scope.get("query_string", b"")
    try:
        parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        return "the query string is not valid UTF-8 once percent-decoded"
    return None


class RequestPaths:
    """ASGI middleware: refuses badly encoded paths and queries, and drops ignorable trailing slashes."""

    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.routes = [r for r in routes if isinstance(r, (Route, WebSocketRoute))]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        problem = encoding_problem(scope)
        if problem is not None:
            response = error_response(InvalidError(problem))
            if scope["type"] == "http":
                await response(scope, receive, send)
            else:
                await refuse_websocket(scope, receive, send, problem)
            return
        await self.app(self.without_trailing_slash(scope), receive, send)

    def without_trailing_slash(self, scope: Scope) -> Scope:
        path: str = scope["path"]
        prefix = REST_PREFIX.match(path)
        if prefix is None or not path.endswith("/") or len(path) == prefix.end() + 1:
            return scope
        rest = path[prefix.end() :]
        method = scope.get("method", "GET")
        if method not in ("GET", "HEAD") and self.names_an_empty_id(rest, method):
            return scope
        raw_path: bytes = scope.get("raw_path") or path.encode("utf-8")
        return {**scope, "path": path[:-1], "raw_path": raw_path[:-1] if raw_path.endswith(b"/") else raw_path}

    def names_an_empty_id(self, rest: str, method: str) -> bool:
        """Whether ``rest`` (ending in ``/``) is an item route of ``method`` with its last id left empty.

        Reads only ever see a list there; writes keep the empty id, so they can never land on a
        collection route by accident."""
        for route in self.routes:
            methods = route.methods if isinstance(route, Route) else {"GET"}
            if methods is not None and method in methods and route.path_regex.match(rest + "x"):
                return True
        return False


async def refuse_websocket(scope: Scope, receive: Receive, send: Send, reason: str) -> None:
    """Refuse a WebSocket handshake with an HTTP 400 and the REST error body (or a close frame
    where the server cannot send an HTTP answer)."""
    websocket = WebSocket(scope, receive, send)
    try:
        await websocket.send_denial_response(error_response(InvalidError(reason)))
    except RuntimeError:
        await websocket.close(code=1008, reason=reason[:120])
