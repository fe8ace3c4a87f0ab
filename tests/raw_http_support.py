"""Raw HTTP over a socket, for tests of what a broken or hostile client sees: the bytes of an
answer (the server closes, or the wait ends), its status and error body, and a feed handshake."""

from __future__ import annotations

import json
import socket
from typing import Any

from tests.serve_process import TIMEOUT
from tests.server_support import APP_ID, SECRET_KEY


def raw_exchange(port: int, request: bytes, *, timeout: float = TIMEOUT) -> bytes:
    """Send raw bytes, read until the server closes (or ``timeout``): what a broken client sees."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk


def read_json_answer(sock: socket.socket) -> bytes:
    """Read an answer whose JSON body ends it, while the request's body is still open (the server
    answers without waiting for the rest)."""
    answer = b""
    while not answer.rstrip().endswith(b"}"):
        data = sock.recv(65536)
        assert data, f"connection closed without an answer: {answer!r}"
        answer += data
    return answer


def status_and_body(answer: bytes) -> tuple[int, dict[str, Any]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body) if body else {}


def feed_handshake(port: int, query: str = "", extra_header: str = "") -> bytes:
    """A live-feed WebSocket handshake with the test app's secret key (``query`` and a header added)."""
    return (
        f"GET /v1/{APP_ID}/feed?token={SECRET_KEY}{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        f"Sec-WebSocket-Version: 13\r\n{extra_header}\r\n"
    ).encode()
