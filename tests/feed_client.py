"""A small live-feed client for emulator tests: a real WebSocket to a real server, bounded waits."""

from __future__ import annotations

import asyncio
import json
import urllib.parse
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

TIMEOUT = 10  # only to avoid hanging; every wait below normally ends within milliseconds


class Feed:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.hello: dict[str, Any] = {}

    async def frame(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        return frame

    async def event(self) -> dict[str, Any]:
        frame = await self.frame()
        assert frame["op"] == "event", frame
        return frame

    async def until(self, predicate: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        """Frames up to and including the first one matching ``predicate``; bounded as a whole."""
        frames: list[dict[str, Any]] = []

        async def collect() -> list[dict[str, Any]]:
            while True:
                frame = await self.frame()
                frames.append(frame)
                if predicate(frame):
                    return frames

        try:
            return await asyncio.wait_for(collect(), TIMEOUT)
        except asyncio.TimeoutError:
            raise AssertionError(f"no matching frame within {TIMEOUT} s; got {frames}") from None

    async def send(self, frame: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(frame))

    async def close(self) -> None:
        await self.ws.close()


async def open_feed(
    server: Any, token: str | None = None, *, prefix: str = "/v1", header: bool = True, **params: Any
) -> Feed:
    """A feed of ``server``'s app with ``token`` (the secret key by default), in the header or the query."""
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
    url = f"ws://127.0.0.1:{server.embedded.port}{prefix}/{server.app_id}/feed" + (f"?{query}" if query else "")
    token = token or server.secret_key
    headers = {"Authorization": f"Bearer {token}"} if header else None
    if not header:
        url += ("&" if query else "?") + urllib.parse.urlencode({"token": token})
    ws = await connect(url, additional_headers=headers, open_timeout=TIMEOUT, close_timeout=2)
    feed = Feed(ws)
    feed.hello = await feed.frame()
    assert feed.hello["op"] == "hello" and feed.hello["v"] == 2, feed.hello
    return feed


def is_event(kind: str) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f.get("op") == "event" and f.get("type") == kind


def is_text(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f.get("type") == "message.sent" and f["data"]["message"]["text"] == text
