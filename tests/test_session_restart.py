"""Two users, every subscription of one following what the other does, across a feed reconnect and
a server restart (``talkwidgets serve`` on a SQLite file, killed with -9).

Alice subscribes to a conversation's messages, the conversation, its participants, bob as a
participant, bob as a user, bob's online status, who is typing, and the reactions to a message.
Alice also keeps a conversation list filtered on a custom key. Bob (his own session, his own
user token) sends, edits, reacts, renames himself, changes the subject, the custom data and his
settings, adds and removes carol, and types. Alice reaches the server through a
relay that the test can cut: bob acts once with alice connected, once while alice is cut off (her
feed drops and reconnects), once after alice's new token made her feed reconnect, and once while
alice is cut off and the server is killed and restarted. After each round every subscription must
show what the server holds, and the message list must have grown in order without losing anything.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from talkwidgets import FewTypingSnapshot, get_talk_session
from talkwidgets.model.auth import mint_user_token
from tests.serve_support import Cut, free_port, kill_hard, start_serve, stop_process
from tests.session_support import Admin, wait_until

APP = "scenario"
SECRET = "sk_test_scenario_secret_0123456789abcdef"
THUMB = "\U0001f44d"


def token_fetcher(user_id: str) -> Any:
    return lambda: mint_user_token(APP, user_id, SECRET, ttl=3600)


class Recorder:
    """Keeps every snapshot a subscription emits."""

    def __init__(self) -> None:
        self.seen: list[Any] = []

    def __call__(self, snapshot: Any, *rest: Any) -> None:
        self.seen.append(snapshot)


async def server_messages(admin: Admin) -> list[dict[str, Any]]:
    return (await admin.call("GET", "/conversations/c/messages", params={"limit": 100}))["data"]


async def test_every_subscription_follows_the_other_user_across_a_reconnect_and_a_restart(tmp_path: Path) -> None:
    port = free_port()
    db = tmp_path / "chat.sqlite3"
    proc = start_serve(db, port, APP, SECRET)
    host = f"http://127.0.0.1:{port}"
    admin = Admin(host, APP, SECRET)
    relay = Cut(port)
    try:
        for uid in ("alice", "bob", "carol"):
            await admin.user(uid)
        await admin.conversation("c", "alice", "bob", subject="Start")
        await relay.restore()
        alice = await get_talk_session(APP, "alice", token_fetcher=token_fetcher("alice"), host=relay.url)
        bob = await get_talk_session(APP, "bob", token_fetcher=token_fetcher("bob"), host=host)
        first = await bob.conversation("c").send("first")
        chat = alice.conversation("c")
        names = ("messages", "conv", "parts", "part", "user", "online", "typing", "reacts", "filtered")
        rec = {name: Recorder() for name in names}
        subs = {
            "messages": chat.subscribe_messages(rec["messages"]),
            "conv": chat.subscribe(rec["conv"]),
            "parts": chat.subscribe_participants(rec["parts"]),
            "part": chat.participant("bob").subscribe(rec["part"]),
            "user": alice.user("bob").subscribe(rec["user"]),
            "online": alice.user("bob").subscribe_online(rec["online"]),
            "typing": chat.subscribe_typing(rec["typing"]),
            "reacts": chat.message(first.id).reactions(THUMB).subscribe(rec["reacts"]),
            # a filtered list the conversation joins and leaves as bob changes its custom data
            "filtered": alice.subscribe_conversations(
                rec["filtered"], filter={"custom": {"round": ("oneOf", ["quiet", "new token"])}}
            ),
        }
        bob_inbox = bob.subscribe_conversations()  # bob holds a feed connection: he is online
        await bob_inbox.connected
        for sub in subs.values():
            await sub.connected
        statuses: list[str] = []
        alice.on_connection_change(statuses.append)

        async def round_of_actions(label: str, n: int) -> None:
            b = bob.conversation("c")
            one = await b.send(f"{label} one")
            await b.send(f"{label} *two*")
            await one.edit(f"{label} one, edited")
            thumb = b.message(first.id).reactions(THUMB)
            await (thumb.add() if n % 2 == 0 else thumb.remove())
            await bob.current_user.set(name=f"Bob {label}")
            await b.set(subject=f"Subject {label}", custom={"round": label})
            await b.participant("bob").edit(notify=[True, False, "MentionsOnly"][n % 3])
            carol = b.participant("carol")
            await (carol.set() if n % 2 == 0 else carol.delete())
            if n % 2:  # rounds while alice is cut off: only a re-read after reconnecting can show it
                await b.mark_as_typing()  # last: a message sent afterwards would end it

        async def everything_shows(label: str, n: int) -> None:
            truth = [m["id"] for m in await server_messages(admin)]
            parts = ["carol", "bob", "alice"] if n % 2 == 0 else ["bob", "alice"]
            notify = [True, False, "MentionsOnly"][n % 3]
            checks = {
                "messages": lambda s: [m.id for m in s] == truth and s[1].plaintext == f"{label} one, edited",
                "conv": lambda s: s.subject == f"Subject {label}" and s.last_message.plaintext == f"{label} two",
                "parts": lambda s: [p.user.id for p in s] == parts and s[-2].user.name == f"Bob {label}",
                "part": lambda s: s.notify == notify and s.user.name == f"Bob {label}",
                "user": lambda s: s.name == f"Bob {label}",
                "online": lambda s: s.is_connected and s.user.name == f"Bob {label}",
                "typing": lambda s: (
                    isinstance(s, FewTypingSnapshot) and [u.id for u in s.users] == (["bob"] if n % 2 else [])
                ),
                "reacts": lambda s: [r.user.id for r in s] == (["bob"] if n % 2 == 0 else []),
                "filtered": lambda s: [c.id for c in s] == (["c"] if n % 2 == 0 else []),
            }
            for name, check in checks.items():
                sub = subs[name]
                await wait_until(
                    lambda sub=sub, check=check: (
                        sub.state.type == "active"
                        and sub.state.latest_snapshot is not None
                        and check(sub.state.latest_snapshot)
                    ),
                    timeout=30,
                    what=f"{name} after round {label!r}: {sub.state}",
                )
            reactions = subs["messages"].state.latest_snapshot[-1].reactions
            assert [(r.emoji, r.count, r.current_user_reacted) for r in reactions] == (
                [(THUMB, 1, False)] if n % 2 == 0 else []
            )

        await round_of_actions("quiet", 0)
        await everything_shows("quiet", 0)

        await relay.cut()  # alice is off the network: her feed drops
        await wait_until(lambda: alice.connection == "reconnecting", what="alice to notice the cut")
        await round_of_actions("cut off", 1)  # all of it while alice cannot hear
        assert alice.connection == "reconnecting"
        await relay.restore()
        await everything_shows("cut off", 1)

        alice.set_token(mint_user_token(APP, "alice", SECRET, ttl=3600))  # the feed reconnects with it
        await round_of_actions("new token", 2)
        await everything_shows("new token", 2)

        await relay.cut()
        kill_hard(proc)
        proc = start_serve(db, port, APP, SECRET)
        await wait_until(lambda: alice.connection == "reconnecting", what="alice to notice the outage")
        await round_of_actions("restart", 3)  # after the restart, before alice is back
        assert alice.connection == "reconnecting"
        await relay.restore()
        await everything_shows("restart", 3)
        assert statuses[-1] == "connected"

        # in order, nothing lost: every list of messages alice saw was newest first, each new one
        # came in at the top, and every message ever sent was seen
        seen_lists = [[m.id for m in s] for s in rec["messages"].seen if s is not None]
        for before, after in itertools.pairwise(seen_lists):
            new = [m for m in after if m not in before]
            assert set(before) <= set(after) and after[: len(new)] == new, (before, after)
        created = [[m.created_at for m in s] for s in rec["messages"].seen if s is not None]
        assert all(c == sorted(c, reverse=True) for c in created)
        every_text = {m.plaintext for s in rec["messages"].seen if s for m in s}
        for label in ("quiet", "cut off", "new token", "restart"):
            assert {f"{label} one", f"{label} two", f"{label} one, edited"} <= every_text
        assert all(sub.state.type == "active" for sub in subs.values())

        bob_inbox.unsubscribe()  # bob's last subscription: his feed closes, he goes offline
        await wait_until(
            lambda: subs["online"].state.latest_snapshot.is_connected is False, what="bob to go offline for alice"
        )
        await alice.aclose()
        await bob.aclose()
    finally:
        await admin.aclose()
        await relay.cut()
        stop_process(proc)
