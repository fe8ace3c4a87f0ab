"""Against the TalkJS cloud, what has no documented API fails at once with a reason, never silently.

A session for a ``talkjs.com`` host is made (no I/O happens until a call needs it); each operation
below must fail before any request: typing and online subscriptions end in ``ErrorState`` at once,
and the emulator-only operations raise ``TalkError`` naming the reason.
"""

from __future__ import annotations

from talkwidgets import ErrorState, TalkError, get_talk_session

CLOUD = "https://api.talkjs.com"


async def test_typing_presence_reactions_search_and_mark_unread_fail_at_once_on_the_cloud() -> None:
    session = await get_talk_session("cloud-app", "alice", secret_key="sk_live_not_a_real_key", host=CLOUD)
    assert session.backend == "cloud"
    chat = session.conversation("c")
    for sub, words in (
        (chat.subscribe_typing(), "typing"),
        (session.user("bob").subscribe_online(), "online"),
        (chat.message("m").reactions("\U0001f44d").subscribe(), "reactions"),
    ):
        state = sub.state  # at once: before anything could be awaited
        assert isinstance(state, ErrorState) and isinstance(state.error, TalkError)
        assert words in str(state.error) and "TalkJS cloud" in str(state.error)
        assert sub.terminated.done() and sub.terminated.result() is state
    failing = [
        (chat.mark_as_typing(), "typing"),
        (chat.mark_as_unread(), "mark_as_unread"),
        (chat.message("m").reactions("\U0001f44d").add(), "reactions"),
        (chat.message("m").reactions("\U0001f44d").remove(), "reactions"),
        (chat.message("m").reactions("\U0001f44d").get_first_reactions(), "reactions"),
        (session.search_messages().set_query("hello"), "search"),
        (session.search_conversations().set_query("hello"), "search"),
    ]
    for call, words in failing:
        try:
            await call
        except TalkError as exc:
            assert type(exc) is TalkError and words in str(exc) and "TalkJS cloud" in str(exc)
        else:
            raise AssertionError(f"{words}: expected TalkError")
    await session.aclose()
