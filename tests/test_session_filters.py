"""``subscribe_conversations(filter=...)`` against the real emulator, checked by brute force.

Every field and operator of ``SimpleConversationFilter``, ``custom`` with ``exists``/``oneOf``,
and ``any`` compounds: the filtered subscription's window (grown to ``loaded_all``) must equal this
module's own evaluation of the filter over alice's whole, unfiltered conversation list, in the
list's order. Then live changes make conversations start and stop matching. Bad filters are refused
locally with ``InvalidArgumentError``.
"""

from __future__ import annotations

from typing import Any

import pytest

from talkwidgets import InvalidArgumentError, get_talk_session
from tests.session_support import Admin, ids, wait_until

# -- this test's own evaluation of a filter (snake_case keys, as the user writes them) -----------------


def _activity(conv: dict[str, Any]) -> int:
    last = conv.get("lastMessage") or {}
    return max(last.get("createdAt") or 0, conv["joinedAt"])


def _string(cond: Any, value: Any) -> bool:
    op, operand = cond
    return {
        "==": lambda: value == operand,
        "!=": lambda: value != operand,
        "oneOf": lambda: value in operand,
        "!oneOf": lambda: value not in operand,
    }[op]()


def _number(cond: Any, value: int) -> bool:
    op, x = cond
    return {
        ">": lambda: value > x,
        "<": lambda: value < x,
        ">=": lambda: value >= x,
        "<=": lambda: value <= x,
        "between": lambda: x[0] <= value < x[1],
        "!between": lambda: not x[0] <= value < x[1],
    }[op]()


def _simple(f: dict[str, Any], conv: dict[str, Any]) -> bool:
    checks = {
        "access": lambda c: _string(c, conv["access"]),
        "subject": lambda c: _string(c, conv.get("subject")),
        "is_unread": lambda c: conv["isUnread"] is c,
        "has_messages": lambda c: (conv.get("lastMessage") is not None) is c,
        "last_activity_at": lambda c: _number(c, _activity(conv)),
        "created_at": lambda c: _number(c, conv["createdAt"]),
        "joined_at": lambda c: _number(c, conv["joinedAt"]),
        "custom": lambda c: all(
            (k in (conv.get("custom") or {})) == (v == "exists")
            if v in ("exists", "!exists")
            else _string(v, (conv.get("custom") or {}).get(k))
            for k, v in c.items()
        ),
    }
    return all(checks[key](cond) for key, cond in f.items())


def brute_force(f: Any, convs: list[dict[str, Any]]) -> list[str]:
    match = (lambda c: any(_simple(m, c) for m in f[1])) if isinstance(f, tuple) else (lambda c: _simple(f, c))
    return [c["id"] for c in convs if match(c)]


async def everything(admin: Admin, user: str) -> list[dict[str, Any]]:
    """The user's whole conversation list in the server's order, unfiltered."""
    out: list[dict[str, Any]] = []
    after = None
    while True:
        params = {"limit": 30, **({"startingAfter": after} if after else {})}
        page = (await admin.call("GET", f"/users/{user}/conversations", params=params))["data"]
        out += page
        if len(page) < 30:
            return out
        after = page[-1]["id"]


async def window_of(session: Any, f: Any) -> list[str]:
    sub = session.subscribe_conversations(filter=f)
    await sub.connected
    while not sub.state.loaded_all:
        await sub.load_more(30)
    result = ids(sub)
    sub.unsubscribe()
    return result


# -- the data -------------------------------------------------------------------------------------

SUBJECTS = ["Alpha", "Beta", None, "alpha", "Gamma"]
CATEGORIES = ["shoes", "sandals", "boots", None]


async def make_world(admin: Admin) -> None:
    """45 conversations of alice's (more than two windows), varied in every filtered field."""
    for n in range(45):
        cid = f"c{n:02d}"
        custom: dict[str, str] = {}
        if CATEGORIES[n % 4] is not None:
            custom["category"] = CATEGORIES[n % 4]
        if n % 3 == 0:
            custom["visibility"] = "visible"
        if n % 7 == 0:
            custom["is_unread"] = "a custom key that looks like a field"
        attrs: dict[str, Any] = {"custom": custom}
        if SUBJECTS[n % 5] is not None:
            attrs["subject"] = SUBJECTS[n % 5]
        await admin.conversation(cid, "bob", **attrs)
        late = n % 5 == 1  # alice joins most of them at creation, these at the end
        if not late:
            await admin.call("PUT", f"/conversations/{cid}/participants/alice", json={"access": "ReadWrite"})
        if n % 6 == 0 and not late:
            await admin.call("PATCH", f"/conversations/{cid}/participants/alice", json={"access": "Read"})
        if n % 2 == 0:
            await admin.send(cid, "bob", f"hello {n}")
        if n % 4 == 0 and not late:
            await admin.call("POST", f"/conversations/{cid}/readBy/alice")
    for n in range(45):  # late joiners: their joinedAt is newer than many messages
        if n % 5 == 1:
            await admin.call("PUT", f"/conversations/c{n:02d}/participants/alice", json={})


