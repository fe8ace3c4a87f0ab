"""Live updates across failures: token expiry and refresh, and a server restart with a file database."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from talkwidgets import TalkSessionError, get_talk_session
from talkwidgets.emulator import EmbeddedServer
from talkwidgets.model.auth import mint_user_token
from tests.process_support import free_port, stop_process
from tests.session_support import Admin, ids, wait_until


async def test_token_fetcher_renews_short_tokens_without_losing_updates() -> None:
    with EmbeddedServer() as server:
        secret = server.ensure_app("tok")
        admin = Admin(server.base_url, "tok", secret)
        await admin.user("alice")
        await admin.user("bob")
        await admin.conversation("c", "alice", "bob")
        fetched: list[float] = []

        async def fetcher() -> str:
            fetched.append(time.time())
            return mint_user_token("tok", "alice", secret, ttl=3)

        session = await get_talk_session(
            "tok",
            "alice",
            token=mint_user_token("tok", "alice", secret, ttl=3),
            token_fetcher=fetcher,
            host=server.base_url,
        )
        errors: list[Exception] = []
        session.on_error(errors.append)
        sub = session.subscribe_conversations()
        await sub.connected
        for n in range(4):  # outlive several token lifetimes, writing all along
            await asyncio.sleep(1.5)
            await admin.send("c", "bob", f"tick {n}")
            await wait_until(
                lambda n=n: (m := sub.state.latest_snapshot[0].last_message) and m.plaintext == f"tick {n}",
                what=f"tick {n}",
            )
        assert len(fetched) >= 2, "the fetcher renews tokens before they expire"
        assert errors == [] and sub.state.type == "active"
        assert (await session.conversation("c").get()).unread_message_count == 4
        await session.aclose()
        await admin.aclose()


async def test_expired_token_without_refresh_ends_the_session_once() -> None:
    with EmbeddedServer() as server:
        secret = server.ensure_app("exp")
        admin = Admin(server.base_url, "exp", secret)
        await admin.user("alice")
        session = await get_talk_session(
            "exp", "alice", token=mint_user_token("exp", "alice", secret, ttl=2), host=server.base_url
        )
        errors: list[Exception] = []
        session.on_error(errors.append)
        sub = session.subscribe_conversations()
        await sub.connected
        state = await asyncio.wait_for(sub.terminated, 15)
        assert state.type == "error" and isinstance(state.error, TalkSessionError)
        assert len(errors) == 1 and isinstance(errors[0], TalkSessionError)
        assert session.errored
        with pytest.raises(TalkSessionError):
            await session.user("alice").get()
        # set_token on a fresh session keeps working where the old one could not
        fresh = await get_talk_session(
            "exp", "alice", token=mint_user_token("exp", "alice", secret, ttl=60), host=server.base_url
        )
        assert fresh is not session
        fresh.set_token(mint_user_token("exp", "alice", secret, ttl=120))
        assert (await fresh.user("alice").get()).id == "alice"
        await fresh.aclose()
        await session.aclose()
        await admin.aclose()


def _start_server(db: Path, port: int, secret: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "talkwidgets",
            "serve",
            "--db",
            str(db),
            "--port",
            str(port),
            "--app-id",
            "restart",
            "--secret-key",
            secret,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stdout.read().decode() if proc.stdout else ''}")
        time.sleep(0.05)
    proc.kill()
    raise AssertionError("server did not start")


async def test_server_restart_with_a_file_database_loses_no_update(tmp_path: Path) -> None:
    port, secret = free_port(), "sk_test_restart_secret_0123456789abcdef"
    db = tmp_path / "chat.sqlite3"
    proc = _start_server(db, port, secret)
    try:
        host = f"http://127.0.0.1:{port}"
        admin = Admin(host, "restart", secret)
        for uid in ("alice", "bob"):
            await admin.user(uid)
        await admin.conversation("c", "alice", "bob")
        await admin.send("c", "bob", "before")
        session = await get_talk_session("restart", "alice", secret_key=secret, host=host)
        assert session.backend == "server"
        statuses: list[str] = []
        session.on_connection_change(statuses.append)
        sub = session.subscribe_conversations()
        await sub.connected
        assert sub.state.latest_snapshot[0].last_message.plaintext == "before"

        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        stop_process(proc)  # already gone: releases its pipe
        await wait_until(lambda: "reconnecting" in statuses, what="the client to notice the outage")
        proc = _start_server(db, port, secret)
        # written right after the restart, possibly before the client is back: must still arrive
        await admin.send("c", "bob", "after restart 1")
        await admin.conversation("d", "bob", "alice", subject="new while reconnecting")
        await admin.send("c", "bob", "after restart 2")
        await wait_until(
            lambda: ids(sub) == ["c", "d"] and sub.state.latest_snapshot[0].last_message.plaintext == "after restart 2",
            timeout=20,
            what="updates written around the restart",
        )
        assert sub.state.latest_snapshot[0].unread_message_count == 3
        assert statuses[-1] == "connected"
        assert sub.state.type == "active"
        await session.aclose()
        await admin.aclose()
    finally:
        stop_process(proc)


async def test_a_failing_token_fetcher_ends_the_session_through_on_error() -> None:
    with EmbeddedServer() as server:
        secret = server.ensure_app("fetchfail")
        admin = Admin(server.base_url, "fetchfail", secret)
        await admin.user("alice")

        def broken_fetcher() -> str:
            raise ConnectionError("auth backend is down")

        session = await get_talk_session(
            "fetchfail",
            "alice",
            token=mint_user_token("fetchfail", "alice", secret, ttl=2),
            token_fetcher=broken_fetcher,
            host=server.base_url,
        )
        errors: list[Exception] = []
        session.on_error(errors.append)
        sub = session.subscribe_conversations()
        await sub.connected
        state = await asyncio.wait_for(sub.terminated, 15)
        assert state.type == "error" and "auth backend is down" in str(state.error)
        assert len(errors) == 1 and isinstance(errors[0], TalkSessionError)
        await session.aclose()
        await admin.aclose()
