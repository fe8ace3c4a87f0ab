"""``subscribe_messages`` and message content against the real emulator over sockets.

Two users: what bob sends, edits, deletes and quotes appears in alice's window in order. A
2,500-message history: the first window of 30, ``load_more`` to ``loaded_all``, the order, and
memory held by the subscription bounded by the window, not the history (measured with
tracemalloc, the server in another process). ``send``/``edit`` parse the user subset of TalkJS
markup, send exactly one content block, and edit ``custom`` as a patch.
"""

from __future__ import annotations

import gc
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from talkwidgets import (
    InvalidArgumentError,
    LocationBlock,
    SubscriptionTerminatedError,
    TextBlock,
    get_talk_session,
    parse_markup,
)
from talkwidgets.model import ActionLinkNode, AutoLinkNode, LinkNode, MarkupNode
from tests.serve_support import free_port, start_serve, stop_process
from tests.session_support import Admin, wait_until


def texts(sub: Any) -> list[str]:
    return [m.plaintext for m in sub.state.latest_snapshot]


async def test_two_users_messages_arrive_in_order_with_edits_deletions_and_quotes(world) -> None:
    app_id, admin = world
    await admin.conversation("c", "alice", "bob")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    bob = await get_talk_session(app_id=app_id, user_id="bob")
    seen: list[tuple[Any, bool]] = []
    sub = alice.conversation("c").subscribe_messages(lambda s, loaded_all: seen.append((s, loaded_all)))
    state = await sub.connected
    assert state.latest_snapshot == () and state.loaded_all is True and seen == [((), True)]

    first = await bob.conversation("c").send("hello *alice*")
    await wait_until(lambda: texts(sub) == ["hello alice"], what="bob's message")
    message = sub.state.latest_snapshot[0]
    assert message.sender.name == "Bob" and message.id == first.id and message.reactions == ()
    assert message.content == (TextBlock(children=("hello ", MarkupNode(type="bold", children=("alice",)))),)

    reply = await alice.conversation("c").send("and hello to you", referenced_message=first)
    await wait_until(lambda: texts(sub) == ["and hello to you", "hello alice"], what="alice's reply")
    quoted = sub.state.latest_snapshot[0].referenced_message
    assert quoted is not None and quoted.id == first.id and quoted.plaintext == "hello alice"
    assert quoted.sender.name == "Bob" and quoted.referenced_message_id is None

    for n in range(3):
        await bob.conversation("c").send(f"more {n}")
    await wait_until(lambda: len(texts(sub)) == 5, what="three more messages")
    assert texts(sub) == ["more 2", "more 1", "more 0", "and hello to you", "hello alice"]

    await first.edit("hello *everyone*")
    await wait_until(lambda: texts(sub)[-1] == "hello everyone", what="the edit")
    snaps = sub.state.latest_snapshot
    assert snaps[-1].edited_at is not None
    assert snaps[3].referenced_message.plaintext == "hello everyone", "a quote follows the quoted message"
    assert snaps[2] is seen[-2][0][2], "unchanged messages keep their snapshot objects"

    await bob.conversation("c").message(first.id).delete()
    await wait_until(lambda: len(texts(sub)) == 4, what="the deletion")
    assert sub.state.latest_snapshot[3].id == reply.id
    assert sub.state.latest_snapshot[3].referenced_message is None
    assert sub.state.latest_snapshot[3].referenced_message_id == first.id
    # every list alice was shown was newest first
    for snaps, _ in seen:
        assert [m.created_at for m in snaps] == sorted((m.created_at for m in snaps), reverse=True)
    sub.unsubscribe()
    with pytest.raises(SubscriptionTerminatedError):
        await sub.load_more()


async def test_none_outside_the_conversation_and_again_when_removed(world) -> None:
    app_id, admin = world
    await admin.conversation("c", "bob")
    await admin.send("c", "bob", "before alice")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    missing = alice.conversation("nowhere").subscribe_messages()
    outside = alice.conversation("c").subscribe_messages()
    assert (await missing.connected).latest_snapshot is None
    state = await outside.connected
    assert state.latest_snapshot is None and state.loaded_all is True
    await outside.load_more(10)  # nothing to load: no error, still None
    assert outside.state.latest_snapshot is None

    await admin.call("PUT", "/conversations/c/participants/alice", json={})
    await wait_until(lambda: outside.state.latest_snapshot is not None, what="alice to join")
    assert texts(outside) == ["before alice"]
    await admin.send("c", "bob", "after alice")
    await wait_until(lambda: texts(outside) == ["after alice", "before alice"], what="a new message")
    await admin.call("DELETE", "/conversations/c/participants/alice")
    await wait_until(lambda: outside.state.latest_snapshot is None, what="alice to leave")
    await admin.call("PUT", "/conversations/c/participants/alice", json={})
    await wait_until(lambda: outside.state.latest_snapshot is not None, what="alice to join again")
    await admin.call("DELETE", "/conversations/c")
    await wait_until(lambda: outside.state.latest_snapshot is None, what="the conversation to be deleted")
    assert outside.state.type == "active"
    missing.unsubscribe()
    outside.unsubscribe()


