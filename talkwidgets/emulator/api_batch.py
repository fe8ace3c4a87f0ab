"""``POST /batch``: up to 10 REST calls in one request (TalkJS's batch API).

The body is an array of operations ``[sequenceNumber, method, path, payload?, options?]``: ``path``
is relative to ``/v1/{appId}`` (``"/users/alice"``); for a GET, ``payload`` holds the query
parameters (strings); for other methods it is the JSON body; ``options`` (``api_version``) is
accepted and ignored. Each operation runs as its own request through the same routes, with the
batch's credentials, in the order given (TalkJS allows any order). An operation's failure does
not stop the others, and nothing is rolled back.

TalkJS does not document the answer's shape. The emulator answers 200 with one entry per
operation, in request order: ``{"sequenceNumber", "status", "body"}``, where ``status`` and
``body`` are what the operation's own request would have answered.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote, urlencode

from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Message

from ._http import endpoint, read_json
from .errors import InvalidError
from .instance import Emulator
from .principal import Principal

MAX_OPERATIONS = 10
METHODS = ("GET", "PUT", "POST", "PATCH", "DELETE")


def is_query(payload: Any) -> bool:
    return isinstance(payload, dict) and all(isinstance(v, str) for v in payload.values())


def check_operation(raw: Any, index: int) -> tuple[Any, str, str, Any]:
    """``(sequenceNumber, method, path, payload)`` of one operation; a malformed one fails the batch."""
    where = f"operation {index}"
    if not isinstance(raw, list) or not 3 <= len(raw) <= 5:
        raise InvalidError(f"{where} must be [sequenceNumber, method, path, payload?, options?]")
    seq, method, path = raw[0], raw[1], raw[2]
    payload = raw[3] if len(raw) > 3 else None
    options = raw[4] if len(raw) > 4 else None
    if isinstance(seq, bool) or not isinstance(seq, (int, str)):
        raise InvalidError(f"{where}: the sequence number must be an integer or a string")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise InvalidError(f"{where}: method must be one of {', '.join(METHODS)}")
    method = method.upper()
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidError(f"{where}: path must start with '/' (relative to /v1/{{appId}})")
    if path.split("?")[0].rstrip("/") == "/batch":
        raise InvalidError(f"{where}: a batch cannot contain another batch")
    if options is not None and not isinstance(options, dict):
        raise InvalidError(f'{where}: options must be an object such as {{"api_version": "2021-02-09"}}')
    if method == "GET" and payload is not None and not is_query(payload):
        raise InvalidError(f"{where}: a GET's payload holds its query parameters as strings")
    return seq, method, path, payload


async def run_operation(request: Request, method: str, path: str, payload: Any) -> tuple[int, Any]:
    """Run one operation through the app as its own request; its status and JSON answer."""
    target, _, query = quote(path, safe="/%?=&:@!$'()*+,;~-._").partition("?")
    prefix = request.scope.get("root_path") or f"/v1/{quote(request.path_params['app_id'], safe='')}"
    body = b""
    if method == "GET":
        query = "&".join(q for q in (query, urlencode(payload or {})) if q)
    elif payload is not None:
        body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    authorization = request.headers.get("authorization")
    if authorization:
        headers.append((b"authorization", authorization.encode("latin-1")))
    scope = {
        "type": "http",
        "asgi": request.scope.get("asgi", {"version": "3.0"}),
        "http_version": "1.1",
        "method": method,
        "scheme": request.scope.get("scheme", "http"),
        "server": request.scope.get("server"),
        "client": request.scope.get("client"),
        "root_path": "",
        "path": unquote(prefix + target),
        "raw_path": (prefix + target).encode("ascii"),
        "query_string": query.encode("ascii"),
        "headers": headers,
        "state": {},
    }
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status = 500
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await request.app(scope, receive, send)
    raw = b"".join(chunks)
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode("utf-8", "replace")


@endpoint
async def batch(request: Request, em: Emulator, who: Principal) -> Any:
    """Run up to 10 operations; answer each one's status and body, in request order."""
    body = await read_json(request)
    if not isinstance(body, list) or not body:
        raise InvalidError("the body must be a non-empty array of operations")
    if len(body) > MAX_OPERATIONS:
        raise InvalidError(f"at most {MAX_OPERATIONS} operations per batch, got {len(body)}")
    operations = [check_operation(raw, i) for i, raw in enumerate(body, 1)]
    results = []
    for seq, method, path, payload in operations:
        status, answer = await run_operation(request, method, path, payload)
        results.append({"sequenceNumber": seq, "status": status, "body": answer})
    return results


routes = [Route("/batch", batch, methods=["POST"])]