def filters_for(convs: list[dict[str, Any]]) -> list[Any]:
    """Filters over every field and operator, thresholds taken from the data (bounds hit exactly)."""
    created = sorted(c["createdAt"] for c in convs)
    joined = sorted(c["joinedAt"] for c in convs)
    active = sorted(_activity(c) for c in convs)
    q3_c = created[34]
    out: list[Any] = [
        {"access": ["==", "Read"]},
        {"access": ["!=", "Read"]},
        {"access": ["oneOf", ["Read"]]},
        {"access": ("!oneOf", ("ReadWrite",))},
        {"subject": ["==", "Alpha"]},
        {"subject": ["!=", "Alpha"]},
        {"subject": ["==", None]},
        {"subject": ["!=", None]},
        {"subject": ["oneOf", ["Alpha", "Beta"]]},
        {"subject": ["oneOf", ["Gamma", None]]},
        {"subject": ["!oneOf", ["Alpha", None]]},
        {"custom": {"category": "exists"}},
        {"custom": {"category": "!exists"}},
        {"custom": {"category": ["==", "shoes"]}},
        {"custom": {"category": ["!=", "shoes"]}},
        {"custom": {"category": ["oneOf", ["shoes", "boots"]]}},
        {"custom": {"category": ["!oneOf", ["shoes"]]}},
        {"custom": {"category": ["==", "sandals"], "visibility": "exists"}},
        {"custom": {"is_unread": "exists"}},  # a custom key is never renamed
        {"is_unread": True},
        {"is_unread": False},
        {"has_messages": True},
        {"has_messages": False},
    ]
    for field, values in (("created_at", created), ("joined_at", joined), ("last_activity_at", active)):
        mid, lo, hi = values[22], values[10], values[35]
        out += [{field: [op, mid]} for op in (">", "<", ">=", "<=")]
        out += [{field: ["between", [lo, hi]]}, {field: ("!between", (lo, hi))}]
    out += [
        {"is_unread": True, "access": ["==", "ReadWrite"], "custom": {"category": ["!=", "boots"]}},
        ("any", [{"is_unread": True}, {"custom": {"category": ["==", "boots"]}}]),
        ("any", [{"subject": ["==", None], "has_messages": True}, {"access": ["==", "Read"]}]),
        ("any", [{"created_at": [">=", q3_c]}]),
        ("any", []),
    ]
    return out


async def test_every_field_and_operator_matches_a_brute_force_evaluation(world) -> None:
    app_id, admin = world
    await make_world(admin)
    convs = await everything(admin, "alice")
    assert len(convs) == 45
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    for f in filters_for(convs):
        expected = brute_force(f, convs)
        assert await window_of(alice, f) == expected, f"filter {f!r}"
    # the data makes every filter above meaningful: some match, some do not
    assert 0 < len(brute_force({"access": ["==", "Read"]}, convs)) < 45
    assert 0 < len(brute_force({"is_unread": True}, convs)) < 45
    assert 0 < len(brute_force({"custom": {"is_unread": "exists"}}, convs)) < 45


async def test_live_changes_make_conversations_join_and_leave_a_filtered_window(world) -> None:
    app_id, admin = world
    await make_world(admin)
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    f: Any = ("any", [{"is_unread": True}, {"custom": {"category": ["==", "boots"]}}])
    sub = alice.subscribe_conversations(filter=f)
    await sub.connected
    while not sub.state.loaded_all:
        await sub.load_more(30)

    async def settled() -> None:
        want = brute_force(f, await everything(admin, "alice"))
        await wait_until(lambda: ids(sub) == want, what=f"the filtered window to become {want}")

    await settled()
    await alice.conversation("c04").mark_as_read()  # c04: category shoes, read: still out
    await admin.send("c04", "bob", "unread again")  # now unread: in
    await settled()
    assert ids(sub)[0] == "c04"
    await alice.conversation("c04").mark_as_read()  # read: out
    await settled()
    assert "c04" not in ids(sub)
    await admin.conversation("c08", "bob", custom={"category": "boots"})  # a custom change: in
    await settled()
    assert "c08" in ids(sub)
    await admin.conversation("c08", "bob", custom={"category": None})  # and out again
    await settled()
    assert "c08" not in ids(sub)
    await admin.conversation("new", "bob", "alice", custom={"category": "boots"})  # a new conversation
    await settled()
    assert ids(sub)[0] == "new"
    sub.unsubscribe()


async def test_bad_filters_are_refused_locally_naming_the_part(world) -> None:
    app_id, _ = world
    alice = await get_talk_session(app_id=app_id, user_id="alice")
    bad: list[tuple[Any, str]] = [
        ({"isUnread": True}, "'isUnread'"),  # camelCase is the wire's, not the API's
        ({"color": ["==", "red"]}, "'color'"),
        ({"access": ["==", "Admin"]}, "'Admin'"),
        ({"access": ["~", "Read"]}, "'~'"),
        ({"subject": ["oneOf", "Alpha"]}, "list"),
        ({"subject": ["==", 3]}, "3"),
        ({"is_unread": "yes"}, "'yes'"),
        ({"has_messages": 1}, "has_messages"),
        ({"created_at": [">", "yesterday"]}, "'yesterday'"),
        ({"created_at": [">", True]}, "True"),
        ({"joined_at": ["between", [1]]}, "between"),
        ({"joined_at": ["between", 5]}, "between"),
        ({"last_activity_at": ["==", 5]}, "'=='"),
        ({"custom": {"category": "present"}}, "present"),
        ({"custom": {"category": ["==", None]}}, "None"),
        ({"custom": ["category"]}, "custom"),
        ({"custom": {"": "exists"}}, "custom keys"),
        (("all", [{"is_unread": True}]), "'all'"),
        (("any", {"is_unread": True}), "list"),
        (("any", [{"is_unread": True}, "nope"]), "any[1]"),
        ("is_unread", "mapping"),
        ({"subject": "Alpha"}, "pair"),
    ]
    for f, named in bad:
        with pytest.raises(InvalidArgumentError) as caught:
            alice.subscribe_conversations(filter=f)
        assert named in str(caught.value), (f, str(caught.value))
        with pytest.raises(InvalidArgumentError):
            await alice.search_conversations().set_query("x", conversation_filter=f)