async def test_send_and_edit_parse_the_user_subset_of_markup(world) -> None:
    app_id, admin = world
    await admin.conversation("c", "alice", "bob")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    chat = alice.conversation("c")
    text = "*bold* _it_ ~gone~ `code` https://example.com <https://evil.example|click> <actionlink:go|Go>"
    message = await (await chat.send(text)).get()
    nodes = parse_markup(text, formatted_links=False, actions=False)
    assert message.content == (TextBlock(children=nodes),)
    kinds = {type(n) for n in nodes}
    assert MarkupNode in kinds and AutoLinkNode in kinds
    assert LinkNode not in kinds and ActionLinkNode not in kinds, "users may not send links with labels or actions"

    ref = chat.message(message.id)
    await ref.edit("now _edited_")
    edited = await ref.get()
    assert edited.content == (TextBlock(children=("now ", MarkupNode(type="italic", children=("edited",)))),)
    assert edited.plaintext == "now edited" and edited.edited_at is not None
    await ref.edit(content=[LocationBlock(latitude=52.37, longitude=4.89)])
    assert (await ref.get()).content == (LocationBlock(latitude=52.37, longitude=4.89),)
    await ref.edit(custom={"a": "1", "b": "2"})
    assert dict((await ref.get()).custom) == {"a": "1", "b": "2"}
    await ref.edit(custom={"a": None})
    assert dict((await ref.get()).custom) == {"b": "2"}
    await ref.edit(text="text again", custom={"c": "3"})
    again = await ref.get()
    assert again.plaintext == "text again" and dict(again.custom) == {"b": "2", "c": "3"}

    one = TextBlock(children=("x",))
    bad_sends: list[dict[str, Any]] = [
        {"content": [one, one]},  # exactly one block per message
        {"content": []},
        {"content": one},
        {"text": "   "},
        {"text": "x", "content": [one]},
        {},
        {"text": "x", "custom": {"k": 1}},
    ]
    for kwargs in bad_sends:
        with pytest.raises(InvalidArgumentError):
            await chat.send(**kwargs)
    for kwargs in ({}, {"text": "x", "content": [one]}, {"content": [one, one]}, {"text": ""}, {"custom": "x"}):
        with pytest.raises(InvalidArgumentError):
            await ref.edit(**kwargs)
    assert (await ref.get()).plaintext == "text again", "nothing was half-written"


SEED_APP = "history"
SEED_SECRET = "sk_test_history_secret_0123456789abcdef"
T0 = 1_700_000_000_000


def seed_file(path: Path) -> Path:
    messages = {
        cid: [
            {"sender": "bob" if i % 2 else "alice", "text": f"{cid} {i:04d}", "createdAt": T0 + i * 1000}
            for i in range(count)
        ]
        for cid, count in (("big", 2500), ("small", 100))
    }
    seed = {
        "users": {"alice": {"name": "Alice"}, "bob": {"name": "Bob"}},
        "conversations": {cid: {"participants": ["alice", "bob"]} for cid in messages},
        "messages": messages,
    }
    path.write_text(json.dumps(seed))
    return path


async def held_by(make: Any) -> tuple[Any, int]:
    """What a new subscription holds once connected, as traced Python memory."""
    gc.collect()
    before = tracemalloc.get_traced_memory()[0]
    sub = make()
    await sub.connected
    gc.collect()
    return sub, tracemalloc.get_traced_memory()[0] - before


