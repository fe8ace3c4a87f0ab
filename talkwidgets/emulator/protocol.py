"""The HTTP/1.1 connection handling under the emulator: uvicorn's h11 protocol with two guards.

uvicorn leaves two holes that a hostile or broken client can use:

- a connection that never finishes its request head (slowloris, or a client that connects and
  says nothing) is kept open for ever: uvicorn times out idle keep-alive connections only after a
  first response. Here every request head must arrive within ``header_timeout`` seconds, or the
  connection gets a 408 and is closed.
- a WebSocket handshake whose request line or a header is over 8 KiB passes the HTTP parser (16 KiB)
  but not the WebSocket library's (8 KiB per line), which then drops it without an answer. Here
  such a handshake is answered 431 (or 414 for the request line) with the REST error body.
"""

from __future__ import annotations

import asyncio
import json
from http import HTTPStatus
from typing import Any, cast

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol
from websockets.http11 import MAX_LINE_LENGTH, MAX_NUM_HEADERS


def _error_head(status: int, reason: str) -> tuple[h11.Response, bytes]:
    body = json.dumps({"errorCode": "BAD_REQUEST", "reasons": [reason]}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    return h11.Response(status_code=status, headers=headers, reason=HTTPStatus(status).phrase.encode()), body


def handshake_problem(event: h11.Request) -> tuple[int, str] | None:
    """The status and reason for refusing a WebSocket handshake the WebSocket library would drop."""
    if len(event.method) + len(event.target) + len(b"  HTTP/1.1") > MAX_LINE_LENGTH:
        return 414, f"the request line of a WebSocket handshake is limited to {MAX_LINE_LENGTH} bytes"
    if len(event.headers) > MAX_NUM_HEADERS:
        return 431, f"a WebSocket handshake may carry at most {MAX_NUM_HEADERS} headers"
    for name, value in event.headers:
        if len(name) + len(value) + 2 > MAX_LINE_LENGTH:
            return 431, f"each header of a WebSocket handshake is limited to {MAX_LINE_LENGTH} bytes"
    return None


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a request-head timeout and answers for what it would drop."""

    header_timeout: float = 10.0
    """Seconds a client has to send a complete request head (set by :func:`guarded_protocol`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._waiting_cycle: object = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def _await_head(self) -> None:
        """Start the clock for the next request head (a new connection, or after a response)."""
        self._cancel_head_timer()
        self._waiting_cycle = self.cycle
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.conn.their_state is h11.IDLE and not self.conn.trailing_data[0]:
            self.transport.close()  # nothing of a request arrived: just close, as keep-alive does
            return
        response, body = _error_head(408, f"the request head did not arrive within {self.header_timeout:g} s")
        self.transport.write(_raw_response(response, body))
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._head_timer is not None and self.cycle is not self._waiting_cycle:
            self._cancel_head_timer()  # a request head arrived and is being served

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self._cancel_head_timer()
        problem = handshake_problem(event)
        if problem is not None:
            self._send_error(*problem)
            return
        super().handle_websocket_upgrade(event)

    def on_response_complete(self) -> None:
        finished = self.cycle
        super().on_response_complete()  # may already start a pipelined request (a new cycle)
        if not self.transport.is_closing() and self.cycle is finished:
            self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)

    def _send_error(self, status: int, reason: str) -> None:
        response, body = _error_head(status, reason)
        self.transport.write(self.conn.send(response) or b"")
        self.transport.write(self.conn.send(h11.Data(data=body)) or b"")
        self.transport.write(self.conn.send(h11.EndOfMessage()) or b"")
        self.transport.close()


def _raw_response(response: h11.Response, body: bytes) -> bytes:
    """A response written without h11's state machine (the request head never completed)."""
    lines = [b"HTTP/1.1 %d %s" % (response.status_code, response.reason)]
    lines += [name + b": " + value for name, value in response.headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def guarded_protocol(header_timeout: float) -> type[GuardedH11Protocol]:
    """A :class:`GuardedH11Protocol` class with its own request-head timeout, for ``uvicorn.Config(http=...)``."""
    subclass = type("GuardedH11Protocol", (GuardedH11Protocol,), {"header_timeout": header_timeout})
    return cast("type[GuardedH11Protocol]", subclass)
