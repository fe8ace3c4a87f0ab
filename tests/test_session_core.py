"""The session's inner seams, through public API: both live sources keep one contract, uploads go
through the one file-kind table, and the subscription base's guarantees hold.

Real embedded emulator over sockets throughout.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

import pytest

from talkwidgets import (
    AudioBlock,
    GenericFileBlock,
    ImageBlock,
    SendFileBlock,
    SubscriptionTerminatedError,
    TalkSession,
    VideoBlock,
    VoiceBlock,
    get_talk_session,
)
from talkwidgets.emulator import shared_server
from talkwidgets.model.files import UPLOAD_KIND_BY_NAME, UPLOAD_KINDS
from talkwidgets.widgets.file_drop import build_metadata
from tests.session_support import Admin, ids, wait_until

FILE_BLOCKS = (GenericFileBlock, ImageBlock, VideoBlock, AudioBlock, VoiceBlock)


@pytest.mark.parametrize("live", ["feed", "poll"])
async def test_both_live_sources_report_status_and_deliver_changes(
    world: tuple[str, Admin], live: Literal["feed", "poll"]
) -> None:
    app_id, admin = world
    await admin.conversation("a", "alice", "bob")
    await admin.conversation("b", "alice", "bob")
    await admin.send("a", "bob", "first")
    server = shared_server()
    session = await get_talk_session(
        app_id, "alice", secret_key=server.ensure_app(app_id), host=server.base_url, live=live, poll_interval=0.05
    )
    statuses: list[str] = []
    session.on_connection_change(statuses.append)
    assert session.connection == "offline"
    sub = session.subscribe_conversations()
    await sub.connected
    assert session.connection == "connected" and statuses == ["connected"]
    assert ids(sub) == ["a", "b"]
    await admin.send("b", "bob", "news")
    await wait_until(lambda: ids(sub) == ["b", "a"], what=f"the change to arrive by {live}")
    sub.unsubscribe()
    await wait_until(lambda: statuses[-1] == "offline", what="the live source to report its stop")
    assert statuses == ["connected", "offline"], "each change is reported once"
    assert session.connection == "offline"
    await session.aclose()


async def test_upload_by_metadata_uses_the_method_of_each_kind(world: tuple[str, Admin]) -> None:
    app_id, admin = world
    await admin.conversation("files", "alice")
    session = await get_talk_session(app_id=app_id, user_id="alice")
    chat = session.conversation("files")
    for kind in UPLOAD_KINDS:
        assert callable(getattr(TalkSession, kind.upload_method, None)), kind.upload_method
        assert UPLOAD_KIND_BY_NAME[kind.name] is kind
        metadata = build_metadata(kind.name, f"file-{kind.name}", {})
        assert type(metadata) is kind.metadata_class
        token = await session.upload(b"bytes of " + kind.name.encode(), metadata)
        message = await (await chat.send(content=[SendFileBlock(file_token=token)])).get()
        assert message is not None
        block = message.content[0]
        assert isinstance(block, FILE_BLOCKS)
        assert block.subtype == kind.subtype and block.filename == f"file-{kind.name}"
    with pytest.raises(TypeError, match="metadata must be one of"):
        await session.upload(b"x", "notes.txt")  # type: ignore[arg-type]
    await session.aclose()


async def test_load_more_still_waiting_when_the_subscription_ends_raises(world: tuple[str, Admin]) -> None:
    app_id, admin = world
    for i in range(25):
        await admin.conversation(f"c{i:02d}", "alice")
    session = await get_talk_session(app_id=app_id, user_id="alice")
    sub = session.subscribe_conversations()
    waiting = asyncio.ensure_future(sub.load_more(5))
    await asyncio.sleep(0)  # queued behind the initial load, which needs the network
    assert not waiting.done()
    sub.unsubscribe()
    with pytest.raises(SubscriptionTerminatedError):
        await asyncio.wait_for(waiting, 10)


async def test_an_async_callback_that_raises_is_logged_and_the_subscription_lives_on(
    world: tuple[str, Admin], caplog: pytest.LogCaptureFixture
) -> None:
    app_id, admin = world
    await admin.conversation("x", "alice", "bob")
    session = await get_talk_session(app_id=app_id, user_id="alice")
    calls: list[int] = []

    async def broken(snaps: tuple[object, ...], loaded_all: bool) -> None:
        calls.append(len(snaps))
        raise RuntimeError("callback bug")

    with caplog.at_level(logging.ERROR, logger="talkwidgets.session"):
        sub = session.subscribe_conversations(broken)
        await sub.connected
        await wait_until(lambda: "on_snapshot callback raised" in caplog.text, what="the callback's error in the log")
        await admin.send("x", "bob", "still alive?")
        await wait_until(lambda: len(calls) >= 2, what="a second callback")
    assert sub.state.type == "active"
    sub.unsubscribe()


async def test_the_session_exposes_the_loop_it_lives_on(world: tuple[str, Admin]) -> None:
    app_id, _ = world
    session = await get_talk_session(app_id=app_id, user_id="alice")
    assert session.loop is asyncio.get_running_loop()
