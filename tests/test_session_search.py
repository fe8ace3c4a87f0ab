"""``search_messages`` and ``search_conversations`` on the real emulator: TalkJS's matching rules
(every query word a prefix of a word, case-insensitive, punctuation at word edges ignored), paging
with ``load_more``, the three statuses, and only conversations the user is in."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from talkwidgets import ConversationSearchState, InvalidArgumentError, MessageSearchState, get_talk_session


async def test_message_search_matching_rules(world) -> None:
    app_id, admin = world
    await admin.conversation("mine", "alice", "bob", subject="Mine")
    await admin.conversation("theirs", "bob", "carol")
    texts = [
        "Hello World",  # 0
        "hello, world!",  # 1: punctuation at word edges
        "HELLOWORLD",  # 2: one word
        "worldly hello",  # 3: order does not matter, prefixes do
        "say hello to the world's end",  # 4
        "nothing to see",  # 5
        "hel-lo",  # 6: punctuation inside a word is not an edge
    ]
    for text in texts:
        await admin.send("mine", "bob", text)
    await admin.send("theirs", "bob", "hello world from elsewhere")  # alice is not in it
    alice = await get_talk_session(app_id=app_id, user_id="alice")

    async def found(query: str) -> list[str]:
        search = alice.search_messages()
        state = await search.set_query(query)
        while not state.loaded_all:
            state = await search.load_more(50)
        assert all(r.conversation.id == "mine" for r in state.results)
        return [r.message.plaintext for r in state.results]

    newest_first = list(reversed(texts))
    assert await found("hello world") == [t for t in newest_first if t in texts[:2] + texts[3:5]]
    assert await found("HELLO") == [t for t in newest_first if t in texts[:5]]
    assert await found("wor hel") == [t for t in newest_first if t in texts[:2] + texts[3:5]]
    assert await found("world!") == [t for t in newest_first if t in texts[:2] + texts[3:5]]
    assert await found("orld") == []  # a prefix, not a substring
    assert await found("helloworld") == ["HELLOWORLD"]
    assert await found("see nothing") == ["nothing to see"]
    assert await found("elsewhere") == []
    with pytest.raises(InvalidArgumentError):
        await alice.search_messages().set_query("")
    with pytest.raises(InvalidArgumentError):
        await alice.search_messages().set_query(None)  # type: ignore[arg-type]


async def test_message_search_pages_and_statuses(world) -> None:
    app_id, admin = world
    await admin.conversation("c", "alice", "bob")
    for n in range(25):
        await admin.send("c", "bob", f"needle number {n}")
        await admin.send("c", "bob", f"hay {n}")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    calls: list[tuple[tuple[Any, ...], str]] = []
    search = alice.search_messages(lambda results, status: calls.append((results, status)))

    before = await search.load_more()  # before set_query: nothing happens
    assert before == MessageSearchState(results=(), loaded_all=False) and calls == []
    state = await search.set_query("needle")
    assert [r.message.plaintext for r in state.results] == [f"needle number {n}" for n in (24, 23, 22)]
    assert state.loaded_all is False
    assert [status for _, status in calls] == ["searching", "canLoadMore"]
    assert calls[0][0] == () and len(calls[1][0]) == 3

    state = await search.load_more()  # 10 by default
    assert len(state.results) == 13 and state.results[3].message.plaintext == "needle number 21"
    with pytest.raises(InvalidArgumentError):
        await search.load_more(51)
    with pytest.raises(InvalidArgumentError):
        await search.load_more(0)
    pending = asyncio.ensure_future(search.load_more(12))
    await asyncio.sleep(0)  # it starts reading
    same = await search.load_more(5)  # a read is under way: nothing happens, the current state
    assert len(same.results) == 13
    state = await pending
    assert len(state.results) == 25 and state.loaded_all is True
    assert [status for _, status in calls][-2:] == ["searching", "loadedAll"]
    assert [r.message.plaintext for r in state.results] == [f"needle number {n}" for n in range(24, -1, -1)]
    assert (await search.load_more()).results == state.results  # everything is loaded: nothing happens

    again = await search.set_query("hay 1")  # starts over
    assert [r.message.plaintext for r in again.results] == ["hay 19", "hay 18", "hay 17"]
    assert calls[-1][1] == "canLoadMore"
    only = await search.set_query("hay 24")
    assert [r.message.plaintext for r in only.results] == ["hay 24"] and only.loaded_all is True


async def test_conversation_search_subject_or_custom_search_never_a_mix(world) -> None:
    app_id, admin = world
    await admin.conversation("a", "alice", subject="Project Apollo launch")
    await admin.conversation("b", "alice", subject="Weekly sync", custom={"search": "apollo notes"})
    await admin.conversation("c", "alice", subject="Apollo", custom={"search": "launch plans"})
    await admin.conversation("d", "alice", subject="Lunch")
    await admin.conversation("e", "bob", subject="Apollo launch without alice")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    statuses: list[str] = []
    search = alice.search_conversations(lambda results, status: statuses.append(status))

    async def found(query: str, **kwargs: Any) -> list[str]:
        state = await search.set_query(query, **kwargs)
        while not state.loaded_all:
            state = await search.load_more()
        assert isinstance(state, ConversationSearchState)
        return sorted(c.id for c in state.results)

    assert await found("apollo") == ["a", "b", "c"]
    assert await found("apollo launch") == ["a"]  # c has the words only across subject and custom
    assert await found("LAUNCH plans") == ["c"]
    assert await found("sync") == ["b"]
    assert await found("apollo", conversation_filter={"custom": {"search": "exists"}}) == ["b", "c"]
    assert await found("nothing") == []
    assert statuses[-1] == "loadedAll"


async def test_a_full_page_of_50_is_one_read_and_the_end_shows_on_the_next(world) -> None:
    app_id, admin = world
    await admin.conversation("c", "alice", "bob")
    for n in range(53):
        await admin.send("c", "bob", f"needle {n}")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    statuses: list[str] = []
    search = alice.search_messages(lambda results, status: statuses.append(status))
    await search.set_query("needle")
    state = await search.load_more(50)  # exactly the 50 that are left
    assert len(state.results) == 53 and state.loaded_all is False
    state = await search.load_more(1)  # finds nothing more: now it knows
    assert len(state.results) == 53 and state.loaded_all is True and statuses[-1] == "loadedAll"
