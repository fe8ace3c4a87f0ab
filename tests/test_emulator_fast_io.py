"""The emulator's I/O with and without its speed-ups: httptools and uvloop where installed (the
default), h11 and asyncio's loop otherwise (``fast_io=False``), each guarded the same way; and the
prepared fan-out, which writes frames straight to caught-up connections and queues them, in order,
for a connection that is behind."""

from __future__ import annotations

import asyncio
import json
import socket

import httpx
import pytest
import uvloop
from websockets.asyncio.client import connect

from talkwidgets.emulator import EmulatorConfig
from talkwidgets.emulator.http_guards import MAX_HEAD_BYTES
from talkwidgets.emulator.hub import FeedHub, Listener
from talkwidgets.emulator.protocol import GuardedH11Protocol, guarded_protocol
from talkwidgets.emulator.protocol_httptools import GuardedHttpToolsProtocol
from talkwidgets.emulator.store import FeedEvent
from tests.feed_client import TIMEOUT, open_feed
from tests.raw_http_support import feed_handshake, raw_exchange, status_and_body
from tests.server_support import make_conversation, make_users, ok

FAST_AND_PLAIN = [EmulatorConfig(header_timeout=0.5), EmulatorConfig(header_timeout=0.5, fast_io=False)]


def test_the_fast_parser_is_chosen_when_asked_for_and_installed() -> None:
    assert issubclass(guarded_protocol(1.0), GuardedHttpToolsProtocol)
    assert issubclass(guarded_protocol(1.0, fast=False), GuardedH11Protocol)
    assert guarded_protocol(2.5).header_timeout == 2.5  # type: ignore[attr-defined]


@pytest.mark.parametrize("server_config", FAST_AND_PLAIN, indirect=True, ids=["fast", "plain"])
async def test_messages_reach_the_feed_and_guards_hold_on_both_stacks(server, client: httpx.Client) -> None:
    loop = server.embedded.emulator.hub.loop
    assert isinstance(loop, uvloop.Loop) is server.embedded.emulator.config.fast_io
    make_users(client, "alice", "bob")
    make_conversation(client, "ab", "alice", "bob")
    feed = await open_feed(server)
    ok(client.post("/conversations/ab/messages", json=[{"text": "hello", "sender": "alice"}]))
    frame = await feed.frame()
    assert frame["type"] == "message.sent" and frame["data"]["message"]["text"] == "hello"
    await feed.close()
    port = server.embedded.port
    # a request head that never completes: 408, then closed
    status, body = status_and_body(raw_exchange(port, b"GET /_emulator/health HTTP/1.1\r\nHost: 1"))
    assert status == 408 and "did not arrive" in body["reasons"][0]
    # WebSocket handshakes the WebSocket library would drop are answered
    status, body = status_and_body(raw_exchange(port, feed_handshake(port, "&pad=" + "a" * 9_000)))
    assert status == 414 and "request line" in body["reasons"][0]
    status, body = status_and_body(raw_exchange(port, feed_handshake(port, extra_header=f"X-Pad: {'a' * 9_000}\r\n")))
    assert status == 431 and "header" in body["reasons"][0]


def test_a_request_head_over_the_limit_is_answered_431_and_the_server_keeps_serving(server) -> None:
    port = server.embedded.port
    padding = "".join(f"X-Pad-{i}: {'a' * 1000}\r\n" for i in range(MAX_HEAD_BYTES // 1000 + 2))
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(b"GET /_emulator/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + padding.encode())
        answer = b""
        while data := sock.recv(65536):
            answer += data
    status, body = status_and_body(answer)
    assert status == 431 and f"larger than {MAX_HEAD_BYTES} bytes" in body["reasons"][0]
    assert httpx.get(f"{server.embedded.base_url}/_emulator/health", timeout=TIMEOUT).status_code == 200


async def test_a_subscriber_that_stops_reading_gets_every_event_in_order_once_it_reads_again(
    server, client: httpx.Client
) -> None:
    """Enough frames to fill the sockets' buffers: the server stops writing straight to the slow
    connection and queues its frames, while a reading subscriber keeps getting them at once."""
    make_users(client, "alice", "bob")
    make_conversation(client, "ab", "alice", "bob")
    url = f"ws://127.0.0.1:{server.embedded.port}/v1/{server.app_id}/feed"
    headers = {"Authorization": f"Bearer {server.secret_key}"}
    # max_queue=1: the client stops reading its socket after one unread frame
    slow = await connect(url, additional_headers=headers, max_queue=1, max_size=None, open_timeout=TIMEOUT)
    assert json.loads(await asyncio.wait_for(slow.recv(), TIMEOUT))["op"] == "hello"
    fast = await open_feed(server)
    texts = [f"{n:04d} " + "x" * 9_000 for n in range(1_000)]  # about 18 MB of frames
    fast_seen: list[str] = []

    async def read_fast() -> None:
        while len(fast_seen) < len(texts):
            fast_seen.append((await fast.frame())["data"]["message"]["text"])

    reader = asyncio.create_task(read_fast())
    async with httpx.AsyncClient(base_url=server.api, headers=headers, timeout=TIMEOUT) as http:
        for at in range(0, len(texts), 10):
            batch = [{"text": t, "sender": "alice"} for t in texts[at : at + 10]]
            ok(await http.post("/conversations/ab/messages", json=batch))
    await asyncio.wait_for(reader, 60)
    assert fast_seen == texts
    slow_seen = []
    for _ in texts:
        frame = json.loads(await asyncio.wait_for(slow.recv(), TIMEOUT))
        slow_seen.append((frame["seq"], frame["data"]["message"]["text"]))
    assert [text for _, text in slow_seen] == texts
    seqs = [seq for seq, _ in slow_seen]
    assert seqs == list(range(seqs[0], seqs[0] + len(texts)))
    await slow.close()
    await fast.close()


class ScriptedSink:
    """A connection's socket as the hub sees it: takes frames unless told it is full."""

    def __init__(self) -> None:
        self.full = False
        self.written: list[int] = []

    def write_text(self, payload: bytes) -> bool:
        if self.full:
            return False
        self.written.append(json.loads(payload)["seq"])
        return True


def event(seq: int) -> FeedEvent:
    return FeedEvent("app", seq, "message.sent", "ab", ["alice"], 0, {})


async def test_frames_queued_for_a_full_socket_go_out_before_later_ones() -> None:
    """Once a frame had to queue, later frames queue behind it even when the socket has room again:
    the writer sends them in order, and only then are frames written directly again."""
    hub = FeedHub()
    hub.bind(asyncio.get_running_loop())
    sink = ScriptedSink()
    listener = Listener("app", "alice", sink=sink)
    hub.add(listener)
    hub.publish([event(1), event(2)])
    sink.full = True
    hub.publish([event(3)])
    sink.full = False
    hub.publish([event(4), event(2)])  # 2 again: a duplicate, which the writer skips
    assert sink.written == [1, 2] and listener.pending == 3
    while listener.pending:  # what the connection's writer does (feed.py)
        item = listener.queue.get_nowait()
        assert isinstance(item, FeedEvent)
        if item.seq > listener.last_sent:
            listener.last_sent = item.seq
            sink.write_text(item.payload())
        listener.done()
    hub.publish([event(5)])
    assert sink.written == [1, 2, 3, 4, 5] and listener.queue.empty()
