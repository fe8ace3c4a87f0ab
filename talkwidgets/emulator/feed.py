"""The live feed: a WebSocket per client, resumable by sequence number (docs/realtime-protocol.md)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from . import validate as v
from ._http import error_response, status_of
from .auth import authenticate
from .errors import EmulatorError, ForbiddenError
from .feed_frames import BadFrame, client_frame, close_reason
from .feed_ops import FeedOpError, handle_op
from .hub import FRAME_SINK, Ephemeral, FrameSink, Listener, Resync, payload_for
from .instance import Emulator
from .presence import Presence
from .store import FeedEvent
from .user_watch import UserWatch

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

    listener = Listener(app_id, user_id, app_credentials=who.is_app)
    sink: FrameSink | None = websocket.scope.get("extensions", {}).get(FRAME_SINK)
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
        hello = {"op": "hello", "v": PROTOCOL_VERSION, "seq": latest, "userId": user_id}
        await _send(websocket, sink, orjson.dumps({**hello, "resumed": since is not None and not resync}))
        if resync:
            reason = (
                f"events after {since} are no longer retained"
                if since is not None and since <= latest
                else f"this server has no events after {latest}"
            )
            await _send(websocket, sink, orjson.dumps({"op": "resync", "seq": latest, "reason": reason}))
        else:
            for event in backlog:
                if event.seq > latest:
                    break
                if event.visible_to(user_id):
                    await _send(websocket, sink, payload_for(event, listener))
                    last_sent = event.seq
            last_sent = max(last_sent, latest)
        # caught up: from here on the hub may write frames straight to the socket (what was
        # published during the replay waits in the queue and goes first)
        listener.last_sent = last_sent
        listener.sink = sink
        await _pump(websocket, listener, em.presence, em.user_watch, sink, who.expires_at)
    except WebSocketDisconnect:
        pass
    finally:
        em.hub.remove(listener)
        em.presence.disconnected(listener)
        em.user_watch.disconnected(listener)


async def _send(websocket: WebSocket, sink: FrameSink | None, payload: bytes) -> None:
    """One text frame: written at once through the sink when it can take it, else through the
    ASGI server (which waits while the socket is full)."""
    if sink is None or not sink.write_text(payload):
        await websocket.send({"type": "websocket.send", "text": payload.decode()})


async def _pump(
    websocket: WebSocket,
    listener: Listener,
    presence: Presence,
    users: UserWatch,
    sink: FrameSink | None,
    expires_at: int | None,
) -> None:
    async def writer() -> None:
        while True:
            item = await listener.queue.get()
            try:
                if item is None:
                    await websocket.close(code=1001, reason="server going away or client too far behind")
                    return
                if isinstance(item, Resync):
                    listener.last_sent = max(listener.last_sent, item.seq)
                    await _send(websocket, sink, orjson.dumps({"op": "resync", "seq": item.seq, "reason": item.reason}))
                elif isinstance(item, Ephemeral):
                    await _send(websocket, sink, item.payload)
                elif item.seq > listener.last_sent:
                    listener.last_sent = item.seq
                    await _send(websocket, sink, payload_for(item, listener))
            finally:
                listener.done()

    async def reader() -> None:
        while True:
            try:
                reply = handle_op(presence, users, listener, client_frame(await websocket.receive()))
            except (BadFrame, FeedOpError) as bad:
                await websocket.close(code=bad.code, reason=close_reason(bad.reason))
                return
            if reply is not None:
                await _send(websocket, sink, reply.encode())

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
