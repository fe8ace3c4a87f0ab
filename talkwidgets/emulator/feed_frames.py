"""Frames a live-feed client sends, read strictly: a bad frame closes the connection with the
WebSocket close code that names the problem and a readable reason, never with a traceback.

| problem | close code |
|---|---|
| a binary frame | 1003 (unsupported data) |
| text that is not a JSON object (malformed, nested too deeply, lone surrogates...) | 1007 (invalid payload) |
| a frame over the size limit | 1009 (message too big; closed by the WebSocket layer) |

A JSON object with an unknown ``op`` is ignored, so newer clients can talk to older servers.
"""

from __future__ import annotations

from typing import Any

from starlette.types import Message
from starlette.websockets import WebSocketDisconnect

from .errors import InvalidError
from .json_input import parse_json

UNSUPPORTED_DATA = 1003
INVALID_PAYLOAD = 1007
MAX_REASON_BYTES = 123
"""A close frame's reason is at most 123 bytes of UTF-8 (RFC 6455, section 5.5)."""


class BadFrame(Exception):
    """A client frame the feed refuses: the connection closes with ``code`` and ``reason``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = close_reason(reason)


def close_reason(text: str) -> str:
    """``text`` cut to fit a close frame, on a character boundary."""
    return text.encode("utf-8")[:MAX_REASON_BYTES].decode("utf-8", "ignore")


def client_frame(message: Message) -> dict[str, Any]:
    """The JSON object a client sent in ``message`` (an ASGI ``websocket.receive`` message).

    Raises :class:`WebSocketDisconnect` when the client left and :class:`BadFrame` for a frame
    the feed does not take."""
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    text = message.get("text")
    if text is None:
        raise BadFrame(UNSUPPORTED_DATA, "the live feed takes JSON text frames, not binary ones")
    try:
        value = parse_json(text, "frame")
    except InvalidError as exc:
        raise BadFrame(INVALID_PAYLOAD, "; ".join(exc.reasons)) from None
    if not isinstance(value, dict):
        raise BadFrame(INVALID_PAYLOAD, 'a frame is a JSON object such as {"op": "ping"}')
    return value
