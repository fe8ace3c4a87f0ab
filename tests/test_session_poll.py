"""The same subscriptions kept live by polling (``live="poll"``, as against the TalkJS cloud) on
the real emulator: every poll re-reads, and what changed shows; what did not keeps its identity."""

from __future__ import annotations

from talkwidgets import FewTypingSnapshot, get_talk_session
from tests.session_support import wait_until


async def test_messages_details_typing_and_online_follow_by_polling(world) -> None:
    app_id, admin = world
    await admin.conversation("c", "alice", "bob")
    alice = await get_talk_session(app_id=app_id, user_id="alice", live="poll", poll_interval=0.2)
    bob = await get_talk_session(app_id=app_id, user_id="bob")
    chat = alice.conversation("c")
    messages = chat.subscribe_messages()
    conv = chat.subscribe()
    people = chat.subscribe_participants()
    typing = chat.subscribe_typing()
    online = alice.user("bob").subscribe_online()
    for sub in (messages, conv, people, typing, online):
        await sub.connected
    assert alice.connection == "connected" and online.state.latest_snapshot.is_connected is False

    first = await bob.conversation("c").send("hello by polling")
    await wait_until(lambda: [m.plaintext for m in messages.state.latest_snapshot] == ["hello by polling"])
    kept = messages.state.latest_snapshot[0]
    await bob.conversation("c").send("and again")
    await wait_until(lambda: len(messages.state.latest_snapshot) == 2, what="the second message")
    assert messages.state.latest_snapshot[1] is kept, "a re-read keeps unchanged snapshots"
    await wait_until(lambda: conv.state.latest_snapshot.last_message.plaintext == "and again")
    await first.edit("hello, edited")
    await wait_until(lambda: messages.state.latest_snapshot[1].plaintext == "hello, edited", what="the edit")

    await bob.conversation("c").participant("carol").set()
    await wait_until(lambda: [p.user.id for p in people.state.latest_snapshot][0] == "carol", what="carol")
    inbox = bob.subscribe_conversations()  # bob's feed: he is online
    await inbox.connected
    await wait_until(lambda: online.state.latest_snapshot.is_connected, what="bob online")
    await bob.conversation("c").mark_as_typing()
    await wait_until(
        lambda: (
            isinstance(typing.state.latest_snapshot, FewTypingSnapshot)
            and [u.id for u in typing.state.latest_snapshot.users] == ["bob"]
        ),
        what="bob typing",
    )
    inbox.unsubscribe()
    await wait_until(lambda: not online.state.latest_snapshot.is_connected, what="bob offline")
    myself = alice.current_user.subscribe_online()
    assert (await myself.connected).latest_snapshot.is_connected is False, "a polling session holds no feed"
    for sub in (messages, conv, people, typing, online, myself):
        sub.unsubscribe()
    await alice.aclose()
