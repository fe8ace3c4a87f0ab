"""The HTTP/1.1 connection handling under the emulator: uvicorn's protocols with the guards of
:mod:`.http_guards` (a request-head timeout, answered oversized WebSocket handshakes).

:func:`guarded_protocol` picks httptools (uvicorn's fast C parser) when it is installed and
``fast`` is asked for, else h11 (pure Python, always there): the same guards and answers either way.
"""

from __future__ import annotations

import asyncio
from http import HTTPStatus
from typing import Any, cast

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from .http_guards import error_answer, handshake_problem, head_timeout_reason, raw_response


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
        self.transport.write(raw_response(408, head_timeout_reason(self.header_timeout)))
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._head_timer is not None and self.cycle is not self._waiting_cycle:
            self._cancel_head_timer()  # a request head arrived and is being served

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        self._cancel_head_timer()
        problem = handshake_problem(event.method, event.target, event.headers)
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
        headers, body = error_answer(status, reason)
        response = h11.Response(status_code=status, headers=headers, reason=HTTPStatus(status).phrase.encode())
        self.transport.write(self.conn.send(response) or b"")
        self.transport.write(self.conn.send(h11.Data(data=body)) or b"")
        self.transport.write(self.conn.send(h11.EndOfMessage()) or b"")
        self.transport.close()


def has_httptools() -> bool:
    """Whether uvicorn's httptools protocol can be used (httptools installs as a wheel where it exists)."""
    try:
        import httptools  # noqa: F401
    except ImportError:
        return False
    return True


def guarded_protocol(header_timeout: float, *, fast: bool = True) -> type[asyncio.Protocol]:
    """A guarded protocol class with its own request-head timeout, for ``uvicorn.Config(http=...)``:
    httptools when ``fast`` and installed, else h11."""
    base: type[asyncio.Protocol] = GuardedH11Protocol
    if fast and has_httptools():
        from .protocol_httptools import GuardedHttpToolsProtocol

        base = GuardedHttpToolsProtocol
    subclass = type(base.__name__, (base,), {"header_timeout": header_timeout})
    return cast("type[asyncio.Protocol]", subclass)
