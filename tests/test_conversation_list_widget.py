"""ConversationList in Python: traits, patches over the comm, selection, load_more, states.

The session and emulator are real; only the far end of the widget's comm is a recorder, standing
in for the browser (the browser tiers test the front end itself).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import traitlets

from talkwidgets import ConversationList, GenericFileMetadata, SendFileBlock, WindowChange, get_talk_session
from talkwidgets.emulator import EmbeddedServer
from talkwidgets.widgets import _list_sync as list_sync
from talkwidgets.widgets._list_sync import apply_ops
from tests.session_support import wait_until
from tests.widget_support import browser_update, from_browser


class CommRecorder:
    """Collects what the widget sends to the browser."""

    def __init__(self, widget: ConversationList) -> None:
        self.messages: list[dict[str, Any]] = []
        widget.comm.send = self._send  # type: ignore[method-assign]

    def _send(self, data: Any = None, metadata: Any = None, buffers: Any = None) -> None:
        self.messages.append(json.loads(json.dumps(data)))

    def patches(self) -> list[dict[str, Any]]:
        return [m["content"] for m in self.messages if m.get("method") == "custom" and m["content"]["op"] == "patch"]

    def state_updates(self) -> list[dict[str, Any]]:
        return [m["state"] for m in self.messages if m.get("method") == "update"]


def _ids(widget: ConversationList) -> list[str]:
    return [c["id"] for c in widget.conversations]


async def test_traits_follow_the_session_and_updates_travel_as_small_patches(world) -> None:
    app_id, admin = world
    for i in range(25):
        await admin.conversation(f"c{i:02d}", "alice", "bob", "carol")
        await admin.send(f"c{i:02d}", "bob", f"hello {i}")
    session = await get_talk_session(app_id=app_id, user_id="alice")
    widget = ConversationList(session)
    comm = CommRecorder(widget)
    assert widget.state == "pending" and widget.current_user_id == "alice"
    await widget.subscription.connected
    await wait_until(
        lambda: widget.conversations and widget.conversations[0]["participants"][0]["name"] == "Bob",
        what="participant names",
    )
    assert widget.state == "active" and widget.loaded_all is False
    assert _ids(widget) == [f"c{i:02d}" for i in range(24, 4, -1)]
    top = widget.conversations[0]
    assert top["last_message"]["plaintext"] == "hello 24" and top["unread_message_count"] == 1
    assert {p["id"] for p in top["participants"]} == {"bob", "carol"}

    # what the browser holds: the last full list it was sent, once every name is resolved
    def settled() -> bool:
        fulls = [s for s in comm.state_updates() if "conversations" in s]
        return (
            bool(fulls)
            and fulls[-1]["_seq"] == widget._seq
            and all(p["name"] != p["id"] for c in widget.conversations for p in c["participants"])
        )

    await wait_until(settled, what="the named list to reach the browser")
    last_full = [s for s in comm.state_updates() if "conversations" in s][-1]
    browser_list, browser_seq = last_full["conversations"], last_full["_seq"]
    before = len(comm.messages)
    await admin.send("c10", "carol", "bump")
    await wait_until(lambda: _ids(widget)[0] == "c10", what="c10 on top")
    new = comm.messages[before:]
    patches = [m["content"] for m in new if m.get("method") == "custom"]
    assert len(patches) == 1 and patches[0]["seq"] == browser_seq + 1
    assert [op["t"] for op in patches[0]["ops"]] == ["put"] and patches[0]["ops"][0]["at"] == 0
    assert not any("conversations" in m.get("state", {}) for m in new), "the list is not re-sent"
    assert len(json.dumps(patches[0])) < 4096
    # the browser applying the patch ends with exactly the kernel's trait
    assert apply_ops(browser_list, patches[0]["ops"]) == widget.conversations
    widget.close()


def browser_copy(comm: CommRecorder) -> list[dict[str, Any]]:
    """The list a front end ends with after everything the kernel sent: full lists and patches."""
    shown: list[dict[str, Any]] = []
    for m in comm.messages:
        if m.get("method") == "update" and "conversations" in m["state"]:
            shown = m["state"]["conversations"]
        elif m.get("method") == "custom" and m["content"]["op"] == "patch":
            shown = apply_ops(shown, m["content"]["ops"])
    return shown


async def test_every_change_reaches_the_browser_as_the_kernels_list(world) -> None:
    app_id, admin = world
    for i in range(30):
        await admin.conversation(f"c{i:02d}", "alice", "bob")
        await admin.send(f"c{i:02d}", "bob", f"hello {i}")
    session = await get_talk_session(app_id=app_id, user_id="alice")
    widget = ConversationList(session)
    comm = CommRecorder(widget)
    await widget.subscription.connected
    await widget.load_more(30)
    await wait_until(lambda: len(widget.conversations) == 30 and widget.loaded_all, what="everything loaded")
    sent = len(comm.messages)
    await admin.send("c03", "bob", "to the top")
    await wait_until(lambda: _ids(widget)[0] == "c03", what="c03 on top")
    patch = comm.messages[sent:][-1]["content"]
    assert [(op["t"], op["at"], op["c"]["id"]) for op in patch["ops"]] == [("put", 0, "c03")]
    await session.conversation("c20").mark_as_read()  # in place
    await wait_until(lambda: widget.conversations[_ids(widget).index("c20")]["unread_message_count"] == 0, what="read")
    await admin.conversation("new", "alice", "carol")  # joins (and carol's name is read once)
    await admin.call("DELETE", "/conversations/c10")  # leaves
    await session.conversation("c05").send("mine")  # its last message is not bob's
    await wait_until(lambda: _ids(widget)[0] == "c05", what="c05 on top")
    await admin.user("bob", "Robert")  # the last messages' sender: a rename in many rows

    def renamed() -> bool:
        bobs = [p["name"] for c in widget.conversations for p in c["participants"] if p["id"] == "bob"]
        return len(bobs) == 29 and set(bobs) == {"Robert"}  # c10 left; "new" is with carol

    await wait_until(
        lambda: (
            "new" in _ids(widget)
            and "c10" not in _ids(widget)
            and widget.conversations[2]["last_message"]["sender"]["name"] == "Robert"
            and renamed()
        ),
        what="the join, the leave and the rename (also where bob sent no last message)",
    )
    expected = [c.id for c in widget.subscription.state.latest_snapshot]
    assert _ids(widget) == expected and len(expected) == 30
    await wait_until(lambda: browser_copy(comm) == widget.conversations, what="the browser to follow")
    widget.close()


@pytest.mark.slow
async def test_at_1000_loaded_one_event_is_one_op_and_no_list_revalidation(world, monkeypatch) -> None:
    """With 1,000 conversations loaded (through the browser's own ``load_more`` messages), a new
    message, a change in place (marked unread) and a deletion each cost one op, one conversation's
    JSON and no check of the other 999: counted, not timed."""
    app_id, admin = world

    for start in range(0, 1000, 25):  # (no messages: a conversation's activity is then when alice joined)
        await asyncio.gather(*(admin.conversation(f"c{i:04d}", "alice", "bob") for i in range(start, start + 25)))
    session = await get_talk_session(app_id=app_id, user_id="alice")
    widget = ConversationList(session)
    comm = CommRecorder(widget)
    await widget.subscription.connected
    for _ in range(40):  # 20 + 33 pages of 30
        if widget.loaded_all:
            break
        loaded = len(widget.conversations)
        from_browser(widget, {"op": "load_more", "count": 30})
        await wait_until(lambda n=loaded: len(widget.conversations) > n or widget.loaded_all, what="a page")
    await wait_until(lambda: widget.loaded_all and len(widget.conversations) == 1000, what="all 1,000 loaded")
    await wait_until(
        lambda: all(p["name"] != p["id"] for c in widget.conversations for p in c["participants"]), what="names"
    )

    changes: list[WindowChange] = []
    widget.subscription.on_change(lambda state, change: changes.append(change))
    counts = {"dict validations": 0, "row JSON": 0, "diffs": 0}
    validate, to_json, diff = traitlets.Dict.validate, widget._to_json, list_sync.diff_ops

    def counted(name: str, fn: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return fn(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(traitlets.Dict, "validate", counted("dict validations", validate))
    monkeypatch.setattr(widget, "_to_json", counted("row JSON", to_json))
    monkeypatch.setattr(list_sync, "diff_ops", counted("diffs", diff))

    async def one_event(action: Any, done: Any, what: str) -> list[dict[str, Any]]:
        for name in counts:
            counts[name] = 0
        sent, seen = len(comm.messages), len(changes)
        await action()
        await wait_until(lambda: len(changes) > seen and done(), what=what)
        assert len(changes) == seen + 1, "one event, one emission"
        new = comm.messages[sent:]
        assert [m["content"]["op"] for m in new if m.get("method") == "custom"] == ["patch"]
        assert not any("conversations" in m.get("state", {}) for m in new), "the list is not re-sent"
        assert counts == {"dict validations": 0, "row JSON": 1 if what != "a deletion" else 0, "diffs": 0}
        ops: list[dict[str, Any]] = new[-1]["content"]["ops"]
        return ops

    bottom = _ids(widget)[-1]
    ops = await one_event(lambda: admin.send(bottom, "bob", "to the top"), lambda: _ids(widget)[0] == bottom, "a move")
    assert [(op["t"], op["at"], op["c"]["id"]) for op in ops] == [("put", 0, bottom)]
    assert dict(changes[-1].positions) == {bottom: 0}
    middle = _ids(widget)[500]
    ops = await one_event(
        lambda: session.conversation(middle).mark_as_unread(),
        lambda: widget.conversations[500]["is_unread"],
        "marked unread",
    )
    assert [(op["t"], op["at"], op["c"]["id"]) for op in ops] == [("put", 500, middle)]
    gone = _ids(widget)[700]
    ops = await one_event(
        lambda: admin.call("DELETE", f"/conversations/{gone}"), lambda: gone not in _ids(widget), "a deletion"
    )
    assert ops == [{"t": "del", "id": gone}]
    assert len(widget.conversations) == 999
    assert _ids(widget) == [c.id for c in widget.subscription.state.latest_snapshot]
    assert browser_copy(comm) == widget.conversations
    widget.close()


async def test_gap_resync_selection_and_load_more_messages(world) -> None:
    app_id, admin = world
    for i in range(23):
        await admin.conversation(f"c{i:02d}", "alice", "bob")
    session = await get_talk_session(app_id=app_id, user_id="alice")
    widget = ConversationList(session)
    comm = CommRecorder(widget)
    await widget.subscription.connected
    await wait_until(lambda: len(widget.conversations) == 20, what="first window")

    from_browser(widget, {"op": "resync"})  # a view that saw a gap
    resent = comm.state_updates()[-1]
    assert resent["conversations"] == widget.conversations and resent["_seq"] == widget._seq

    # a new front end reports the seq it starts from; a stale one gets the traits again
    sent = len(comm.messages)
    from_browser(widget, {"op": "ready", "seq": widget._seq})
    assert len(comm.messages) == sent
    from_browser(widget, {"op": "ready", "seq": widget._seq - 1})
    assert comm.state_updates()[-1]["_seq"] == widget._seq

    # ipywidgets sends the browser's locally patched list along with a selection: never take it back
    kernel_list, kernel_seq = list(widget.conversations), widget._seq
    browser_update(widget, {"selected_id": "c01", "conversations": [], "_seq": 0})
    assert widget.conversations == kernel_list and widget._seq == kernel_seq and widget.selected_id == "c01"

    picked: list[Any] = []
    undo = widget.on_select(picked.append)
    browser_update(widget, {"selected_id": "c03"})  # what a click in the browser does
    assert widget.selected_id == "c03" and picked == ["c03"]
    from_browser(widget, {"op": "select", "id": "c07"})  # what the bundled front end sends
    assert widget.selected_id == "c07" and picked == ["c03", "c07"]
    from_browser(widget, {"op": "select", "id": 42})  # malformed: ignored
    assert widget.selected_id == "c07"
    undo()
    widget.selected_id = None
    assert picked == ["c03", "c07"]

    from_browser(widget, {"op": "load_more", "count": 30})
    await wait_until(lambda: widget.loaded_all, what="load_more from the browser")
    assert len(widget.conversations) == 23 and widget.loading_more is False
    from_browser(widget, {"op": "load_more", "count": "lots"})  # ignored, not a crash
    with pytest.raises(ValueError):
        widget.load_more(0)
    widget.close()
    assert widget.state == "unsubscribed"


async def test_no_tokens_in_widget_state(world) -> None:
    app_id, admin = world
    await admin.conversation("files", "alice", "bob")
    session = await get_talk_session(app_id=app_id, user_id="alice")
    token = await session.upload_file(b"%PDF-1.4 tiny", GenericFileMetadata(filename="notes.pdf"))
    await session.conversation("files").send(content=[SendFileBlock(file_token=token)])
    widget = ConversationList(session)
    await widget.subscription.connected
    await wait_until(lambda: widget.conversations, what="the list")
    block = widget.conversations[0]["last_message"]["content"][0]
    assert block["filename"] == "notes.pdf" and "file_token" not in block
    state = json.dumps(widget.get_state(), default=str)
    assert token not in state
    bearer = await session._core.tokens.get()
    assert bearer not in state
    widget.close()


async def test_error_state_and_message() -> None:
    with EmbeddedServer() as server:
        server.ensure_app("wid-err")
        session = await get_talk_session("wid-err", "alice", token="garbage", host=server.base_url)
        widget = ConversationList(session)
        await asyncio.wait_for(widget.subscription.terminated, 10)
        assert widget.state == "error" and "token" in widget.error.lower()
        assert widget.connection == "offline"
        widget.close()
        await session.aclose()


async def test_rejects_what_is_not_a_session() -> None:
    with pytest.raises(TypeError):
        ConversationList("alice")  # type: ignore[arg-type]
