"""Pure tests of the conversation-list patch protocol (``talkwidgets/widgets/_list_sync.py``)."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import pytest

from talkwidgets.widgets._list_sync import ListSyncError, apply_ops, change_ops, diff_ops


def conv(cid: str, text: str = "hi", t: int = 0) -> dict:
    return {"id": cid, "subject": None, "last_message": {"plaintext": text, "created_at": t}}


def convs(ids: str) -> list[dict]:
    return [conv(c) for c in ids]


def ids(items: list[dict]) -> str:
    return "".join(c["id"] for c in items)


def check(old: list[dict], new: list[dict], **kw) -> list[dict] | None:
    before = copy.deepcopy(old)
    ops = diff_ops(old, new, **kw)
    assert old == before, "diff_ops must not modify its input"
    if ops is not None:
        assert apply_ops(old, ops) == new
        assert old == before, "apply_ops must not modify its input"
        json.dumps(ops)  # ops are plain JSON
    return ops


# --- diff_ops ---------------------------------------------------------------------------------


def test_equal_lists_give_no_ops() -> None:
    assert check(convs("abc"), convs("abc")) == []
    assert check([], []) == []


def test_move_to_top_costs_one_put_in_a_big_list() -> None:
    old = [conv(f"c{i}") for i in range(1000)]
    new = list(old)
    moved = conv("c500", "new message", 99)
    del new[500]
    new.insert(0, moved)
    ops = check(old, new)
    assert ops == [{"t": "put", "at": 0, "c": moved}]


def test_content_change_in_place_is_one_put() -> None:
    old = convs("abcd")
    new = convs("abcd")
    new[2] = conv("c", "edited")
    assert check(old, new) == [{"t": "put", "at": 2, "c": new[2]}]


def test_new_conversation_and_deletion() -> None:
    old = convs("abcdefgh")
    new = [conv("z")] + [c for c in old if c["id"] != "e"]
    ops = check(old, new)
    assert ops == [{"t": "del", "id": "e"}, {"t": "put", "at": 0, "c": new[0]}]


def test_move_down_costs_one_put() -> None:
    old = convs("abcdefghij")
    new = convs("bcdefghaij")
    ops = check(old, new)
    assert ops is not None and len(ops) == 1 and ops[0]["c"]["id"] == "a"


def test_full_resend_when_more_than_half_changes() -> None:
    old = convs("abcdef")
    assert check(old, convs("fedcba")) is None
    assert check(old, convs("uvwxyz")) is None
    assert check([], convs("ab")) is None
    # ...unless ops are forced
    assert check(old, convs("fedcba"), max_changed=None) is not None
    assert check([], convs("ab"), max_changed=None) == [
        {"t": "put", "at": 0, "c": conv("a")},
        {"t": "put", "at": 1, "c": conv("b")},
    ]


def test_duplicate_or_missing_ids_fall_back_to_full_resend() -> None:
    assert diff_ops(convs("ab"), convs("aab")) is None
    assert diff_ops(convs("ab"), [*convs("ab"), {"subject": "no id"}]) is None


def test_tricky_orders_need_simulated_indexes() -> None:
    # x and y both move and change; the put indexes must account for items not yet placed.
    old = [conv("x"), conv("y"), conv("a")]
    new = [conv("a"), conv("y", "2"), conv("x", "2")]
    assert check(old, new, max_changed=None) is not None


@pytest.mark.parametrize("seed", range(400))
def test_randomized_roundtrip(seed: int) -> None:
    rng = random.Random(seed)
    universe = [f"c{i}" for i in range(rng.choice([3, 8, 30, 120]))]
    old_ids = rng.sample(universe, rng.randint(0, len(universe)))
    old = [conv(c, rng.choice("ab")) for c in old_ids]
    new = copy.deepcopy(old)
    for _ in range(rng.randint(0, 6)):
        action = rng.choice(["move", "edit", "insert", "delete", "bump"])
        if action == "move" and new:
            item = new.pop(rng.randrange(len(new)))
            new.insert(rng.randint(0, len(new)), item)
        elif action == "edit" and new:
            i = rng.randrange(len(new))
            new[i] = conv(new[i]["id"], rng.choice("abcd"))
        elif action == "insert":
            free = [c for c in universe if c not in {x["id"] for x in new}]
            if free:
                new.insert(rng.randint(0, len(new)), conv(rng.choice(free)))
        elif action == "delete" and new:
            new.pop(rng.randrange(len(new)))
        elif action == "bump" and new:  # new message: to the top, changed
            item = new.pop(rng.randrange(len(new)))
            new.insert(0, conv(item["id"], "bumped", seed))
    if rng.random() < 0.1:
        new = [conv(c) for c in rng.sample(universe, rng.randint(0, len(universe)))]
    check(old, new)  # default threshold: ops or None
    ops = check(old, new, max_changed=None)  # always ops
    assert ops is not None
    # Minimality: never more ops than removed + (new length).
    assert len(ops) <= len(old) + len(new)


# --- apply_ops --------------------------------------------------------------------------------


def test_apply_put_replaces_existing_entry_with_same_id() -> None:
    old = convs("abc")
    out = apply_ops(old, [{"t": "put", "at": 0, "c": conv("c", "new")}])
    assert ids(out) == "cab" and out[0]["last_message"]["plaintext"] == "new"


def test_apply_at_is_measured_after_removal() -> None:
    out = apply_ops(convs("abc"), [{"t": "put", "at": 2, "c": conv("a")}])
    assert ids(out) == "bca"
    with pytest.raises(ListSyncError):
        apply_ops(convs("abc"), [{"t": "put", "at": 3, "c": conv("a")}])


def test_apply_del_of_unknown_id_is_a_no_op() -> None:
    assert ids(apply_ops(convs("ab"), [{"t": "del", "id": "zz"}])) == "ab"


@pytest.mark.parametrize(
    "op",
    [
        {"t": "nope"},
        {"t": "del"},
        {"t": "del", "id": 3},
        {"t": "put", "at": 0},
        {"t": "put", "at": 0, "c": {"subject": "x"}},
        {"t": "put", "at": -1, "c": {"id": "x"}},
        {"t": "put", "at": 1.0, "c": {"id": "x"}},
        {"t": "put", "at": True, "c": {"id": "x"}},
        {"t": "put", "at": "0", "c": {"id": "x"}},
        "put",
    ],
)
def test_apply_rejects_malformed_ops(op: object) -> None:
    with pytest.raises(ListSyncError):
        apply_ops(convs("ab"), [op])  # type: ignore[list-item]


# --- the JS implementation mirrors apply_ops exactly (shared cases file) ------------------------

CASES = Path(__file__).resolve().parent.parent / "js" / "test" / "apply_ops_cases.json"


def test_shared_apply_cases_match_python() -> None:
    """``js/test/apply_ops_cases.json`` is run by vitest against the TS apply too."""
    cases = json.loads(CASES.read_text())
    assert len(cases) >= 10
    for case in cases:
        if case.get("error"):
            with pytest.raises(ListSyncError):
                apply_ops(case["old"], case["ops"])
        else:
            assert apply_ops(case["old"], case["ops"]) == case["new"], case["name"]


# --- PatchedListSync: the kernel half, on a real anywidget widget (no kernel, dummy comm) ------


@pytest.fixture()
def synced_widget() -> tuple[Any, list[dict]]:
    import anywidget
    import traitlets

    from talkwidgets.widgets._list_sync import PatchedListSync

    class Demo(PatchedListSync, anywidget.AnyWidget):
        _esm = "export default { render() {} }"
        conversations = traitlets.List(traitlets.Dict()).tag(sync=True)
        _seq = traitlets.Int(0).tag(sync=True)
        selected_id = traitlets.Unicode(None, allow_none=True).tag(sync=True)

        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            self.on_msg(self._handle_list_sync_msg)

    w = Demo(conversations=convs("abc"))
    out: list[dict] = []
    w._send = lambda msg, buffers=None: out.append(json.loads(json.dumps(msg)))  # type: ignore[method-assign]
    return w, out


def test_mixin_sends_a_patch_and_keeps_the_trait_current(synced_widget: Any) -> None:
    w, out = synced_widget
    new = [conv("c", "new"), conv("a"), conv("b")]
    ops = w.update_conversations(new)
    assert ops == [{"t": "put", "at": 0, "c": conv("c", "new")}]
    assert out == [{"method": "custom", "content": {"op": "patch", "seq": 1, "ops": ops}}]
    assert w.conversations == new and w._seq == 1
    assert w.get_state(["conversations", "_seq"]) == {"conversations": new, "_seq": 1}
    out.clear()
    assert w.update_conversations(new) == []
    assert out == []


def test_mixin_full_resend_when_cheaper(synced_widget: Any) -> None:
    w, out = synced_widget
    assert w.update_conversations(convs("xyz")) is None
    assert out == [{"method": "update", "state": {"conversations": convs("xyz"), "_seq": 1}, "buffer_paths": []}]


def test_mixin_answers_resync_and_ready(synced_widget: Any) -> None:
    w, out = synced_widget
    w.update_conversations([conv("z"), *convs("abc")])
    out.clear()
    w._handle_custom_msg({"op": "ready", "seq": 1}, [])
    assert out == []  # the front end is current
    w._handle_custom_msg({"op": "ready", "seq": 0}, [])
    w._handle_custom_msg({"op": "resync"}, [])
    full = {"method": "update", "state": {"conversations": w.conversations, "_seq": 1}, "buffer_paths": []}
    assert out == [full, full]


def test_mixin_ignores_the_browsers_copy_of_the_list(synced_widget: Any) -> None:
    w, out = synced_widget
    w.update_conversations([conv("z"), *convs("abc")])
    out.clear()
    # a selection save_changes() also carries the locally patched list: only selected_id is taken (and echoed)
    w.set_state({"selected_id": "b", "conversations": convs("q"), "_seq": 99})
    assert w.selected_id == "b"
    assert ids(w.conversations) == "zabc" and w._seq == 1
    assert all("conversations" not in m.get("state", {}) for m in out)


# --- change_ops and patch_conversations: a known change, no diff --------------------------------


Change = tuple[list[dict], list[str], list[tuple[int, dict]], list[str]]


def known_change(old: list[dict], rng: random.Random) -> Change:
    """A random new list with what changed in it: some conversations leave, some change or move,
    some join; the untouched ones keep their relative order (as a subscription's change set says)."""
    present = {c["id"] for c in old}
    removed = [c["id"] for c in old if rng.random() < 0.15]
    touched = {c["id"] for c in old if c["id"] not in removed and rng.random() < 0.2}
    new = [c for c in old if c["id"] not in removed and c["id"] not in touched]
    for cid in sorted(touched) + [f"n{rng.randrange(10**6)}" for _ in range(rng.randint(0, 3))]:
        if cid in present and cid not in touched:
            continue
        new.insert(rng.randint(0, len(new)), conv(cid, f"v{rng.random()}"))
    placed = {c["id"] for c in new} - {c["id"] for c in old if c["id"] not in touched}
    puts = [(at, c) for at, c in enumerate(new) if c["id"] in placed]
    return new, removed, puts, [cid for cid in placed if cid in present]


@pytest.mark.parametrize("seed", range(60))
def test_change_ops_rebuild_the_new_list(seed: int) -> None:
    rng = random.Random(seed)
    old = [conv(f"c{i}") for i in range(rng.randint(0, 30))]
    new, removed, puts, present = known_change(old, rng)
    ops = change_ops(removed, puts, present)
    assert apply_ops(old, ops) == new
    assert sum(op["t"] == "put" for op in ops) == len(puts)


def test_change_ops_for_one_move_is_one_put() -> None:
    moved = conv("c700", "new message")
    assert change_ops([], [(0, moved)], ["c700"]) == [{"t": "put", "at": 0, "c": moved}]
    assert change_ops(["c3"], [], []) == [{"t": "del", "id": "c3"}]


def test_mixin_patches_a_known_change(synced_widget: Any) -> None:
    w, out = synced_widget
    w.update_conversations([conv(f"c{i}") for i in range(10)])  # ten from three: a full resend
    out.clear()
    moved = conv("c7", "new")
    ops = w.patch_conversations(change_ops([], [(0, moved)], ["c7"]))
    assert out == [{"method": "custom", "content": {"op": "patch", "seq": 2, "ops": ops}}]
    assert ids(w.conversations) == "c7c0c1c2c3c4c5c6c8c9" and w._seq == 2
    assert w.conversations[0] == moved
    assert w.get_state(["conversations", "_seq"]) == {"conversations": w.conversations, "_seq": 2}
    w.update_conversations([conv("c9"), *w.conversations[:-1]])  # a list set another way: ids re-read
    w.patch_conversations(change_ops(["c0"], [], []))
    assert [c["id"] for c in w.conversations] == ["c9", "c7", "c1", "c2", "c3", "c4", "c5", "c6", "c8"]
    assert w.patch_conversations([]) == []
    out.clear()
    many = change_ops([], [(at, conv(f"n{at}")) for at in range(10)], [])  # 10 ops, 19 rows
    assert w.patch_conversations(many) is None, "more ops than half the list: the whole list instead"
    assert out[-1]["method"] == "update" and out[-1]["state"]["conversations"] == w.conversations
    before = list(w.conversations)
    with pytest.raises(ListSyncError):
        w.patch_conversations([{"t": "put", "at": 99, "c": conv("x")}])
    assert w.conversations == before, "a bad op changes nothing"
