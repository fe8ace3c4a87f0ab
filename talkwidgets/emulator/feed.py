"""The live feed: a WebSocket per client, resumable by sequence number (docs/realtime-protocol.md)."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from . import validate as v
from ._http import error_response, status_of
from .auth import authenticate
from .errors import EmulatorError, ForbiddenError
from .feed_frames import BadFrame, client_frame, close_reason
from .feed_ops import FeedOpError, handle_op
from .hub import Ephemeral, Listener, Resync
from .instance import Emulator
from .presence import Presence
from .store import FeedEvent

PROTOCOL_VERSION = 2


async def _deny(websocket: WebSocket, error: EmulatorError) -> None:
    try:
        await websocket.send_denial_response(error_response(error))
    except RuntimeError:  # the server lacks the denial extension: close before accepting
        code = 4003 if status_of(error) == 403 else 4001
        await websocket.close(code=code, reason=close_reason("; ".join(error.reasons)))


async def feed_endpoint(websocket: WebSocket) -> None:
    """Authenticate, replay what the client missed since ``since``, then stream live events."""
    em: Emulator = websocket.app.state.emulator
    app_id = websocket.path_params["app_id"]
    try:
        who = authenticate(websocket, em.store, app_id, allow_query=True)
        user_id = websocket.query_params.get("userId") or who.user_id
        if user_id is not None:
            v.check_id("userId", user_id)
        if who.user_id is not None and user_id != who.user_id:
            raise ForbiddenError(f"a token for user {who.user_id!r} cannot follow user {user_id!r}")
        since = v.query_int(websocket.query_params, "since", lo=0)
    except EmulatorError as exc:
        await _deny(websocket, exc)
        return

    listener = Listener(app_id, user_id)
    em.hub.add(listener)
    try:
        await websocket.accept()
        em.presence.connected(listener)
        latest = em.store.latest_seq(app_id)
        last_sent = latest
        backlog: list[FeedEvent] = []
        resync = False
        if since is not None:
            backlog, complete = em.store.events_after(app_id, since)
            resync = not complete
            if not resync:
                last_sent = since
        await websocket.send_text(
            json.dumps(
                {
                    "op": "hello",
                    "v": PROTOCOL_VERSION,
                    "seq": latest,
                    "userId": user_id,
                    "resumed": since is not None and not resync,
                }
            )
        )
        if resync:
            reason = (
                f"events after {since} are no longer retained"
                if since is not None and since <= latest
                else f"this server has no events after {latest}"
            )
            await websocket.send_text(json.dumps({"op": "resync", "seq": latest, "reason": reason}))
        else:
            for event in backlog:
                if event.seq > latest:
                    break
                if event.visible_to(user_id):
                    await websocket.send_text(event.text())
                    last_sent = event.seq
            last_sent = max(last_sent, latest)
        await _pump(websocket, listener, em.presence, last_sent, who.expires_at)
    except WebSocketDisconnect:
        pass
    finally:
        em.hub.remove(listener)
        em.presence.disconnected(listener)


async def _pump(
    websocket: WebSocket, listener: Listener, presence: Presence, last_sent: int, expires_at: int | None
) -> None:
    async def writer() -> None:
        nonlocal last_sent
        while True:
            event = await listener.queue.get()
            if event is None:
                await websocket.close(code=1001, reason="server going away or client too far behind")
                return
            if isinstance(event, Resync):
                last_sent = max(last_sent, event.seq)
                await websocket.send_text(json.dumps({"op": "resync", "seq": event.seq, "reason": event.reason}))
                continue
            if isinstance(event, Ephemeral):
                await websocket.send_text(event.text)
                continue
            if event.seq <= last_sent:
                continue
            last_sent = event.seq
            await websocket.send_text(event.text())

    async def reader() -> None:
        while True:
            try:
                reply = handle_op(presence, listener, client_frame(await websocket.receive()))
            except (BadFrame, FeedOpError) as bad:
                await websocket.close(code=bad.code, reason=close_reason(bad.reason))
                return
            if reply is not None:
                await websocket.send_text(reply)

    async def expiry() -> None:
        if expires_at is None:
            await asyncio.Event().wait()  # never expires: wait until cancelled
            return
        await asyncio.sleep(max(0.0, expires_at - time.time()))
        await websocket.close(code=4001, reason="token expired")

    tasks = [asyncio.ensure_future(t()) for t in (writer, reader, expiry)]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            exc: Any = task.exception()
            if exc is not None and not isinstance(exc, (WebSocketDisconnect, RuntimeError)):
                raise exc
    finally:
        for task in tasks:
            task.cancel()
