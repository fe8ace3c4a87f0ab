"""Reactions between users on the real emulator: ``MessageRef.reactions(emoji)``, ``add``/``remove``,
``get_first_reactions``, ``subscribe`` (10 oldest, growing toward newer) and the summary on
``MessageSnapshot.reactions`` with ``current_user_reacted``."""

from __future__ import annotations

from typing import Any

import pytest

from talkwidgets import InvalidArgumentError, TalkRequestError, get_talk_session
from tests.session_support import wait_until

THUMB = "\U0001f44d"
HEART = "\u2764"  # stored in its fully-qualified form, with U+FE0F
HEART_QUALIFIED = "\u2764\ufe0f"


def users_of(sub: Any) -> list[str] | None:
    s = sub.state.latest_snapshot
    return None if s is None else [r.user.id for r in s]


async def test_two_users_react_and_see_each_other_in_the_summary(world) -> None:
    app_id, admin = world
    await admin.conversation("c", "alice", "bob")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    bob = await get_talk_session(app_id=app_id, user_id="bob")
    ref = await bob.conversation("c").send("react to me")
    messages = alice.conversation("c").subscribe_messages()
    await messages.connected

    def summary() -> list[tuple[str, int, bool]]:
        return [(r.emoji, r.count, r.current_user_reacted) for r in messages.state.latest_snapshot[0].reactions]

    assert alice.conversation("c").message(ref.id).reactions(THUMB) is alice.conversation("c").message(
        ref.id
    ).reactions(THUMB), "refs are cached per emoji"
    await bob.conversation("c").message(ref.id).reactions(THUMB).add()
    await wait_until(lambda: summary() == [(THUMB, 1, False)], what="bob's thumb")
    await alice.conversation("c").message(ref.id).reactions(THUMB).add()
    await alice.conversation("c").message(ref.id).reactions(THUMB).add()  # twice: nothing changes
    await wait_until(lambda: summary() == [(THUMB, 2, True)], what="alice's thumb")
    await bob.conversation("c").message(ref.id).reactions(HEART).add()
    await wait_until(lambda: summary() == [(THUMB, 2, True), (HEART_QUALIFIED, 1, False)], what="the heart")
    await bob.conversation("c").message(ref.id).reactions(":party_parrot:").add()
    await wait_until(lambda: len(summary()) == 3, what="a custom emoji")
    await alice.conversation("c").message(ref.id).reactions(THUMB).remove()
    await alice.conversation("c").message(ref.id).reactions(THUMB).remove()  # twice: nothing changes
    await wait_until(lambda: summary()[0] == (THUMB, 1, False), what="alice's thumb taken back")

    got = await alice.conversation("c").message(ref.id).get()
    assert [(r.emoji, r.count, r.current_user_reacted) for r in got.reactions] == summary()
    first = await alice.conversation("c").message(ref.id).reactions(HEART).get_first_reactions()
    assert [(r.user.id, r.user.name) for r in first] == [("bob", "Bob")] and first[0].created_at > 0

    with pytest.raises(TalkRequestError) as caught:
        await alice.conversation("c").message(ref.id).reactions("not an emoji").add()
    assert caught.value.status == 400
    with pytest.raises(InvalidArgumentError):
        alice.conversation("c").message(ref.id).reactions("")
    assert await alice.conversation("c").message("msg_missing").reactions(THUMB).get_first_reactions() is None
    messages.unsubscribe()


async def test_reactions_window_starts_with_the_10_oldest_and_grows_toward_newer(world) -> None:
    app_id, admin = world
    people = [f"p{n:02d}" for n in range(14)]
    for uid in people:
        await admin.user(uid)
    await admin.conversation("c", "alice", *people)
    message_id = await admin.send("c", "alice", "popular")
    sessions = {uid: await get_talk_session(app_id=app_id, user_id=uid) for uid in people}
    for uid in people[:12]:
        await sessions[uid].conversation("c").message(message_id).reactions(THUMB).add()
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    calls: list[tuple[Any, bool]] = []
    sub = alice.conversation("c").message(message_id).reactions(THUMB).subscribe(lambda s, a: calls.append((s, a)))
    state = await sub.connected
    assert users_of(sub) == people[:10] and state.loaded_all is False

    await sessions["p12"].conversation("c").message(message_id).reactions(THUMB).add()
    await sessions["p03"].conversation("c").message(message_id).reactions(THUMB).remove()
    # p03 leaves; the window keeps its size by taking in the next one
    await wait_until(lambda: users_of(sub) == people[:3] + people[4:11], what="p03 to leave")
    assert sub.state.loaded_all is False, "p12 is newer than the window's end"
    await sub.load_more()  # 30 by default: to the newest
    assert users_of(sub) == people[:3] + people[4:13] and sub.state.loaded_all is True
    await sessions["p13"].conversation("c").message(message_id).reactions(THUMB).add()
    await wait_until(lambda: users_of(sub)[-1] == "p13", what="a new reaction at the newer end")
    with pytest.raises(InvalidArgumentError):
        await sub.load_more(101)

    await admin.call("DELETE", f"/conversations/c/messages/{message_id}")
    await wait_until(lambda: users_of(sub) is None, what="None once the message is deleted")
    sub.unsubscribe()
