"""uvicorn's sans-I/O WebSocket protocol with a :class:`~.hub.FrameSink`: the live feed's fan-out
writes a prepared text frame straight to a caught-up connection's socket, without a trip through
the ASGI ``send`` of every connection.

Frames are not compressed (``ws_per_message_deflate=False`` in ``server.uvicorn_config``): feed
frames are small JSON documents written to many connections, and per-connection compression
would cost CPU per listener and make a frame differ per connection. A connection that did
negotiate compression (none does with that setting) is offered no sink and is served through ASGI.
"""

from __future__ import annotations

from functools import lru_cache
from typing import cast

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State

from .hub import FRAME_SINK


@lru_cache(maxsize=16)
def text_frame(payload: bytes) -> bytes:
    """An unmasked (server-to-client) text frame: built once per event, however many connections
    it goes to (the hub hands every connection the same payload object, whose hash bytes cache)."""
    return Frame(Opcode.TEXT, payload).serialize(mask=False)


class FeedWebSocketProtocol(WebSocketsSansIOProtocol):
    """Offers itself as the connection's frame sink in the ASGI scope's extensions."""

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        # the handshake is going ahead (the app gets the scope) and frames are sent as they are
        if not self.close_sent and not self.conn.extensions:
            extensions = cast("dict[str, object]", self.scope["extensions"])  # ASGI types them loosely
            extensions[FRAME_SINK] = self

    def write_text(self, payload: bytes) -> bool:
        """Write one text frame now if the connection is open and not applying back-pressure (its
        write buffer is below the high-water mark); else write nothing."""
        if (
            not self.writable.is_set()
            or self.close_sent
            or self.disconnected
            or not self.handshake_complete
            or self.initial_response is not None
            or self.conn.state is not State.OPEN
        ):
            return False
        self.transport.write(text_frame(payload))
        return True