async def test_2500_messages_window_of_30_load_more_to_loaded_all_with_memory_bounded_by_the_window(
    tmp_path: Path,
) -> None:
    port = free_port()
    proc = start_serve(":memory:", port, SEED_APP, SEED_SECRET, seed=seed_file(tmp_path / "seed.json"))
    try:
        host = f"http://127.0.0.1:{port}"
        alice = await get_talk_session(SEED_APP, "alice", secret_key=SEED_SECRET, host=host)
        warm = alice.conversation("small").subscribe_messages()  # connections, caches and the feed
        await warm.connected
        tracemalloc.start()
        try:
            small, small_bytes = await held_by(lambda: alice.conversation("small").subscribe_messages())
            big, big_bytes = await held_by(lambda: alice.conversation("big").subscribe_messages())
            state = big.state
            assert [m.plaintext for m in state.latest_snapshot] == [f"big {i:04d}" for i in range(2499, 2469, -1)]
            assert state.loaded_all is False
            assert [m.plaintext for m in small.state.latest_snapshot][-1] == "small 0070"
            # 30 of 2,500 costs what 30 of 100 costs: the history is not held
            assert big_bytes < small_bytes * 1.25 + 64 * 1024, (big_bytes, small_bytes)

            calls = 0
            while not big.state.loaded_all:
                await big.load_more(100)
                calls += 1
            gc.collect()
            all_bytes = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        assert calls == 25  # 30 + 24 * 100 < 2500 <= 30 + 25 * 100
        everything = big.state.latest_snapshot
        assert [m.plaintext for m in everything] == [f"big {i:04d}" for i in range(2499, -1, -1)]
        assert len({m.id for m in everything}) == 2500
        assert everything[-1].sender.name == "Alice" and everything[0].sender.name == "Bob"
        # and the window's memory grows with the window: the measurement sees it
        assert all_bytes > 20 * big_bytes, (all_bytes, big_bytes)
        for sub in (warm, small, big):
            sub.unsubscribe()
        await alice.aclose()
    finally:
        stop_process(proc)


async def test_a_live_reply_quotes_the_window_and_reads_only_a_quote_older_than_it() -> None:
    port = free_port()
    proc = start_serve(":memory:", port, SEED_APP, SEED_SECRET, log_level="info")
    try:
        host = f"http://127.0.0.1:{port}"
        admin = Admin(host, SEED_APP, SEED_SECRET)
        for uid in ("alice", "bob"):
            await admin.user(uid)
        await admin.conversation("c", "alice", "bob")
        old = await admin.send("c", "bob", "an old message")
        for n in range(30):  # the window holds 30: "an old message" falls out of it
            await admin.send("c", "bob", f"m{n:02d}")
        alice = await get_talk_session(SEED_APP, "alice", secret_key=SEED_SECRET, host=host)
        bob = await get_talk_session(SEED_APP, "bob", secret_key=SEED_SECRET, host=host)
        sub = alice.conversation("c").subscribe_messages()
        await sub.connected
        recent = sub.state.latest_snapshot[0]
        in_window = await bob.conversation("c").send("to the recent one", referenced_message=recent.id)
        beyond = await bob.conversation("c").send("to the old one", referenced_message=old)
        await wait_until(lambda: texts(sub)[:2] == ["to the old one", "to the recent one"], what="the replies")
        newest, second = sub.state.latest_snapshot[:2]
        assert second.referenced_message is not None and second.referenced_message.id == recent.id
        assert second.referenced_message.plaintext == "m29" and second.referenced_message.sender.name == "Bob"
        assert newest.referenced_message is not None and newest.referenced_message.plaintext == "an old message"
        sub.unsubscribe()
        await alice.aclose()
        await bob.aclose()
        await admin.aclose()
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
        stop_process(proc)
    single_reads = [line for line in out.decode().splitlines() if "GET /v1/" in line and "/messages/" in line]
    assert len(single_reads) == 1, single_reads  # the quote outside the window, none for the other
    assert beyond.id in single_reads[0] and in_window.id not in single_reads[0]


async def test_load_more_after_the_oldest_loaded_item_vanished_unseen_reads_the_window_again(world) -> None:
    # A polling session with a long interval hears no event here: its cursor (the oldest loaded
    # message, or conversation) is gone on the server when load_more uses it.
    app_id, admin = world
    await admin.conversation("c", "alice", "bob")
    ids = [await admin.send("c", "bob", f"m{n:02d}") for n in range(40)]
    for n in range(25):
        await admin.conversation(f"k{n:02d}", "alice", "bob")
    alice = await get_talk_session(app_id=app_id, user_id="alice", live="poll", poll_interval=600)
    messages = alice.conversation("c").subscribe_messages()
    inbox = alice.subscribe_conversations()
    await messages.connected
    await inbox.connected
    oldest_message = messages.state.latest_snapshot[-1]
    oldest_conversation = inbox.state.latest_snapshot[-1]
    assert oldest_message.id == ids[10]
    await admin.call("DELETE", f"/conversations/c/messages/{ids[10]}")
    await admin.call("DELETE", f"/conversations/{oldest_conversation.id}/participants/alice")

    await messages.load_more(5)
    assert texts(messages) == [f"m{n:02d}" for n in range(39, 3, -1) if n != 10]  # 35: 30 + 5
    await inbox.load_more(20)
    assert inbox.state.loaded_all is True and oldest_conversation.id not in {c.id for c in inbox.state.latest_snapshot}
    assert len(inbox.state.latest_snapshot) == 25
    assert messages.state.type == "active" and inbox.state.type == "active"
    messages.unsubscribe()
    inbox.unsubscribe()
