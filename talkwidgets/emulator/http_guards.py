"""What the emulator's HTTP/1.1 connection handlers share, whichever parser they use: the answers
they write themselves (before any route runs) and the WebSocket handshake limits.

uvicorn leaves holes that a hostile or broken client can use; the protocols in :mod:`.protocol`
(h11) and :mod:`.protocol_httptools` close them the same way:

- a connection that never finishes its request head (slowloris, or a client that connects and
  says nothing) is kept open for ever: uvicorn times out idle keep-alive connections only after a
  first response. Every request head must arrive within ``header_timeout`` seconds, or the
  connection gets a 408 and is closed.
- a WebSocket handshake whose request line or a header is over 8 KiB passes the HTTP parser but not
  the WebSocket library's (8 KiB per line), which then drops it without an answer. Such a
  handshake is answered 431 (or 414 for the request line) with the REST error body.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from http import HTTPStatus

from websockets.http11 import MAX_LINE_LENGTH, MAX_NUM_HEADERS

MAX_HEAD_BYTES = 16 * 1024
"""Largest request head (request line and headers) a connection may send: h11's default limit in
uvicorn, kept by the httptools protocol too (its parser has none)."""


def error_answer(status: int, reason: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """Headers and body of an error answered by a connection handler, in the REST error shape."""
    body = json.dumps({"errorCode": "BAD_REQUEST", "reasons": [reason]}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    return headers, body


def raw_response(status: int, reason: str) -> bytes:
    """A complete error response, written without any parser's state machine (for example when the
    request head never completed)."""
    headers, body = error_answer(status, reason)
    lines = [b"HTTP/1.1 %d %s" % (status, HTTPStatus(status).phrase.encode())]
    lines += [name + b": " + value for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def head_timeout_reason(seconds: float) -> str:
    return f"the request head did not arrive within {seconds:g} s"


def handshake_problem(method: bytes, target: bytes, headers: Iterable[tuple[bytes, bytes]]) -> tuple[int, str] | None:
    """The status and reason for refusing a WebSocket handshake the WebSocket library would drop."""
    if len(method) + len(target) + len(b"  HTTP/1.1") > MAX_LINE_LENGTH:
        return 414, f"the request line of a WebSocket handshake is limited to {MAX_LINE_LENGTH} bytes"
    headers = list(headers)
    if len(headers) > MAX_NUM_HEADERS:
        return 431, f"a WebSocket handshake may carry at most {MAX_NUM_HEADERS} headers"
    for name, value in headers:
        if len(name) + len(value) + 2 > MAX_LINE_LENGTH:
            return 431, f"each header of a WebSocket handshake is limited to {MAX_LINE_LENGTH} bytes"
    return None
