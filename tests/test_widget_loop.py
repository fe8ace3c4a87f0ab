"""Widget messages that arrive on another thread (a kernel subshell) are handled on the session's loop."""

from __future__ import annotations

import asyncio
import threading

from talkwidgets import ConversationList, get_talk_session
from tests.session_support import Admin, new_app_id, wait_until
from tests.widget_support import from_browser


async def test_messages_from_a_subshell_thread_run_on_the_session_loop() -> None:
    app_id = new_app_id()
    admin = Admin.embedded(app_id)
    await admin.user("alice")
    for i in range(25):
        await admin.conversation(f"c{i:02d}", "alice")
    session = await get_talk_session(app_id=app_id, user_id="alice")
    widget = ConversationList(session)
    await widget.subscription.connected
    seen_on: list[threading.Thread] = []
    original = widget._dispatch

    def recording_dispatch(*args: object) -> None:
        seen_on.append(threading.current_thread())
        original(*args)

    widget._dispatch = recording_dispatch  # type: ignore[method-assign]

    def subshell() -> None:  # a thread with its own running loop, as ipykernel's subshells have
        async def deliver() -> None:
            from_browser(widget, {"op": "load_more", "count": 5})
            from_browser(widget, {"op": "select", "id": "c03"})

        asyncio.run(deliver())

    thread = threading.Thread(target=subshell)
    thread.start()
    thread.join(10)
    await wait_until(lambda: len(widget.conversations) == 25 and widget.selected_id == "c03", what="both messages")
    assert seen_on == [threading.main_thread(), threading.main_thread()]
    widget.close()
    await admin.aclose()
