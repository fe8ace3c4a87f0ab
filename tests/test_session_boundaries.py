"""Edges of the session's behaviour that a plausible one-line bug would cross unnoticed elsewhere.

Each test names the bug it catches. All run against the real embedded emulator over sockets.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from talkwidgets import ActiveState, AuthenticationError, GenericFileMetadata, TalkSessionError, get_talk_session
from talkwidgets.emulator import shared_server
from talkwidgets.model.auth import mint_user_token, token_expiry
from tests.session_support import Admin, ids, wait_until


async def conversations_for_alice(admin: Admin, count: int) -> None:
    for i in range(count):
        await admin.conversation(f"c{i:02d}", "alice")


@pytest.mark.parametrize("count", [20, 21])
async def test_loaded_all_at_exactly_the_window_size(world: tuple[str, Admin], count: int) -> None:
    """Bug caught: reading exactly one window (no extra item), so 20 of 20 looks like "more to come"."""
    app_id, admin = world
    await conversations_for_alice(admin, count)
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    calls: list[bool] = []
    sub = alice.subscribe_conversations(lambda snaps, loaded_all: calls.append(loaded_all))
    state = await sub.connected
    assert len(state.latest_snapshot) == 20
    assert state.loaded_all is (count == 20) and calls == [count == 20]
    if count == 21:
        await sub.load_more(1)  # exactly the one that is left
        assert isinstance(sub.state, ActiveState)
        assert len(ids(sub)) == 21 and sub.state.loaded_all is True and calls[-1] is True
    sub.unsubscribe()


async def test_loaded_all_when_load_more_ends_exactly_on_a_full_page(world: tuple[str, Admin]) -> None:
    """Bug caught: the same, one page further: 20 loaded plus a full page of 30 is all of 50."""
    app_id, admin = world
    await conversations_for_alice(admin, 50)
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    sub = alice.subscribe_conversations()
    await sub.connected
    await sub.load_more(30)
    assert isinstance(sub.state, ActiveState)
    assert len(ids(sub)) == 50 and sub.state.loaded_all is True
    sub.unsubscribe()


async def test_on_error_is_called_once_when_two_requests_fail_together(world: tuple[str, Admin]) -> None:
    """Bug caught: every failing call reporting the session's end, so handlers hear it twice."""
    app_id, _ = world
    session = await get_talk_session(app_id, "alice", token="not-a-jwt", host=shared_server().base_url)
    errors: list[Exception] = []
    session.on_error(errors.append)
    results = await asyncio.gather(
        session.user("alice").get(), session.conversation("anything").get(), return_exceptions=True
    )
    assert [type(r) for r in results] == [AuthenticationError, AuthenticationError], results
    assert len(errors) == 1 and isinstance(errors[0], TalkSessionError)
    assert session.errored
    await session.aclose()


async def test_an_idle_sessions_token_is_renewed_before_it_expires(world: tuple[str, Admin]) -> None:
    """Bug caught: renewing only when a request finds the token expired (or after a 401). An upload
    is never retried after a 401, so it would be the first to fail; here nothing runs at all while
    the refresh falls due, and the token must still be replaced before its ``exp``."""
    app_id, _ = world
    secret = shared_server().ensure_app(app_id)
    fetched: list[tuple[float, str]] = []

    def fetch_token() -> str:
        token = mint_user_token(app_id, "alice", secret, ttl=3)
        fetched.append((time.time(), token))
        return token

    session = await get_talk_session(app_id, "alice", token_fetcher=fetch_token)
    assert await session.current_user.get() is not None  # the first request fetches the first token
    assert len(fetched) == 1
    first_exp = token_expiry(fetched[0][1])
    assert first_exp is not None
    await wait_until(lambda: len(fetched) >= 2, timeout=first_exp - time.time() + 5, what="a renewal while idle")
    renewed_at = fetched[1][0]
    assert renewed_at < first_exp, f"renewed {renewed_at - first_exp:.2f} s after the old token expired"
    await wait_until(lambda: time.time() > first_exp + 0.5, timeout=10, what="the first token's expiry")
    token = await session.upload_file(b"still valid", GenericFileMetadata("after-expiry.txt"))
    assert token
    await session.aclose()
