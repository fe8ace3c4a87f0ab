"""Chatbox in Python: traits, patches over the real comm dispatch, composer operations, switching.

The session and the emulator are real; only the far end of the widget's comm is a recorder standing
in for the browser (the browser tiers test the front end).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from talkwidgets import Chatbox, ImageFileMetadata, InvalidArgumentError, SendFileBlock, SentMessage, get_talk_session
from talkwidgets.widgets._list_sync import apply_ops
from tests.session_support import wait_until
from tests.widget_support import from_browser, open_widgets


class CommRecorder:
    """Collects what the widget sends to the browser (custom messages and state updates)."""

    def __init__(self, widget: Any) -> None:
        self.messages: list[dict[str, Any]] = []
        widget.comm.send = self._send

    def _send(self, data: Any = None, metadata: Any = None, buffers: Any = None) -> None:
        self.messages.append(json.loads(json.dumps(data)))

    def custom(self, op: str | None = None) -> list[dict[str, Any]]:
        out = [m["content"] for m in self.messages if m.get("method") == "custom"]
        return [m for m in out if op is None or m.get("op") == op]

    def updates(self) -> list[dict[str, Any]]:
        return [m["state"] for m in self.messages if m.get("method") == "update"]

    def size_since(self, start: int) -> int:
        return sum(len(json.dumps(m)) for m in self.messages[start:])


async def _chat(admin: Any, cid: str = "chat", *people: str, **attrs: Any) -> None:
    await admin.conversation(cid, *(people or ("alice", "bob")), **attrs)


async def _open(app_id: str, cid: str | None = "chat", user: str = "alice") -> tuple[Chatbox, CommRecorder]:
    session = await get_talk_session(app_id=app_id, user_id=user)
    box = Chatbox(session, cid)
    comm = CommRecorder(box)
    if cid is not None:
        await wait_until(lambda: box.state == "active", what="the chatbox to be active")
    return box, comm


def _texts(box: Chatbox) -> list[str]:
    return [m["plaintext"] for m in box.messages]


async def test_messages_oldest_first_as_documented_dicts_without_urls_or_tokens(world) -> None:
    app_id, admin = world
    await _chat(admin, subject="Support")
    for n in range(3):
        await admin.send("chat", "bob", f"*hello* {n}")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    token = await alice.upload_image(png, ImageFileMetadata("cat.png", width=640, height=480))
    await alice.conversation("chat").send(content=[SendFileBlock(file_token=token)])
    box, comm = await _open(app_id)
    await wait_until(lambda: len(box.messages) == 4, what="4 messages")
    assert _texts(box)[:3] == ["*hello* 0", "*hello* 1", "*hello* 2"]  # plaintext keeps the markup as typed
    first = box.messages[0]
    assert set(first) == {
        "id",
        "type",
        "conversation_id",
        "sender",
        "created_at",
        "edited_at",
        "origin",
        "plaintext",
        "content",
        "custom",
        "reactions",
        "referenced_message_id",
        "referenced_message",
    }
    assert first["sender"] == {"id": "bob", "name": "Bob", "photo_url": None, "role": "default"}
    assert first["content"][0]["children"][0] == {"type": "bold", "children": ["hello"]}
    image = box.messages[3]["content"][0]
    assert image == {
        "type": "file",
        "subtype": "image",
        "filename": "cat.png",
        "size": len(png),
        "width": 640,
        "height": 480,
        "duration": None,
    }
    state = json.dumps(box.get_state())
    assert token not in state and "/files/" not in state, "no file token or URL in widget state"
    await wait_until(lambda: box.conversation.get("subject") == "Support", what="the header")
    assert box.conversation["participant_count"] == 2
    await wait_until(lambda: {p["id"] for p in box.participants} == {"alice", "bob"}, what="participants")

    # the browser asks for the URL of the file it shows, by message
    from_browser(box, {"op": "files", "ids": [box.messages[3]["id"], "nope"]})
    answer = comm.custom("files")[-1]["urls"]
    assert list(answer) == [box.messages[3]["id"]]
    url = answer[box.messages[3]["id"]][0]
    assert url.startswith(alice.host) and "/files/" in url
    box.close()


async def test_a_new_message_is_one_put_whose_size_does_not_grow_with_history(world) -> None:
    app_id, admin = world
    await _chat(admin)
    for n in range(30):
        await admin.send("chat", "bob", f"message {n}")
    box, comm = await _open(app_id)
    await wait_until(lambda: len(box.messages) == 30, what="30 messages")

    async def one_message_bytes(text: str) -> tuple[int, list[dict[str, Any]]]:
        start = len(comm.messages)
        seq = box._seq
        await admin.send("chat", "bob", text)
        await wait_until(lambda: box.messages[-1]["plaintext"] == text, what=text)
        patches = [m for m in comm.custom("patch") if m["seq"] > seq]
        return comm.size_since(start), patches

    small, patches = await one_message_bytes("first probe")
    assert len(patches) == 1 and patches[0]["ops"][0]["t"] == "put" and patches[0]["ops"][0]["at"] == 30
    assert len(patches[0]["ops"]) == 1
    await box.load_more(100)
    for _ in range(2):
        await box.load_more(100)
    await admin.send("chat", "carol", "x") if False else None
    big_history = len(box.messages)
    assert big_history == 31
    # a longer history: 300 more messages loaded
    for n in range(300):
        await admin.send("chat", "bob", f"old {n}")
    await wait_until(lambda: len(box.messages) == 331, timeout=30, what="331 messages")
    large, patches = await one_message_bytes("second probe")
    assert len(patches) == 1 and len(patches[0]["ops"]) == 1
    assert large < small * 1.5, f"bytes per message grew with history: {small} -> {large}"
    # what the browser would hold after the patches equals the trait
    box.close()


async def test_patches_replayed_from_the_last_full_state_give_the_trait(world) -> None:
    app_id, admin = world
    await _chat(admin)
    ids = [await admin.send("chat", "bob", f"m{n}") for n in range(40)]
    box, comm = await _open(app_id)
    full = [u for u in comm.updates() if "messages" in u]
    browser = full[-1]["messages"] if full else list(box.messages)
    seq = full[-1]["_seq"] if full else box._seq
    await box.load_more(5)  # older ones: puts at the start
    await admin.send("chat", "bob", "new one")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    await alice.conversation("chat").message(ids[-1]).reactions("👍").add()
    await admin.call("DELETE", f"/conversations/chat/messages/{ids[-2]}")
    await wait_until(lambda: _texts(box)[-1] == "new one" and ids[-2] not in [m["id"] for m in box.messages])
    await wait_until(lambda: any(m["reactions"] for m in box.messages), what="the reaction")
    for patch in sorted(comm.custom("patch"), key=lambda p: p["seq"]):
        if patch["seq"] == seq + 1:
            browser = apply_ops(browser, patch["ops"])
            seq += 1
    assert seq == box._seq
    assert browser == box.messages
    box.close()


async def test_composer_send_reply_react_edit_delete_through_the_comm(world) -> None:
    app_id, admin = world
    await _chat(admin)
    question = await admin.send("chat", "bob", "Lunch?")
    box, comm = await _open(app_id)
    sent: list[SentMessage] = []
    box.on_send(sent.append)
    from_browser(box, {"op": "send", "text": "*Yes*, at noon", "reply_to": question, "nonce": "n1"})
    await wait_until(lambda: comm.custom("sent"), what="the sent answer")
    answer = comm.custom("sent")[0]
    assert answer["nonce"] == "n1"
    await wait_until(lambda: _texts(box)[-1] == "Yes, at noon", what="the reply in the thread")
    reply = box.messages[-1]
    assert reply["id"] == answer["id"] and reply["referenced_message_id"] == question
    assert reply["referenced_message"]["plaintext"] == "Lunch?"
    assert reply["referenced_message"]["sender"]["name"] == "Bob"
    await wait_until(lambda: sent, what="on_send")
    assert sent[0].text == "*Yes*, at noon" and sent[0].reply_to == question and sent[0].conversation_id == "chat"

    from_browser(box, {"op": "react", "id": question, "emoji": "👍", "on": True})
    await wait_until(lambda: box.messages[0]["reactions"], what="the reaction")
    assert box.messages[0]["reactions"] == [{"emoji": "👍", "count": 1, "current_user_reacted": True}]
    from_browser(box, {"op": "reactors", "id": question, "emoji": "👍"})
    await wait_until(lambda: comm.custom("reactors"), what="who reacted")
    assert comm.custom("reactors")[0]["names"] == ["Alice"]
    from_browser(box, {"op": "react", "id": question, "emoji": "👍", "on": False})
    await wait_until(lambda: not box.messages[0]["reactions"], what="the reaction removed")

    from_browser(box, {"op": "edit", "id": reply["id"], "text": "_Yes_, at one"})
    await wait_until(lambda: _texts(box)[-1] == "Yes, at one", what="the edit")
    assert box.messages[-1]["edited_at"] is not None
    # someone else's message cannot be edited or deleted from here
    from_browser(box, {"op": "edit", "id": question, "text": "hacked"})
    from_browser(box, {"op": "delete", "id": question})
    from_browser(box, {"op": "delete", "id": reply["id"]})
    await wait_until(lambda: len(box.messages) == 1, what="the delete")
    assert _texts(box) == ["Lunch?"]
    # refused input answers with a reason and sends nothing
    from_browser(box, {"op": "send", "text": "   ", "nonce": "n2"})
    assert comm.custom("send_failed")[-1]["nonce"] == "n2"
    box.close()


async def test_python_send_draft_and_read(world) -> None:
    app_id, admin = world
    await _chat(admin)
    await admin.send("chat", "bob", "are you there?")
    box, comm = await _open(app_id)
    ref = await box.send("from Python")
    assert (await ref.get()).plaintext == "from Python"
    with pytest.raises(InvalidArgumentError):
        box.send("  ")
    await wait_until(lambda: _texts(box)[-1] == "from Python")

    from_browser(box, {"op": "draft", "text": "half a thought"})
    assert box.draft == "half a thought"

    # reading: the unread count goes to 0 for alice
    alice = box.session
    await wait_until(lambda: box.conversation.get("read_until") is not None)
    from_browser(box, {"op": "read"})

    async def unread() -> int:
        snap = await alice.conversation("chat").get()
        return snap.unread_message_count if snap else -1

    for _ in range(100):
        if await unread() == 0:
            break
        await asyncio.sleep(0.05)
    assert await unread() == 0
    box.close()


async def test_typing_both_ways(world) -> None:
    app_id, admin = world
    await _chat(admin)
    box, _comm = await _open(app_id)
    bob = await get_talk_session(app_id=app_id, user_id="bob")
    seen: list[Any] = []
    typing = bob.conversation("chat").subscribe_typing(lambda s: seen.append(s))
    await typing.connected
    from_browser(box, {"op": "typing"})
    await wait_until(lambda: seen and seen[-1] is not None and [u.id for u in seen[-1].users] == ["alice"])
    typing.unsubscribe()

    # typing shows in the other direction
    await bob.conversation("chat").mark_as_typing()
    await wait_until(lambda: [u["id"] for u in box.typing["users"]] == ["bob"], what="bob typing")
    await bob.conversation("chat").send("here")
    await wait_until(lambda: box.typing["users"] == [], what="typing cleared by the message")

    box.close()


async def test_switching_conversations_and_scroll_to(world) -> None:
    app_id, admin = world
    await _chat(admin, "one")
    await _chat(admin, "two", "alice", "carol", subject="Two")
    ids = [await admin.send("one", "bob", f"one {n}") for n in range(80)]
    await admin.send("two", "carol", "in two")
    box, comm = await _open(app_id, "one")
    assert len(box.messages) == 30
    found = await box.scroll_to(ids[2])
    assert found and comm.custom("scroll_to")[-1] == {"op": "scroll_to", "id": ids[2]}
    assert box.messages[0]["id"] == ids[0] or ids[2] in [m["id"] for m in box.messages]
    box.conversation_id = "two"
    await wait_until(lambda: box.state == "active" and _texts(box) == ["in two"], what="conversation two")
    # the header comes from its own subscription: it may land a moment after the messages
    await wait_until(lambda: box.conversation.get("subject") == "Two", what="conversation two's header")
    # a late message in the old conversation does not leak into this one
    await admin.send("one", "bob", "late")
    await admin.send("two", "carol", "fresh")
    await wait_until(lambda: _texts(box) == ["in two", "fresh"])
    box.conversation_id = "nobody-here"
    await wait_until(lambda: box.state == "missing", what="missing")
    assert box.messages == []
    box.conversation_id = None
    await wait_until(lambda: box.state == "idle")
    assert not await box.scroll_to("x")
    with pytest.raises(InvalidArgumentError):
        box.send("hello")
    box.close()


async def test_bad_arguments_are_refused_by_name(world) -> None:
    app_id, _admin = world
    session = await get_talk_session(app_id=app_id, user_id="alice")
    open_before = open_widgets()
    with pytest.raises(TypeError, match="colour"):
        Chatbox(session, "chat", colour="red")
    assert open_widgets() == open_before, "a refused Chatbox left a widget (its attachments) open"
    with pytest.raises(InvalidArgumentError, match="conversation_id"):
        Chatbox(session, "")
    with pytest.raises(TypeError, match="TalkSession"):
        Chatbox("alice")  # type: ignore[arg-type]
    box = Chatbox(session)
    with pytest.raises(InvalidArgumentError, match="count"):
        box.load_more(0)
    with pytest.raises(InvalidArgumentError, match="message_id"):
        box.scroll_to("")
    box.close()
