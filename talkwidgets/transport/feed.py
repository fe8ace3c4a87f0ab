"""Client of the live feed (docs/realtime-protocol.md): reconnects with backoff and resumes by ``seq``.

One of the two :class:`~talkwidgets.transport.live.LiveSource` implementations (the other polls).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote, urlencode

import websockets
from websockets.exceptions import ConnectionClosed, InvalidStatus

from ..model.errors import TalkSessionError
from .auth import TokenSource
from .live import FatalHandler, Frame, FrameHandler, Status, StatusHandler, reconnected_frame

log = logging.getLogger("talkwidgets.feed")


class FeedClient:
    """One WebSocket to ``/v1/{app}/feed`` for one user, kept open while someone listens (a ``LiveSource``).

    ``on_frame`` receives ``event`` and ``resync`` frames in order, the ephemeral ``typing``,
    ``presence`` and ``user`` frames as they come, and a ``reconnected`` frame after each
    reconnection; ``on_status`` hears ``"connected"``/``"reconnecting"``; ``on_fatal`` hears errors
    that retrying cannot fix. ``watch(presence, users)`` sends the ``watch`` op now and after every
    reconnect.
    """

    def __init__(
        self,
        host: str,
        app_id: str,
        user_id: str,
        tokens: TokenSource,
        *,
        on_frame: FrameHandler,
        on_status: StatusHandler | None = None,
        on_fatal: FatalHandler | None = None,
        send_user_id: bool = True,
    ) -> None:
        ws_host = host.rstrip("/").replace("https://", "wss://", 1).replace("http://", "ws://", 1)
        self.url = f"{ws_host}/v1/{quote(app_id, safe='')}/feed"
        self.user_id = user_id
        self.tokens = tokens
        self.on_frame = on_frame
        self.on_status = on_status
        self.on_fatal = on_fatal
        self.send_user_id = send_user_id
        self.last_seq: int | None = None
        """Sequence number of the last frame processed; a reconnect asks for what follows it."""
        self._status: Status = "offline"
        self._task: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[int] | None = None
        self._ws: Any = None
        self._watch_presence: list[str] = []
        self._watch_users: list[str] = []
        self._sends: set[asyncio.Task[None]] = set()
        self._connected_before = False
        """Whether this run of the feed has had a connection (so the next one is a reconnect)."""

    @property
    def status(self) -> Status:
        return self._status

    def _set_status(self, status: Status) -> None:
        if status != self._status:
            self._status = status
            if self.on_status is not None:
                self.on_status(status)

    async def start(self) -> None:
        """Connect (if not yet) and wait for the first ``hello`` (then ``last_seq`` is set)."""
        if self._task is None or self._task.done():
            self._connected_before = False
            self._ready = asyncio.get_running_loop().create_future()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="talkwidgets-feed")
        assert self._ready is not None
        await asyncio.shield(self._ready)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._set_status("offline")

    async def reconnect(self) -> None:
        """Drop the socket so the loop reconnects (e.g. with a new token); resumes by seq."""
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()

    def watch(self, presence: Sequence[str], users: Sequence[str] = ()) -> None:
        """Replace the users whose presence, and whose profile, this connection follows (sent now
        if connected, and again after every reconnect, since the server forgets it with the
        connection)."""
        online, profiles = sorted(set(presence)), sorted(set(users))
        if online == self._watch_presence and profiles == self._watch_users:
            return
        self._watch_presence, self._watch_users = online, profiles
        ws = self._ws
        if ws is not None and self._status == "connected":
            task = asyncio.get_running_loop().create_task(self._send_watch(ws))
            self._sends.add(task)  # held until done: the loop keeps only a weak reference
            task.add_done_callback(self._sends.discard)

    async def _send_watch(self, ws: Any) -> None:
        with contextlib.suppress(ConnectionClosed):  # a reconnect sends it again
            # both lists every time: a server from before "users" ignores that field, and one
            # that knows it would keep an omitted list unchanged
            await ws.send(json.dumps({"op": "watch", "presence": self._watch_presence, "users": self._watch_users}))

    def _query(self) -> str:
        q: dict[str, Any] = {}
        if self.send_user_id:
            q["userId"] = self.user_id
        if self.last_seq is not None:
            q["since"] = self.last_seq
        return self.url + ("?" + urlencode(q) if q else "")

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                token = await self.tokens.get()
                async with websockets.connect(
                    self._query(),
                    additional_headers={"Authorization": f"Bearer {token}"},
                    open_timeout=10,
                    ping_interval=20,
                    max_size=None,
                ) as ws:
                    self._ws = ws
                    attempt = 0
                    await self._session(ws)
            except asyncio.CancelledError:
                raise
            except InvalidStatus as exc:
                status = exc.response.status_code
                if status == 401 and self.tokens.can_refresh and attempt == 0:
                    attempt += 1
                    if not await self._refresh_or_fail():
                        return
                    continue
                if status in (401, 403, 404):
                    body = bytes(exc.response.body or b"").decode(errors="replace")
                    self._fail(TalkSessionError(f"the live feed refused the connection ({status}): {body[:300]}"))
                    return
                attempt += 1
            except ConnectionClosed as exc:
                expired = exc.rcvd is not None and exc.rcvd.code == 4001  # token expired while connected
                if expired and not await self._refresh_or_fail():
                    return
                attempt += 1
            except TalkSessionError as exc:
                self._fail(exc)
                return
            except (OSError, asyncio.TimeoutError, websockets.exceptions.WebSocketException) as exc:
                log.debug("feed connection failed: %s", exc)
                attempt += 1
            finally:
                self._ws = None
            self._set_status("reconnecting")
            await asyncio.sleep(min(5.0, 0.05 * 2 ** min(attempt, 7)) * (0.5 + random.random() / 2))

    async def _refresh_or_fail(self) -> bool:
        try:
            await self.tokens.refresh()
            return True
        except TalkSessionError as exc:
            self._fail(exc)
            return False

    def _fail(self, exc: BaseException) -> None:
        self._set_status("offline")
        if self._ready is not None and not self._ready.done():
            self._ready.set_exception(exc)
            self._ready.exception()  # mark retrieved; the error also goes to on_fatal
        if self.on_fatal is not None:
            self.on_fatal(exc)

    async def _session(self, ws: Any) -> None:
        hello = json.loads(await ws.recv())
        if hello.get("op") != "hello":
            raise websockets.exceptions.ProtocolError(f"expected hello, got {hello.get('op')!r}")
        if self.last_seq is None:
            self.last_seq = int(hello["seq"])
        self._set_status("connected")
        if self._watch_presence or self._watch_users:  # the server forgot them with the last connection
            await self._send_watch(ws)
        if self._connected_before:
            await self._dispatch(reconnected_frame())  # replayed events follow; ephemeral state did not survive
        self._connected_before = True
        if self._ready is not None and not self._ready.done():
            self._ready.set_result(self.last_seq)
        renew = asyncio.get_running_loop().create_task(self._renew_before_expiry(ws))
        try:
            await self._read(ws)
        finally:
            renew.cancel()

    async def _renew_before_expiry(self, ws: Any) -> None:
        """Reconnect with a fresh token shortly before this one expires (resuming by seq)."""
        due = self.tokens.refresh_due()
        if due is None or not self.tokens.can_refresh:
            return
        await asyncio.sleep(max(0.0, due - time.time()))
        await ws.close(code=1000, reason="renewing token")

    async def _read(self, ws: Any) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            op = frame.get("op")
            if op == "event":
                if self.last_seq is not None and frame["seq"] <= self.last_seq:
                    continue  # already processed (never expected, but harmless)
                await self._dispatch(frame)
                self.last_seq = int(frame["seq"])
            elif op == "resync":
                self.last_seq = int(frame["seq"])
                await self._dispatch(frame)
            elif op in ("typing", "presence", "user"):
                await self._dispatch(frame)

    async def _dispatch(self, frame: Frame) -> None:
        result = self.on_frame(frame)
        if result is not None:
            await result
