"""Registry, refs and errors of TalkSession against the real embedded emulator."""

from __future__ import annotations

import asyncio
import gc
import weakref

import pytest

from talkwidgets import (
    AuthenticationError,
    InvalidArgumentError,
    MessageSnapshot,
    NotFoundError,
    ParticipantSnapshot,
    PermissionDeniedError,
    TalkSession,
    TalkSessionError,
    UserSnapshot,
    get_talk_session,
)
from talkwidgets.emulator import EmbeddedServer
from talkwidgets.model.auth import mint_user_token
from tests.session_support import Admin, new_app_id, wait_until


@pytest.fixture
async def app_id():
    return new_app_id()


async def test_registry_same_object_per_app_and_user(app_id: str) -> None:
    a1 = await get_talk_session(app_id=app_id, user_id="alice")
    a2 = await get_talk_session(app_id, "alice", token="ignored-because-the-session-exists")
    b = await get_talk_session(app_id=app_id, user_id="bob")
    assert a1 is a2 and a1 is not b
    assert isinstance(a1, TalkSession)
    assert a1.app_id == app_id and a1.current_user.id == "alice" and a1.current_user is a1.user("alice")
    assert a1.backend == "embedded" and a1.host.startswith("http://127.0.0.1:")


async def test_registry_makes_a_new_session_after_garbage_collection(app_id: str) -> None:
    first = await get_talk_session(app_id=app_id, user_id="alice")
    await first.current_user.create_if_not_exists(name="Alice")
    sub = first.subscribe_conversations()
    await sub.connected
    ref = weakref.ref(first)
    del first
    gc.collect()
    assert ref() is not None, "a session with a live subscription stays alive"
    sub.unsubscribe()
    del sub
    for _ in range(50):  # the feed task winds down on the loop
        await asyncio.sleep(0.02)
        gc.collect()
        if ref() is None:
            break
    assert ref() is None, "an unreferenced session without subscriptions must be collectable"
    again = await get_talk_session(app_id=app_id, user_id="alice")
    assert again.current_user.id == "alice"


async def test_registry_replaces_a_session_that_hit_an_unrecoverable_error() -> None:
    with EmbeddedServer() as server:
        server.ensure_app("err-app")
        bad = await get_talk_session("err-app", "alice", token="not-a-jwt", host=server.base_url)
        errors: list[Exception] = []
        sub_errors = bad.on_error(errors.append)
        with pytest.raises(AuthenticationError):
            await bad.user("alice").get()
        assert bad.errored and len(errors) == 1 and isinstance(errors[0], TalkSessionError)
        with pytest.raises(TalkSessionError):
            await bad.user("alice").get()
        assert len(errors) == 1, "on_error fires at most once"
        await sub_errors.unsubscribe()
        good_token = mint_user_token("err-app", "alice", server.ensure_app("err-app"))
        fresh = await get_talk_session("err-app", "alice", token=good_token, host=server.base_url)
        assert fresh is not bad and not fresh.errored
        assert await fresh.user("nobody").get() is None
        await fresh.aclose()
        await bad.aclose()


async def test_invalid_app_is_a_session_error() -> None:
    with EmbeddedServer() as server:
        secret = server.ensure_app("real")
        session = await get_talk_session("no-such-app", "alice", secret_key=secret, host=server.base_url)
        errors: list[Exception] = []
        session.on_error(errors.append)
        sub = session.subscribe_conversations()
        state = await sub.terminated
        assert state.type == "error"
        assert errors and isinstance(errors[0], TalkSessionError)
        await session.aclose()


async def test_id_validation_and_ref_caching(app_id: str) -> None:
    s = await get_talk_session(app_id=app_id, user_id="alice")
    assert s.user("bob") is s.user("bob")
    assert await s.user("bob") is s.user("bob")  # refs are awaitable, as in the spec's examples
    assert await s.conversation("c") is s.conversation("c")
    assert s.conversation("c") is s.conversation("c")
    assert s.conversation("c").participant("bob") is s.conversation("c").participant(s.user("bob"))
    for bad in ("", None, 3, b"x"):
        with pytest.raises(InvalidArgumentError):
            s.user(bad)  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            s.conversation(bad)  # type: ignore[arg-type]
    for bad_args in (dict(app_id="", user_id="a"), dict(app_id="a", user_id=None)):
        with pytest.raises(InvalidArgumentError):
            await get_talk_session(**bad_args)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        await get_talk_session(app_id, "alice", host="ftp://example")
    with pytest.raises(InvalidArgumentError):
        await get_talk_session(app_id, "zed", host="http://127.0.0.1:9")  # a host needs credentials


