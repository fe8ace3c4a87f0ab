"""Inbox in Python: the list and the Chatbox tied together, selection both ways, the filter."""

from __future__ import annotations

import pytest
import traitlets

from talkwidgets import Chatbox, ConversationList, Inbox, InvalidArgumentError, get_talk_session
from tests.session_support import wait_until
from tests.widget_support import from_browser, open_widgets


async def test_selection_from_the_browser_and_from_python_opens_the_chatbox(world) -> None:
    app_id, admin = world
    for cid in ("a", "b"):
        await admin.conversation(cid, "alice", "bob", subject=f"Topic {cid}")
        await admin.send(cid, "bob", f"hello in {cid}")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    inbox = Inbox(alice)
    heard: list[str | None] = []
    inbox.on_select(heard.append)
    assert isinstance(inbox.list, ConversationList) and isinstance(inbox.chatbox, Chatbox)
    state = inbox.get_state()
    assert state["_list"] == f"anywidget:{inbox.list.model_id}"
    assert state["_chatbox"] == f"anywidget:{inbox.chatbox.model_id}"
    await wait_until(lambda: len(inbox.list.conversations) == 2, what="the list")
    assert inbox.chatbox.state == "idle"

    from_browser(inbox.list, {"op": "select", "id": "a"})  # a click in the list
    await wait_until(lambda: inbox.chatbox.state == "active", what="the chatbox")
    assert inbox.selected_id == "a" and inbox.chatbox.conversation_id == "a"
    assert [m["plaintext"] for m in inbox.chatbox.messages] == ["hello in a"]

    inbox.selected_id = "b"  # from Python
    await wait_until(lambda: [m["plaintext"] for m in inbox.chatbox.messages] == ["hello in b"])
    assert inbox.list.selected_id == "b"
    assert heard == ["a", "b"]
    inbox.close()
    assert inbox.list.subscription.terminated.done()


async def test_the_filter_goes_to_the_list(world) -> None:
    app_id, admin = world
    for cid in ("quiet", "loud"):
        await admin.conversation(cid, "alice", "bob")
    await admin.send("loud", "bob", "unread for alice")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    inbox = Inbox(alice, filter={"is_unread": True}, list_width=360)
    await wait_until(lambda: [c["id"] for c in inbox.list.conversations] == ["loud"], what="only unread")
    assert inbox.list_width == 360
    inbox.close()
    with pytest.raises(InvalidArgumentError, match="isUnread|is_unread|unknown"):
        Inbox(alice, filter={"isUnread": True})
    open_before = open_widgets()
    with pytest.raises(TypeError, match="colour"):
        Inbox(alice, colour="red")
    assert open_widgets() == open_before, "a refused Inbox left a widget open"
    with pytest.raises(traitlets.TraitError, match="list_width"):
        Inbox(alice, list_width=50)
