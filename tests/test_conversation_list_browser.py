"""The built ConversationList bundle in real Chromium (no Jupyter): rendering, input, sync protocol, theme."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from talkwidgets.widgets._list_sync import apply_ops, diff_ops
from tests.browser_support import conversation_list_state, mount, open_harness

pytestmark = pytest.mark.browser

NOW_MS = int(time.time() * 1000)


@pytest.fixture(autouse=True)
def _now() -> None:
    """Each test measures times from its own start, not from the module import (minutes apart in a long run)."""
    global NOW_MS
    NOW_MS = int(time.time() * 1000)


def user(uid: str, name: str | None = None) -> dict[str, Any]:
    return {"id": uid, "name": name or uid.capitalize(), "photo_url": None, "role": None, "custom": {}, "locale": None}


def message(
    sender: dict[str, Any] | None,
    text: str = "hello",
    content: list[dict[str, Any]] | None = None,
    ago_ms: int = 120_000,
    kind: str = "UserMessage",
) -> dict[str, Any]:
    return {
        "id": f"m-{text[:8]}",
        "type": kind,
        "sender": sender,
        "plaintext": text,
        "created_at": NOW_MS - ago_ms,
        "edited_at": None,
        "custom": {},
        "content": content if content is not None else [{"type": "text", "children": [text]}],
    }


def conv(
    cid: str,
    others: list[dict[str, Any]] | None = None,
    last: dict[str, Any] | None = None,
    unread: int = 0,
    subject: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    others = others if others is not None else [user(f"u-{cid}", f"User {cid.upper()}")]
    c = {
        "id": cid,
        "subject": subject,
        "photo_url": None,
        "custom": {},
        "created_at": NOW_MS - 86_400_000,
        "joined_at": NOW_MS - 86_400_000,
        "unread_message_count": unread,
        "is_unread": unread > 0,
        "read_until": None,
        "everyone_read_until": None,
        "access": "ReadWrite",
        "notify": True,
        "last_message": last if last is not None else message(others[0] if others else None, f"hi from {cid}"),
        "participants": [{"id": o["id"], "name": o["name"], "photo_url": o["photo_url"]} for o in others],
    }
    c.update(extra)
    return c


def file_block(subtype: str | None, filename: str = "file.bin") -> list[dict[str, Any]]:
    return [{"type": "file", "subtype": subtype, "filename": filename, "size": 10, "url": "https://files.test/x"}]


@pytest.fixture()
def cl(page: Any) -> Any:
    # The page's clock starts at NOW_MS, the instant the test data is dated from: relative times
    # ("now", "5m") do not depend on how long the module waited to run on a busy machine.
    page.clock.install(time=NOW_MS / 1000)
    return open_harness(page, "conversation_list")


def row(page: Any, cid: str) -> Any:
    return page.locator(".tw-host").first.locator(f'.tw-cl-item[data-id="{cid}"]')


def ids(page: Any, view: int = 0) -> list[str]:
    return page.locator(".tw-host").nth(view).locator(".tw-cl-item").evaluate_all("rows => rows.map(r => r.dataset.id)")


def sent(page: Any) -> list[Any]:
    """Custom messages sent to the kernel, after the initial ``ready``."""
    msgs = page.evaluate("() => window.tw.sent")
    assert msgs and msgs[0]["op"] == "ready", msgs
    assert all(m["op"] != "ready" for m in msgs[1:]), "ready is sent once per model"
    return msgs[1:]


# --- rendering -----------------------------------------------------------------------------------


def test_preview_of_each_message_kind(cl: Any) -> None:
    alice = user("alice")
    cases = {
        "text": (message(alice, "See you at 5"), "See you at 5"),
        "image": (message(alice, "", file_block("image", "cat.png")), "Image"),
        "video": (message(alice, "", file_block("video", "clip.mp4")), "Video"),
        "audio": (message(alice, "", file_block("audio", "song.mp3")), "Audio"),
        "voice": (message(alice, "", file_block("voice", "rec.webm")), "Voice message"),
        "file": (message(alice, "", file_block(None, "report.pdf")), "File: report.pdf"),
        "location": (message(alice, "", [{"type": "location", "latitude": 52.1, "longitude": 4.3}]), "Location"),
    }
    convs = [conv(k, [alice], last=m) for k, (m, _) in cases.items()]
    mount(cl, conversation_list_state(conversations=convs))
    for k, (_, expected) in cases.items():
        expect(row(cl, k).locator(".tw-cl-text")).to_have_text(expected)
        expect(row(cl, k).locator(".tw-cl-sender")).to_have_text("")
    assert cl.page_errors == []


def test_sender_prefix_title_and_avatar(cl: Any) -> None:
    alice, bob, me = user("alice"), user("bob"), user("me", "Me")
    convs = [
        conv("group", [alice, bob], last=message(bob, "lunch?")),
        conv("mine", [alice], last=message(me, "on my way")),
        conv("one", [alice], last=message(alice, "ok")),
        conv("named", [alice, bob], subject="Project X", last=message(me, "done", ago_ms=10)),
        conv("sys", [alice, bob], last=message(None, "Bob joined", kind="SystemMessage")),
    ]
    mount(cl, conversation_list_state(conversations=convs))
    expect(row(cl, "group").locator(".tw-cl-sender")).to_have_text("Bob: ")
    expect(row(cl, "mine").locator(".tw-cl-sender")).to_have_text("You: ")
    expect(row(cl, "one").locator(".tw-cl-sender")).to_have_text("")
    expect(row(cl, "named").locator(".tw-cl-sender")).to_have_text("You: ")
    expect(row(cl, "sys").locator(".tw-cl-sender")).to_have_text("")
    expect(row(cl, "group").locator(".tw-cl-title")).to_have_text("Alice, Bob")
    expect(row(cl, "named").locator(".tw-cl-title")).to_have_text("Project X")
    expect(row(cl, "one").locator(".tw-cl-initials")).to_have_text("A")
    expect(row(cl, "group").locator(".tw-cl-initials")).to_have_text("AB")
    expect(row(cl, "named").locator(".tw-cl-time")).to_have_text("now")
    expect(row(cl, "one").locator(".tw-cl-time")).to_have_text("2m")


def test_order_badges_and_photo(cl: Any) -> None:
    photo = "data:image/svg+xml," + "%3Csvg xmlns='http://www.w3.org/2000/svg' width='8' height='8'/%3E"
    convs = [
        conv("c", unread=3),
        conv("a", unread=0),
        conv("b", unread=250, photo_url=photo),
    ]
    mount(cl, conversation_list_state(conversations=convs))
    assert ids(cl) == ["c", "a", "b"]
    expect(row(cl, "c").locator(".tw-cl-badge")).to_have_text("3")
    expect(row(cl, "b").locator(".tw-cl-badge")).to_have_text("99+")
    expect(row(cl, "a").locator(".tw-cl-badge")).to_be_hidden()
    expect(row(cl, "c")).to_have_class(_has("tw-cl-item--unread"))
    expect(row(cl, "b").locator("img.tw-cl-photo")).to_have_attribute("src", photo)
    expect(row(cl, "a").locator("img")).to_have_count(0)


def _has(cls: str) -> Any:
    import re

    return re.compile(rf"(^|\s){cls}(\s|$)")


def test_data_is_never_html(cl: Any) -> None:
    evil = '<img src=x onerror="window.__pwned=1">'
    mount(cl, conversation_list_state(conversations=[conv("x", subject=evil, last=message(user("a"), evil))]))
    expect(row(cl, "x").locator(".tw-cl-title")).to_have_text(evil)
    assert cl.locator(".tw-cl img").count() == 0
    assert cl.evaluate("() => window.__pwned") is None


# --- selection and keyboard ----------------------------------------------------------------------


def test_click_selects(cl: Any) -> None:
    mount(cl, conversation_list_state(conversations=[conv("a"), conv("b"), conv("c")]))
    row(cl, "b").click()
    expect(row(cl, "b")).to_have_attribute("aria-selected", "true")
    expect(row(cl, "a")).to_have_attribute("aria-selected", "false")
    assert cl.evaluate("() => window.tw.model.get('selected_id')") == "b"
    assert cl.evaluate("() => window.tw.saved") == []  # no save_changes: it would carry the patched list
    assert sent(cl) == [{"op": "select", "id": "b"}]
    assert cl.locator('.tw-cl-list[role="listbox"] [role="option"]').count() == 3


def test_keyboard_navigation_and_select(cl: Any) -> None:
    mount(cl, conversation_list_state(conversations=[conv(c) for c in "abcde"]))
    cl.keyboard.press("Tab")  # the roving tab stop is the first row
    expect(row(cl, "a")).to_be_focused()
    cl.keyboard.press("ArrowDown")
    cl.keyboard.press("ArrowDown")
    expect(row(cl, "c")).to_be_focused()
    cl.keyboard.press("Enter")
    expect(row(cl, "c")).to_have_attribute("aria-selected", "true")
    cl.keyboard.press("End")
    expect(row(cl, "e")).to_be_focused()
    cl.keyboard.press("ArrowUp")
    cl.keyboard.press("Space")
    cl.keyboard.press("Home")
    expect(row(cl, "a")).to_be_focused()
    assert sent(cl) == [{"op": "select", "id": "c"}, {"op": "select", "id": "d"}]
    assert cl.evaluate("() => window.tw.model.get('selected_id')") == "d"
    assert cl.locator('.tw-cl-item[tabindex="0"]').count() == 1


def test_keydown_does_not_reach_the_notebook(cl: Any) -> None:
    mount(cl, conversation_list_state(conversations=[conv("a")]))
    cl.evaluate("() => { window.__keys = []; document.addEventListener('keydown', e => window.__keys.push(e.key)); }")
    row(cl, "a").focus()
    for k in ["a", "b", "d", "ArrowDown", "Enter", "Escape"]:
        cl.keyboard.press(k)
    assert cl.evaluate("() => window.__keys") == []
    root = cl.locator(".tw-cl")
    expect(root).to_have_attribute("data-lm-suppress-shortcuts", "true")
    expect(root).to_have_class(_has("lm-suppress-shortcuts"))


# --- load more, states, connection -----------------------------------------------------------------


def test_load_more(cl: Any) -> None:
    mount(cl, conversation_list_state(conversations=[conv("a")]))
    more = cl.get_by_role("button", name="Load more")
    more.click()
    assert sent(cl) == [{"op": "load_more", "count": 20}]
    cl.evaluate("() => window.tw.kernelSet({loading_more: true})")
    expect(cl.locator(".tw-cl-more")).to_be_disabled()
    cl.evaluate("() => window.tw.kernelSet({loading_more: false, loaded_all: true})")
    expect(cl.locator(".tw-cl-more")).to_be_hidden()


def test_pending_empty_and_error_states(cl: Any) -> None:
    mount(cl, conversation_list_state(state="pending"))
    ph = cl.locator(".tw-cl-placeholder")
    expect(ph).to_have_attribute("data-kind", "loading")
    expect(cl.locator(".tw-cl-skeleton")).to_have_count(3)
    expect(cl.locator(".tw-cl-list")).to_have_attribute("aria-busy", "true")
    cl.evaluate("() => window.tw.kernelSet({state: 'active', loaded_all: true})")
    expect(ph).to_contain_text("No conversations yet")
    banner = cl.locator(".tw-cl-banner")
    expect(banner).to_be_hidden()
    cl.evaluate("() => window.tw.kernelSet({state: 'error', error: 'Authentication failed: token expired'})")
    expect(banner).to_be_visible()
    expect(banner).to_have_text("Authentication failed: token expired")
    expect(banner).to_have_attribute("aria-live", "assertive")
    expect(ph).to_be_hidden()


@pytest.mark.parametrize(
    ("connection", "title"), [("connected", "Connected"), ("reconnecting", "Reconnecting…"), ("offline", "Offline")]
)
def test_connection_indicator(cl: Any, connection: str, title: str) -> None:
    mount(cl, conversation_list_state(connection=connection))
    dot = cl.locator(".tw-cl-conn")
    expect(dot).to_have_attribute("title", title)
    expect(dot).to_have_class(_has(f"tw-cl-conn--{connection}"))


def test_relative_time_stays_current(page: Any) -> None:
    page.clock.install(time=NOW_MS / 1000)
    open_harness(page)
    mount(page, conversation_list_state(conversations=[conv("a", last=message(user("a"), "x", ago_ms=30_000))]))
    t = page.locator(".tw-cl-time")
    expect(t).to_have_text("now")
    page.clock.run_for(5 * 60_000)
    expect(t).to_have_text("5m")
    page.clock.run_for(3 * 3_600_000)
    expect(t).to_have_text("3h")
    page.evaluate("() => window.tw.unmount()")
    assert page.evaluate("() => window.tw.listenerCount()") == 0


# --- theme -------------------------------------------------------------------------------------


def _bg(page: Any) -> str:
    return page.locator(".tw-cl").evaluate("el => getComputedStyle(el).backgroundColor")


def test_theme_follows_jupyterlab_then_vscode_variables(cl: Any) -> None:
    mount(cl, conversation_list_state(conversations=[conv("a")]))
    assert _bg(cl) == "rgb(255, 255, 255)"  # plain light default
    cl.evaluate("() => document.getElementById('theme').style.setProperty('--vscode-editor-background', '#1e1e1e')")
    assert _bg(cl) == "rgb(30, 30, 30)"
    cl.evaluate("() => document.getElementById('theme').style.setProperty('--jp-layout-color1', 'rgb(1, 2, 3)')")
    assert _bg(cl) == "rgb(1, 2, 3)"  # JupyterLab wins over VS Code
    cl.evaluate("() => document.getElementById('theme').style.setProperty('--jp-ui-font-color0', 'rgb(9, 8, 7)')")
    assert cl.locator(".tw-cl-title").evaluate("el => getComputedStyle(el).color") == "rgb(9, 8, 7)"


def test_dark_fallback_only_without_host_variables(cl: Any) -> None:
    cl.emulate_media(color_scheme="dark")
    mount(cl, conversation_list_state(conversations=[conv("a")]))
    assert _bg(cl) == "rgb(30, 31, 34)"  # built-in dark default
    cl.evaluate("() => document.getElementById('theme').style.setProperty('--jp-layout-color1', 'rgb(250, 250, 250)')")
    assert _bg(cl) == "rgb(250, 250, 250)"  # a light JupyterLab theme on a dark OS stays light


# --- incremental sync ----------------------------------------------------------------------------


def test_patch_updates_model_and_all_views(cl: Any) -> None:
    old = [conv(c) for c in "abcd"]
    mount(cl, conversation_list_state(conversations=old, _seq=7), views=2)
    bumped = conv("c", last=message(user("u-c"), "brand new", ago_ms=0), unread=1)
    new = [bumped, old[0], old[3], conv("e")]  # c to the top, b deleted, e appended
    ops = diff_ops(old, new, max_changed=None)
    assert ops is not None
    cl.evaluate("() => { window.__rowA = document.querySelector('.tw-host .tw-cl-item[data-id=a]'); }")
    cl.evaluate("(m) => window.tw.deliver(m)", {"op": "patch", "seq": 8, "ops": ops})
    for view in (0, 1):
        assert ids(cl, view) == ["c", "a", "d", "e"]
    assert cl.evaluate("() => window.tw.model.get('_seq')") == 8
    assert cl.evaluate("() => window.tw.model.get('conversations')") == apply_ops(old, ops)
    assert cl.evaluate("() => window.tw.saved") == []  # local model.set only, nothing saved
    assert sent(cl) == []
    assert cl.evaluate("() => window.__rowA === document.querySelector('.tw-host .tw-cl-item[data-id=a]')"), (
        "untouched rows must be kept, not rebuilt"
    )
    expect(row(cl, "c").locator(".tw-cl-text")).to_have_text("brand new")
    expect(row(cl, "c").locator(".tw-cl-badge")).to_have_text("1")


def test_patch_on_a_big_list_touches_one_row(cl: Any) -> None:
    old = [conv(f"c{i}") for i in range(1000)]
    mount(cl, conversation_list_state(conversations=old, _seq=1))
    new = list(old)
    moved = conv("c500", last=message(user("x"), "new message at 500", ago_ms=0))
    del new[500]
    new.insert(0, moved)
    ops = diff_ops(old, new)
    assert ops is not None and len(ops) == 1
    cl.evaluate(
        """() => {
        window.__mutations = 0;
        new MutationObserver((recs) => { window.__mutations += recs.length; })
          .observe(document.querySelector('.tw-cl-list'), {childList: true});
    }"""
    )
    cl.evaluate("(m) => window.tw.deliver(m)", {"op": "patch", "seq": 2, "ops": ops})
    assert ids(cl)[:3] == ["c500", "c0", "c1"]
    assert len(ids(cl)) == 1000
    # one removal + one insertion of the moved row; the other 999 rows are untouched
    assert cl.evaluate("() => new Promise(r => setTimeout(() => r(window.__mutations), 0))") <= 2


def test_ready_is_sent_once_per_model(cl: Any) -> None:
    mount(cl, conversation_list_state(_seq=41), views=3)
    assert cl.evaluate("() => window.tw.sent") == [{"op": "ready", "seq": 41}]
    assert cl.locator(".tw-cl").count() == 3


def test_gap_triggers_resync_and_trait_change_rerenders(cl: Any) -> None:
    mount(cl, conversation_list_state(conversations=[conv("a"), conv("b")], _seq=3))
    cl.evaluate("(m) => window.tw.deliver(m)", {"op": "patch", "seq": 5, "ops": [{"t": "del", "id": "a"}]})
    assert sent(cl) == [{"op": "resync"}]
    assert ids(cl) == ["a", "b"]
    # patches are ignored until the kernel re-sends the traits
    cl.evaluate("(m) => window.tw.deliver(m)", {"op": "patch", "seq": 4, "ops": [{"t": "del", "id": "b"}]})
    assert ids(cl) == ["a", "b"]
    fresh = [conv("z"), conv("b")]
    cl.evaluate("(v) => window.tw.kernelSet(v)", {"conversations": fresh, "_seq": 5})
    assert ids(cl) == ["z", "b"]
    cl.evaluate("(m) => window.tw.deliver(m)", {"op": "patch", "seq": 6, "ops": [{"t": "del", "id": "b"}]})
    assert ids(cl) == ["z"]
    assert sent(cl) == [{"op": "resync"}]
    assert cl.page_errors == []


# --- the real kernel half (PatchedListSync on an anywidget) driving the real bundle ---------------


def test_python_widget_and_bundle_stay_in_sync(cl: Any) -> None:
    import json
    import random

    import anywidget
    import traitlets

    from talkwidgets.widgets._list_sync import PatchedListSync

    class Demo(PatchedListSync, anywidget.AnyWidget):
        _esm = "export default {}"
        conversations = traitlets.List(traitlets.Dict()).tag(sync=True)
        _seq = traitlets.Int(0).tag(sync=True)

        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            self.on_msg(self._handle_list_sync_msg)

    rng = random.Random(5)
    pool = [conv(f"c{i}") for i in range(60)]
    w = Demo(conversations=pool[:30])
    outbox: list[dict[str, Any]] = []
    w._send = lambda msg, buffers=None: outbox.append(json.loads(json.dumps(msg)))  # type: ignore[method-assign]
    mount(cl, conversation_list_state(conversations=w.conversations, _seq=w._seq))
    drop_next = False
    resyncs: list[int] = []
    current_step = -1

    def pump() -> None:
        nonlocal drop_next
        for _ in range(10):
            from_browser = cl.evaluate("() => window.tw.sent.splice(0)")
            for m in from_browser:
                if m.get("op") == "resync":
                    resyncs.append(current_step)
                w._handle_custom_msg(m, [])
            if not outbox and not from_browser:
                return
            while outbox:
                msg = outbox.pop(0)
                if drop_next and msg["method"] == "custom":
                    drop_next = False  # simulate a lost patch: the next one is a gap
                    continue
                if msg["method"] == "custom":
                    cl.evaluate("(m) => window.tw.deliver(m)", msg["content"])
                else:
                    cl.evaluate("(s) => window.tw.kernelSet(s)", msg["state"])
        raise AssertionError("messages kept flowing")

    pump()  # the "ready" handshake: seq matches, nothing re-sent
    kinds = {"patch": 0, "full": 0}
    for step in range(40):
        current_step = step
        cur = [dict(c) for c in w.conversations]
        r = rng.random()
        if r < 0.6 and cur:  # new message in some conversation: to the top
            i = rng.randrange(len(cur))
            c = cur.pop(i)
            c["last_message"] = message(user("x"), f"step {step}", ago_ms=0)
            cur.insert(0, c)
        elif r < 0.8:  # a new conversation
            free = [c for c in pool if c["id"] not in {x["id"] for x in cur}]
            cur.insert(rng.randint(0, len(cur)), dict(rng.choice(free)))
        elif cur:  # left a conversation
            cur.pop(rng.randrange(len(cur)))
        if step == 20:
            drop_next = True
        if step == 30:
            cur = cur[::-1]  # mostly reordered: a full resend
        ops = w.update_conversations(cur)
        kinds["full" if ops is None else "patch"] += 1
        pump()
        if step == 20:  # the lost patch is noticed at the next one (a gap), which triggers a resync
            assert cl.evaluate("() => window.tw.model.get('_seq')") == w._seq - 1
            continue
        assert ids(cl) == [c["id"] for c in w.conversations], f"step {step}"
        assert cl.evaluate("() => window.tw.model.get('_seq')") == w._seq
    assert kinds["patch"] > 30 and kinds["full"] >= 1
    assert resyncs == [21], "exactly one resync, right after the lost patch"
    assert cl.evaluate("() => window.tw.model.get('conversations')") == w.conversations
    assert cl.page_errors == []


# --- contract with the model layer: real snapshots -> to_json -> the bundle -----------------------


def test_real_model_snapshots_render(cl: Any) -> None:
    from talkwidgets.model.snapshots import UserSnapshot
    from talkwidgets.model.wire import conversation_from_wire, message_from_wire, to_json

    def strip_tokens(v: Any) -> Any:  # what the widget does before data reaches traits
        if isinstance(v, dict):
            return {k: strip_tokens(x) for k, x in v.items() if k != "file_token"}
        if isinstance(v, list):
            return [strip_tokens(x) for x in v]
        return v

    alice = UserSnapshot(id="alice", name="Alice")
    bob = UserSnapshot(id="bob", name="Bob")
    t = NOW_MS - 3 * 3_600_000
    wire_messages = {
        "text": {
            "id": "m1",
            "type": "UserMessage",
            "senderId": "alice",
            "createdAt": t,
            "content": [{"type": "text", "children": ["Hi ", {"type": "bold", "children": ["there"]}]}],
        },
        "image": {
            "id": "m2",
            "type": "UserMessage",
            "senderId": "alice",
            "createdAt": t,
            "content": [
                {
                    "type": "file",
                    "subtype": "image",
                    "fileToken": "tok_secret",
                    "url": "https://f/x.png",
                    "size": 10,
                    "filename": "x.png",
                    "width": 2,
                    "height": 2,
                }
            ],
        },
        "voice": {
            "id": "m3",
            "type": "UserMessage",
            "senderId": "bob",
            "createdAt": t,
            "content": [
                {
                    "type": "file",
                    "subtype": "voice",
                    "fileToken": "tok_secret",
                    "url": "https://f/v.webm",
                    "size": 10,
                    "filename": "v.webm",
                    "duration": 2.5,
                }
            ],
        },
        "pdf": {
            "id": "m4",
            "type": "UserMessage",
            "senderId": "alice",
            "createdAt": t,
            "content": [
                {"type": "file", "fileToken": "tok_secret", "url": "https://f/r.pdf", "size": 10, "filename": "r.pdf"}
            ],
        },
        "where": {
            "id": "m5",
            "type": "UserMessage",
            "senderId": "alice",
            "createdAt": t,
            "content": [{"type": "location", "latitude": 1.5, "longitude": 2.5}],
        },
    }
    convs = []
    for cid, wm in wire_messages.items():
        sender = {"alice": alice, "bob": bob}[wm["senderId"]]
        msg = message_from_wire(wm, sender)
        snap = conversation_from_wire(
            {"id": cid, "createdAt": t, "participants": {"me": {}, "alice": {}, "bob": {}}, "unreadMessageCount": 2},
            last_message=msg,
            user_id="me",
        )
        data = strip_tokens(to_json(snap))
        data["participants"] = [{"id": u.id, "name": u.name, "photo_url": None} for u in (alice, bob)]
        convs.append(data)
    assert "tok_secret" not in str(convs)
    mount(cl, conversation_list_state(conversations=convs))
    expected = {
        "text": "Hi there",
        "image": "Image",
        "voice": "Voice message",
        "pdf": "File: r.pdf",
        "where": "Location",
    }
    for cid, text in expected.items():
        expect(row(cl, cid).locator(".tw-cl-text")).to_have_text(text)
        expect(row(cl, cid).locator(".tw-cl-title")).to_have_text("Alice, Bob")
        expect(row(cl, cid).locator(".tw-cl-time")).to_have_text("3h")
        expect(row(cl, cid).locator(".tw-cl-badge")).to_have_text("2")
    expect(row(cl, "voice").locator(".tw-cl-sender")).to_have_text("Bob: ")
    assert cl.page_errors == []