async def test_user_ref_methods(app_id: str) -> None:
    s = await get_talk_session(app_id=app_id, user_id="alice")
    me = s.current_user
    assert await me.get() is None
    with pytest.raises(InvalidArgumentError):
        await me.create_if_not_exists()  # a new user needs a name
    await me.create_if_not_exists(name="Alice", custom={"team": "red"}, locale="en-GB")
    snap = await me.get()
    assert isinstance(snap, UserSnapshot)
    assert (snap.name, dict(snap.custom), snap.locale) == ("Alice", {"team": "red"}, "en-GB")
    await me.create_if_not_exists(name="Ignored")
    assert (await me.get()).name == "Alice"
    await me.set(photo_url="https://example.invalid/a.png", custom={"team": None, "x": "1"})
    snap = await me.get()
    assert snap.photo_url == "https://example.invalid/a.png" and dict(snap.custom) == {"x": "1"}
    bob = s.user("bob")
    await bob.create_if_not_exists(name="Bob")  # client-side syncing: alice may create bob
    assert (await bob.get()).name == "Bob"
    with pytest.raises(PermissionDeniedError):
        await bob.set(name="Not yours")  # ... but not change him
    with pytest.raises(InvalidArgumentError):
        await me.set(nickname="x")


async def test_conversation_and_participant_ref_methods(app_id: str) -> None:
    s = await get_talk_session(app_id=app_id, user_id="alice")
    await s.current_user.create_if_not_exists(name="Alice")
    await s.user("bob").create_if_not_exists(name="Bob")
    conv = s.conversation("c1")
    assert await conv.get() is None
    await conv.create_if_not_exists(subject="Hi", custom={"k": "v"})
    snap = await conv.get()
    assert snap.subject == "Hi" and dict(snap.custom) == {"k": "v"} and snap.access == "ReadWrite"
    assert snap.participant_ids == ("alice",)
    await conv.create_if_not_exists(subject="ignored")
    await conv.set(subject="Hello", welcome_messages=["Welcome!"])
    snap = await conv.get()
    assert snap.subject == "Hello" and snap.welcome_messages == ("Welcome!",)

    bob_in_c1 = conv.participant("bob")
    assert await bob_in_c1.get() is None
    await bob_in_c1.create_if_not_exists(access="Read")
    p = await bob_in_c1.get()
    assert isinstance(p, ParticipantSnapshot) and p.user.name == "Bob" and p.access == "Read" and p.notify is True
    await bob_in_c1.set(notify="MentionsOnly")
    p = await bob_in_c1.get()
    assert (p.access, p.notify) == ("Read", "MentionsOnly")
    with pytest.raises(InvalidArgumentError):
        await bob_in_c1.set(access="Admin")  # type: ignore[arg-type]

    ref = await conv.send("hello")
    msg = await ref.get()
    assert isinstance(msg, MessageSnapshot) and msg.plaintext == "hello" and msg.sender.id == "alice"
    await ref.edit("hello!")
    assert (await ref.get()).plaintext == "hello!"
    with pytest.raises(InvalidArgumentError):
        await conv.send()
    with pytest.raises(InvalidArgumentError):
        await conv.send("x", content=[])
    await bob_in_c1.delete()
    await bob_in_c1.delete()  # idempotent
    assert await bob_in_c1.get() is None
    await ref.delete()
    assert await ref.get() is None
    await conv.mark_as_read()
    assert (await conv.get()).unread_message_count == 0


async def test_a_user_token_cannot_reach_other_peoples_conversations(app_id: str) -> None:
    admin = Admin.embedded(app_id)
    await admin.user("bob")
    await admin.user("carol")
    await admin.conversation("private", "bob", "carol")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    await alice.current_user.create_if_not_exists(name="Alice")
    assert await alice.conversation("private").get() is None
    with pytest.raises(PermissionDeniedError):
        await alice.conversation("private").create_if_not_exists()
    with pytest.raises(PermissionDeniedError):
        await alice.conversation("private").send("let me in")
    with pytest.raises(NotFoundError):
        await alice.conversation("nowhere").send("hello?")
    await admin.aclose()


async def test_message_refs_are_cached_and_hide_other_peoples_messages(app_id: str) -> None:
    """As docs/api.md says: one ``MessageRef`` per id, and ``get`` is ``None`` for a non-participant."""
    admin = Admin.embedded(app_id)
    for uid in ("alice", "bob", "carol"):
        await admin.user(uid)
    await admin.conversation("private", "bob", "carol")
    hidden = await admin.send("private", "bob", "not for alice")
    await admin.conversation("shared", "alice", "bob")
    visible = await admin.send("shared", "bob", "for alice")
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    conv = alice.conversation("shared")
    assert conv.message(visible) is conv.message(visible)
    assert conv.message(visible) is not conv.message(hidden)
    with pytest.raises(InvalidArgumentError, match="message id"):
        conv.message("")
    assert (await conv.message(visible).get()).plaintext == "for alice"
    assert await alice.conversation("private").message(hidden).get() is None
    await admin.aclose()


async def test_on_error_unsubscribe_works_with_and_without_await(app_id: str) -> None:
    s = await get_talk_session(app_id=app_id, user_id="alice")
    calls: list[Exception] = []
    sub1 = s.on_error(calls.append)
    sub2 = s.on_error(calls.append)
    sub1.unsubscribe()
    await sub2.unsubscribe()
    s._core.fail(TalkSessionError("boom"))
    assert calls == []
    with pytest.raises(InvalidArgumentError):
        s.on_error("not callable")  # type: ignore[arg-type]
    await wait_until(lambda: s.errored)
