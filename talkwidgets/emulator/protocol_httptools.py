"""uvicorn's httptools protocol (its C parser, several times faster per request than h11) with the
guards of :mod:`.http_guards`, answering hostile connections exactly as the h11 protocol does.

httptools' parser sets no size limit on a request head, so one is kept here
(:data:`~.http_guards.MAX_HEAD_BYTES`, h11's default): a longer head is answered 431.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .http_guards import MAX_HEAD_BYTES, handshake_problem, head_timeout_reason, raw_response


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a request-head timeout, a head size limit and answers for
    WebSocket handshakes the WebSocket library would drop."""

    header_timeout: float = 10.0
    """Seconds a client has to send a complete request head (set by ``guarded_protocol``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None
        self._reading_head = True
        """Between two requests or inside a request head (not in a body)."""
        self._head_started = False
        """Some bytes of the current request head arrived."""
        self._head_bytes = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def _await_head(self) -> None:
        """Start the clock for the next request head (a new connection, or after a response)."""
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if not self._head_started:
            self.transport.close()  # nothing of a request arrived: just close, as keep-alive does
            return
        self._refuse(408, head_timeout_reason(self.header_timeout))

    def _refuse(self, status: int, reason: str) -> None:
        self._cancel_head_timer()
        self.transport.write(raw_response(status, reason))
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._reading_head:
            self._head_started = True
            self._head_bytes += len(data)
        super().data_received(data)
        if self._reading_head and self._head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
            self._refuse(431, f"the request head is larger than {MAX_HEAD_BYTES} bytes")

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True

    def on_headers_complete(self) -> None:
        self._cancel_head_timer()  # a request head arrived and is being served
        self._reading_head = False
        self._head_started = False
        self._head_bytes = 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._reading_head = True

    def handle_websocket_upgrade(self) -> None:
        problem = handshake_problem(self.scope["method"].encode(), self.url, self.headers)
        if problem is not None:
            self._refuse(*problem)
            return
        super().handle_websocket_upgrade()

    def on_response_complete(self) -> None:
        started_next = bool(self.pipeline)  # a pipelined request whose head already arrived
        super().on_response_complete()
        if not self.transport.is_closing() and not started_next:
            self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_timer()
        super().connection_lost(exc)
