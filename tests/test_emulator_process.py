"""``talkwidgets serve`` as a real process: CLI output, seeds, SIGINT, and surviving ``kill -9``."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from talkwidgets.model.auth import mint_user_token
from tests.serve_process import TIMEOUT

KEY = "sk_test_process_tests_" + "k" * 40


def test_cli_banner_generated_key_and_sigint(procs):
    proc = procs()
    banner = proc.banner()
    proc.wait_healthy()
    assert banner["base URL"] == f"http://127.0.0.1:{proc.port}"
    assert banner["app id"] == "demo"
    key, _, note = banner["secret key"].partition(" ")
    assert key.startswith("sk_test_") and len(key) > 20 and "(generated)" in note
    with httpx.Client(base_url=f"{proc.base_url}/v1/demo", timeout=5) as c:
        assert c.get("/users", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        assert c.get("/users", headers={"Authorization": f"Bearer {KEY}"}).status_code == 401
    proc.popen.send_signal(signal.SIGINT)
    assert proc.popen.wait(TIMEOUT) == 0
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{proc.base_url}/_emulator/health", timeout=2)


def test_refused_feed_handshakes_are_answered_not_logged_as_errors(procs):
    proc = procs("--secret-key", KEY, "--log-level", "info")
    proc.banner()
    proc.wait_healthy()
    from websockets.exceptions import InvalidStatus

    async def refused() -> int:
        with pytest.raises(InvalidStatus) as info:
            async with connect(f"ws://127.0.0.1:{proc.port}/v1/demo/feed?token=wrong"):
                pass
        return info.value.response.status_code

    assert asyncio.run(refused()) == 401
    proc.popen.send_signal(signal.SIGINT)
    assert proc.popen.wait(TIMEOUT) == 0
    proc.read_until("Finished server process")  # info-level shutdown line: all output is in
    assert not [line for line in proc.output if "ERROR" in line], proc.output


def test_cli_seed_and_explicit_key(procs, tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {
                "users": {"alice": {"name": "Alice"}, "bob": {"name": "Bob", "role": "tutor"}},
                "conversations": {"welcome": {"subject": "Welcome", "participants": ["alice", "bob"]}},
                "messages": {
                    "welcome": [
                        {"sender": "bob", "text": "Hi Alice", "createdAt": 1_764_288_000_000},
                        {"sender": "alice", "text": "Hi Bob"},
                    ]
                },
            }
        )
    )
    proc = procs("--seed", str(seed), "--secret-key", KEY, "--app-id", "classroom")
    banner = proc.banner()
    assert any("seeded 2 users, 1 conversations, 2 messages" in line for line in proc.output)
    assert banner["secret key"] == KEY and banner["app id"] == "classroom"
    proc.wait_healthy()
    with httpx.Client(
        base_url=f"{proc.base_url}/public_api/v1/classroom", headers={"Authorization": f"Bearer {KEY}"}, timeout=5
    ) as c:
        assert c.get("/users/bob").json()["role"] == "tutor"
        assert c.get("/conversations/welcome").json()["subject"] == "Welcome"
        texts = [m["text"] for m in c.get("/conversations/welcome/messages").json()["data"]]
        assert texts == ["Hi Bob", "Hi Alice"]
    proc.popen.send_signal(signal.SIGINT)
    assert proc.popen.wait(TIMEOUT) == 0


def test_cli_refuses_a_bad_seed(procs, tmp_path):
    seed = tmp_path / "seed.json"
    seed.write_text(
        json.dumps(
            {"users": {"alice": {"name": "Alice"}}, "conversations": {"c": {"participants": ["alice", "ghost"]}}}
        )
    )
    proc = procs("--seed", str(seed), "--secret-key", KEY)
    assert proc.popen.wait(TIMEOUT) == 2
    proc.read_until("invalid seed")
    missing = procs("--seed", str(tmp_path / "nope.json"), "--secret-key", KEY)
    assert missing.popen.wait(TIMEOUT) == 2


async def _feed_frames(url: str, token: str, until_seq: int | None) -> list[dict]:
    """The hello frame, then (with ``until_seq``) frames up to the event with that seq."""
    async with connect(url, additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=TIMEOUT) as ws:
        frames = [json.loads(await asyncio.wait_for(ws.recv(), TIMEOUT))]

        async def up_to_seq() -> None:
            while until_seq is not None:
                frames.append(json.loads(await ws.recv()))
                if frames[-1]["op"] == "event" and frames[-1]["seq"] >= until_seq:
                    break

        await asyncio.wait_for(up_to_seq(), TIMEOUT)
        return frames


def test_answered_writes_survive_kill_9(procs, tmp_path):
    db = tmp_path / "chat.sqlite3"
    proc = procs("--db", str(db), "--secret-key", KEY)
    proc.banner()
    proc.wait_healthy()
    api = f"{proc.base_url}/v1/demo"
    payload = os.urandom(4096) + "é".encode()
    with httpx.Client(base_url=api, headers={"Authorization": f"Bearer {KEY}"}, timeout=5) as c:
        users = {f"user{i}": {"name": f"User {i}", "custom": {"n": str(i)}} for i in range(20)}
        for uid, body in users.items():
            assert c.put(f"/users/{uid}", json=body).status_code == 200
        assert c.put("/users", json={f"batch{i}": {"name": f"Batch {i}"} for i in range(30)}).status_code == 200
        assert (
            c.put("/conversations/durable", json={"participants": ["user0", "user1"], "subject": "Keep"}).status_code
            == 200
        )
        up = c.post("/files", files={"file": ("kept.bin", payload, "application/octet-stream")})
        assert up.status_code == 200
        ids = []
        for i in range(15):
            r = c.post("/conversations/durable/messages", json=[{"text": f"m{i}", "sender": f"user{i % 2}"}])
            assert r.status_code == 200
            ids += [m["id"] for m in r.json()]
        r = c.post(
            "/conversations/durable/messages",
            json=[{"sender": "user0", "content": [{"type": "file", "fileToken": up.json()["fileToken"]}]}],
        )
        assert r.status_code == 200
        ids += [m["id"] for m in r.json()]
        assert c.post("/conversations/durable/readBy/user1").status_code == 200
        assert c.put("/users/user0", json={"name": "Renamed"}).status_code == 200
    admin = asyncio.run(_feed_frames(f"ws://127.0.0.1:{proc.port}/v1/demo/feed", KEY, None))
    old_seq = admin[0]["seq"]
    assert old_seq > 0

    os.kill(proc.popen.pid, signal.SIGKILL)
    assert proc.popen.wait(TIMEOUT) == -signal.SIGKILL

    again = procs("--db", str(db), "--secret-key", KEY, port=proc.port)
    again.banner()
    again.wait_healthy()
    with httpx.Client(base_url=api, headers={"Authorization": f"Bearer {KEY}"}, timeout=5) as c:
        for uid, body in users.items():
            user = c.get(f"/users/{uid}").json()
            assert user["custom"] == body["custom"]
            assert user["name"] == ("Renamed" if uid == "user0" else body["name"])
        listed = c.get("/users", params={"limit": 100, "startingAfter": "batch"}).json()["data"]
        assert [u["id"] for u in listed if u["id"].startswith("batch")] == sorted(f"batch{i}" for i in range(30))
        conv = c.get("/conversations/durable").json()
        assert conv["subject"] == "Keep" and set(conv["participants"]) == {"user0", "user1"}
        stored = c.get("/conversations/durable/messages", params={"limit": 100}).json()["data"]
        assert [m["id"] for m in reversed(stored)] == ids
        assert [m["text"] for m in reversed(stored)][:15] == [f"m{i}" for i in range(15)]
        assert c.get("/users/user1/conversations/durable").json()["unreadMessageCount"] == 0
        file_url = stored[0]["content"][0]["url"]
        got = c.get(file_url)
        assert got.status_code == 200 and got.content == payload

    # the feed resumes from the old sequence: nothing was lost, numbering continues
    frames = asyncio.run(_feed_frames(f"ws://127.0.0.1:{proc.port}/v1/demo/feed?since={old_seq}", KEY, None))
    assert frames[0]["op"] == "hello" and frames[0]["seq"] == old_seq and frames[0]["resumed"] is True
    token = mint_user_token("demo", "user1", KEY)
    old_view = asyncio.run(_feed_frames(f"ws://127.0.0.1:{proc.port}/v1/demo/feed?since=0", token, old_seq))
    assert old_view[0]["resumed"] is True
    sent = [f["data"]["message"]["id"] for f in old_view if f.get("type") == "message.sent"]
    assert sent == ids
    with httpx.Client(base_url=api, headers={"Authorization": f"Bearer {KEY}"}, timeout=5) as c:
        assert c.post("/conversations/durable/messages", json=[{"text": "after", "sender": "user1"}]).status_code == 200
    frames = asyncio.run(_feed_frames(f"ws://127.0.0.1:{proc.port}/v1/demo/feed?since={old_seq}", KEY, old_seq + 1))
    assert [f["seq"] for f in frames[1:]] == [old_seq + 1]
    assert frames[1]["data"]["message"]["text"] == "after"
    again.popen.send_signal(signal.SIGINT)
    assert again.popen.wait(TIMEOUT) == 0
    assert Path(str(db) + ".files").is_dir()
