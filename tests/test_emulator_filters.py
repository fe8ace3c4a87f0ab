"""``filter=`` on conversation lists (TalkJS ``ConversationFilter``), evaluated in SQL by the
emulator, checked against this module's own brute-force evaluation of the same data.

Every field and operator, ``custom`` with ``exists``/``!exists``/``oneOf``, compound ``any``;
paging walks (``limit=1`` + ``startingAfter``) over the filtered sequence; bad filters answer 400
naming the bad part; the auth rules of the routes stay as they were.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.server_support import assert_error, make_conversation, make_users, ok, send

# -- this test's own evaluation ----------------------------------------------------------------


def _string(cond: list[Any], value: Any) -> bool:
    op, operand = cond
    return {
        "==": lambda: value == operand,
        "!=": lambda: value != operand,
        "oneOf": lambda: value in operand,
        "!oneOf": lambda: value not in operand,
    }[op]()


def _number(cond: list[Any], value: int) -> bool:
    op, x = cond
    return {
        ">": lambda: value > x,
        "<": lambda: value < x,
        ">=": lambda: value >= x,
        "<=": lambda: value <= x,
        "between": lambda: x[0] <= value < x[1],
        "!between": lambda: not (x[0] <= value < x[1]),
    }[op]()


def user_activity(conv: dict[str, Any]) -> int:
    last = conv["lastMessage"]
    return max(last["createdAt"] if last else 0, conv["joinedAt"])


def app_activity(conv: dict[str, Any]) -> int:
    last = conv["lastMessage"]
    return last["createdAt"] if last else conv["createdAt"]


def _custom(cond: dict[str, Any], custom: dict[str, str]) -> bool:
    return all(
        (key in custom) == (c == "exists") if c in ("exists", "!exists") else _string(c, custom.get(key))
        for key, c in cond.items()
    )


def simple_matches(f: dict[str, Any], conv: dict[str, Any], activity) -> bool:
    checks = {
        "access": lambda c: _string(c, conv["access"]),
        "subject": lambda c: _string(c, conv["subject"]),
        "isUnread": lambda c: conv["isUnread"] is c,
        "hasMessages": lambda c: (conv["lastMessage"] is not None) is c,
        "lastActivityAt": lambda c: _number(c, activity(conv)),
        "createdAt": lambda c: _number(c, conv["createdAt"]),
        "joinedAt": lambda c: _number(c, conv["joinedAt"]),
        "custom": lambda c: _custom(c, conv["custom"]),
    }
    return all(checks[key](cond) for key, cond in f.items())


def brute_force(f: Any, convs: list[dict[str, Any]], activity=user_activity) -> list[str]:
    if isinstance(f, list):
        return [c["id"] for c in convs if any(simple_matches(m, c, activity) for m in f[1])]
    return [c["id"] for c in convs if simple_matches(f, c, activity)]


# -- reading lists -------------------------------------------------------------------------------


def walk(client: httpx.Client, url: str, f: Any, limit: int) -> list[str]:
    """Every id of a filtered list, page by page."""
    out: list[str] = []
    after = None
    while True:
        params: dict[str, Any] = {"limit": limit, "filter": json.dumps(f)}
        if after:
            params["startingAfter"] = after
        page = ok(client.get(url, params=params)).json()["data"]
        out += [c["id"] for c in page]
        if len(page) < limit:
            return out
        after = page[-1]["id"]


def everything(client: httpx.Client, url: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    after = None
    while True:
        page = ok(client.get(url, params={"limit": 30, **({"startingAfter": after} if after else {})})).json()["data"]
        out += page
        if len(page) < 30:
            return out
        after = page[-1]["id"]


# -- the data ------------------------------------------------------------------------------------

SUBJECTS = ["Alpha", "Beta", None, "alpha", "Gamma"]
CATEGORIES = ["shoes", "sandals", "boots", None]


@pytest.fixture
def world(client: httpx.Client) -> httpx.Client:
    """34 conversations of alice's, varied in every filtered field (late joins, read-only access,
    read, marked unread, custom keys that look like field names), and 3 she is not in."""
    make_users(client, "alice", "bob")
    for n in range(34):
        cid = f"c{n:02d}"
        custom: dict[str, str] = {}
        if CATEGORIES[n % 4] is not None:
            custom["category"] = CATEGORIES[n % 4]
        if n % 3 == 0:
            custom["visibility"] = "visible"
        if n % 7 == 0:
            custom["isUnread"] = "a custom key named like a field"
        fields: dict[str, Any] = {"custom": custom}
        if SUBJECTS[n % 5] is not None:
            fields["subject"] = SUBJECTS[n % 5]
        make_conversation(client, cid, "bob", **fields)
        late = n % 5 == 1
        if not late:
            ok(client.put(f"/conversations/{cid}/participants/alice"))
        if n % 6 == 0 and not late:
            ok(client.patch(f"/conversations/{cid}/participants/alice", json={"access": "Read"}))
        if n % 2 == 0:
            send(client, cid, f"hello {n}", sender="bob")
        if n % 4 == 0 and not late:
            ok(client.post(f"/conversations/{cid}/readBy/alice"))
        if n % 9 == 3 and not late:
            ok(client.post(f"/conversations/{cid}/unreadBy/alice"))
    for n in range(34):
        if n % 5 == 1:  # late joiners: joinedAt newer than many messages
            ok(client.put(f"/conversations/c{n:02d}/participants/alice"))
    for n in range(3):
        make_conversation(client, f"other{n}", "bob", subject="Alpha")
    return client


def filters_for(convs: list[dict[str, Any]], activity=user_activity, *, user_view: bool = True) -> list[Any]:
    created = sorted(c["createdAt"] for c in convs)
    active = sorted(activity(c) for c in convs)
    mid_c, q1_c, q3_c = created[len(created) // 2], created[len(created) // 4], created[3 * len(created) // 4]
    mid_a = active[len(active) // 2]
    out: list[Any] = [
        {"subject": ["==", "Alpha"]},
        {"subject": ["==", None]},
        {"subject": ["!=", "Alpha"]},
        {"subject": ["!=", None]},
        {"subject": ["oneOf", ["Alpha", "Beta"]]},
        {"subject": ["oneOf", ["Gamma", None]]},
        {"subject": ["!oneOf", ["Alpha", None]]},
        {"subject": ["oneOf", []]},
        {"subject": ["!oneOf", []]},
        {"custom": {"category": "exists"}},
        {"custom": {"category": "!exists"}},
        {"custom": {"category": ["==", "shoes"]}},
        {"custom": {"category": ["!=", "shoes"]}},
        {"custom": {"category": ["oneOf", ["shoes", "boots"]]}},
        {"custom": {"category": ["!oneOf", ["shoes", "boots"]]}},
        {"custom": {"category": ["==", "shoes"], "visibility": ["==", "visible"]}},
        {"custom": {"isUnread": "exists", "visibility": "!exists"}},
        {"custom": {"nothere": ["!=", "x"]}},
        {"hasMessages": True},
        {"hasMessages": False},
        {"createdAt": [">", mid_c]},
        {"createdAt": ["<", mid_c]},
        {"createdAt": [">=", mid_c]},
        {"createdAt": ["<=", mid_c]},
        {"createdAt": ["between", [q1_c, q3_c]]},
        {"createdAt": ["!between", [q1_c, q3_c]]},
        {"lastActivityAt": [">=", mid_a]},
        {"lastActivityAt": ["<", mid_a]},
        {"lastActivityAt": ["between", [active[0], mid_a]]},
        {"lastActivityAt": ["!between", [active[0], mid_a]]},
        {"subject": ["==", "Alpha"], "hasMessages": True},
        ["any", [{"subject": ["==", "Beta"]}, {"custom": {"category": ["==", "boots"]}}]],
        ["any", [{"hasMessages": False, "createdAt": ["<", mid_c]}, {"subject": ["==", None]}]],
        ["any", []],
        {},
    ]
    if user_view:
        joined = sorted(c["joinedAt"] for c in convs)
        mid_j = joined[len(joined) // 2]
        out += [
            {"access": ["==", "Read"]},
            {"access": ["!=", "Read"]},
            {"access": ["oneOf", ["Read", "ReadWrite"]]},
            {"access": ["!oneOf", ["ReadWrite"]]},
            {"isUnread": True},
            {"isUnread": False},
            {"joinedAt": [">", mid_j]},
            {"joinedAt": ["<=", mid_j]},
            {"joinedAt": ["between", [joined[0], mid_j]]},
            {"joinedAt": ["!between", [joined[0], mid_j]]},
            {"isUnread": True, "access": ["==", "ReadWrite"], "custom": {"category": "exists"}},
            ["any", [{"isUnread": True, "hasMessages": False}, {"access": ["==", "Read"]}]],
        ]
    return out


# -- tests ---------------------------------------------------------------------------------------


def test_every_field_and_operator_matches_brute_force_on_the_user_list(world: httpx.Client) -> None:
    convs = everything(world, "/users/alice/conversations")
    assert len(convs) == 34
    # the data really varies in what is filtered (else a filter could pass by accident)
    assert {c["access"] for c in convs} == {"Read", "ReadWrite"}
    assert {c["isUnread"] for c in convs} == {True, False}
    assert any(c["isUnread"] and c["unreadMessageCount"] == 0 for c in convs)  # marked unread
    assert any(user_activity(c) == c["joinedAt"] and c["lastMessage"] for c in convs)  # joined after the last
    for f in filters_for(convs):
        expected = brute_force(f, convs)
        assert walk(world, "/users/alice/conversations", f, 30) == expected, f
    assert 0 < len(brute_force({"subject": ["==", "Alpha"]}, convs)) < len(convs)


def test_paging_walks_the_filtered_sequence_one_at_a_time(world: httpx.Client) -> None:
    convs = everything(world, "/users/alice/conversations")
    for f in (
        {"hasMessages": True},
        ["any", [{"isUnread": True}, {"custom": {"category": ["==", "boots"]}}]],
        {"lastActivityAt": [">=", sorted(user_activity(c) for c in convs)[10]]},
    ):
        expected = brute_force(f, convs)
        assert expected and walk(world, "/users/alice/conversations", f, 1) == expected, f
        assert walk(world, "/users/alice/conversations", f, 7) == expected, f


def test_app_wide_list_filters_on_conversation_fields_only(world: httpx.Client) -> None:
    convs = everything(world, "/conversations")
    assert len(convs) == 37
    for f in filters_for(convs, app_activity, user_view=False):
        expected = brute_force(f, convs, app_activity)
        assert walk(world, "/conversations", f, 30) == expected, f
    f = {"subject": ["==", "Alpha"]}
    assert walk(world, "/conversations", f, 1) == brute_force(f, convs, app_activity)
    for key, cond in (("isUnread", True), ("access", ["==", "Read"]), ("joinedAt", [">", 0])):
        body = assert_error(world.get("/conversations", params={"filter": json.dumps({key: cond})}), 400)
        assert key in body["reasons"][0] and "user's conversation list" in body["reasons"][0]


def test_filter_and_unreads_only_and_last_message_window_combine(world: httpx.Client) -> None:
    convs = everything(world, "/users/alice/conversations")
    f = {"custom": {"category": "exists"}}
    got = ok(
        world.get("/users/alice/conversations", params={"filter": json.dumps(f), "unreadsOnly": "true", "limit": 30})
    ).json()["data"]
    assert [c["id"] for c in got] == [c["id"] for c in convs if c["isUnread"] and "category" in c["custom"]]


def test_marked_unread_sets_is_unread_until_read(server, client: httpx.Client, user_client) -> None:
    make_users(client, "alice", "bob", "carol")
    make_conversation(client, "ab", "alice", "bob")
    alice = user_client("alice")
    conv = ok(alice.get("/users/alice/conversations/ab")).json()
    assert conv["isUnread"] is False and conv["unreadMessageCount"] == 0
    ok(alice.post("/conversations/ab/unreadBy/alice"))
    conv = ok(alice.get("/users/alice/conversations/ab")).json()
    assert conv["isUnread"] is True and conv["unreadMessageCount"] == 0
    assert conv["participants"]["alice"]["isUnread"] is True and conv["participants"]["bob"]["isUnread"] is False
    unread = ok(alice.get("/users/alice/conversations", params={"unreadsOnly": "true"})).json()["data"]
    assert [c["id"] for c in unread] == ["ab"]
    ok(alice.post("/conversations/ab/readBy/alice"))
    assert ok(alice.get("/users/alice/conversations/ab")).json()["isUnread"] is False
    # auth: only as yourself, only in your conversations
    assert_error(alice.post("/conversations/ab/unreadBy/bob"), 403)
    make_conversation(client, "bc", "bob", "carol")
    assert_error(alice.post("/conversations/bc/unreadBy/alice"), 403)
    assert_error(alice.post("/conversations/nope/unreadBy/alice"), 404)
    assert_error(client.post("/conversations/bc/unreadBy/alice"), 404)  # not a participant
    assert_error(httpx.post(f"{server.api}/conversations/ab/unreadBy/alice"), 401)
    assert_error(
        client.post("/conversations/ab/unreadBy/alice", headers={"Authorization": "Bearer sk_test_wrong"}), 401
    )


BAD_FILTERS = [
    ("{", "not valid JSON"),
    ('{"subject": ["==", NaN]}', "not valid JSON"),
    ("[" * 5000 + "]" * 5000, "not valid JSON"),
    ('"Alpha"', "filter must be an object"),
    ('["all", []]', "compound filter"),
    ('["any", {"subject": ["==", "a"]}]', 'filter["any"]'),
    ('["any", [1]]', 'filter["any"][0]'),
    ('{"subjet": ["==", "a"]}', "unknown field 'subjet'"),
    ('{"subject": ["=", "a"]}', "filter.subject: unknown operator"),
    ('{"subject": ["==", 1]}', "filter.subject: the operand must be a string or null"),
    ('{"subject": ["oneOf", "a"]}', "needs an array"),
    ('{"subject": "Alpha"}', "filter.subject must be an [operator, operand] pair"),
    ('{"access": ["==", "None"]}', "filter.access: 'None' is not one of"),
    ('{"access": ["==", null]}', "filter.access: the operand must be a string"),
    ('{"isUnread": "true"}', "filter.isUnread must be true or false"),
    ('{"hasMessages": 1}', "filter.hasMessages must be true or false"),
    ('{"createdAt": [">", "5"]}', "filter.createdAt: the operand must be a finite number"),
    ('{"createdAt": [">", true]}', "filter.createdAt: the operand must be a finite number"),
    ('{"createdAt": [">", 1e300]}', "out of range"),
    ('{"joinedAt": ["between", [1]]}', "filter.joinedAt: 'between' needs a [low, high] pair"),
    ('{"lastActivityAt": ["oneOf", [1]]}', "filter.lastActivityAt: unknown operator"),
    ('{"custom": ["category"]}', "filter.custom must map custom keys"),
    ('{"custom": {"category": "there"}}', 'filter.custom["category"]: use "exists"'),
    ('{"custom": {"category": ["==", null]}}', 'filter.custom["category"]: the operand must be a string'),
    ('{"custom": {"category": ["like", "x"]}}', 'filter.custom["category"]: unknown operator'),
    ('{"custom": {"": "exists"}}', "custom keys must be non-empty"),
    ('["any", [{"subject": ["==", "a"]}, {"joinedAt": [">", "x"]}]]', 'filter["any"][1].joinedAt'),
]


@pytest.mark.parametrize(("raw", "reason"), BAD_FILTERS)
def test_bad_filters_answer_400_naming_the_part(client: httpx.Client, raw: str, reason: str) -> None:
    make_users(client, "alice")
    body = assert_error(client.get("/users/alice/conversations", params={"filter": raw}), 400)
    assert reason in body["reasons"][0], body


def test_filter_auth_is_the_list_routes_auth(server, client: httpx.Client, user_client) -> None:
    make_users(client, "alice", "bob")
    make_conversation(client, "ab", "alice", "bob", subject="x")
    f = json.dumps({"subject": ["==", "x"]})
    alice = user_client("alice")
    assert [c["id"] for c in ok(alice.get("/users/alice/conversations", params={"filter": f})).json()["data"]] == ["ab"]
    assert_error(alice.get("/users/bob/conversations", params={"filter": f}), 403)
    assert_error(alice.get("/conversations", params={"filter": f}), 403)
    assert_error(httpx.get(f"{server.api}/users/alice/conversations", params={"filter": f}), 401)
    assert_error(client.get("/users/nobody/conversations", params={"filter": f}), 404)
