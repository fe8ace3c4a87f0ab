"""Chatbox front end in real Chromium on the built bundle (no Jupyter): rendering, hostile data,
patches, the composer and the keyboard. The kernel is the harness's fake model (browser_support)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_support import ORIGIN, mount, open_harness

pytestmark = pytest.mark.browser

NOW = 1_795_860_000_000
ME = {"id": "me", "name": "Sam", "photo_url": None, "role": "default"}
ANA = {"id": "ana", "name": "Ana", "photo_url": None, "role": "default"}

EVIL = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'
RTL = "\u202eمرحبا بالعالم\u202c שלום"
ZW = "a\u200bb\u200dc\ufeffd"
LONG = "W" * 10_000


def message(n: int, sender: dict[str, Any] | None, text: str, **over: Any) -> dict[str, Any]:
    m: dict[str, Any] = {
        "id": f"m{n}",
        "type": "UserMessage",
        "conversation_id": "c",
        "sender": sender,
        "created_at": NOW - (1000 - n) * 1000,
        "edited_at": None,
        "origin": "web",
        "plaintext": text,
        "content": [{"type": "text", "children": [text]}],
        "custom": {},
        "reactions": [],
        "referenced_message_id": None,
        "referenced_message": None,
    }
    m.update(over)
    return m


def state(messages: list[dict[str, Any]], **over: Any) -> dict[str, Any]:
    s: dict[str, Any] = {
        "conversation_id": "c",
        "messages": messages,
        "conversation": {"id": "c", "subject": "Support", "access": "ReadWrite", "participant_count": 2},
        "participants": [{**ANA, "online": True}, {**ME, "online": True}],
        "typing": {"many": False, "users": []},
        "draft": "",
        "current_user": ME,
        "loaded_all": True,
        "loading_more": False,
        "state": "active",
        "error": "",
        "connection": "connected",
        "actions": False,
        "_seq": 1,
        "_attachments": None,
    }
    s.update(over)
    return s


def sent(pg: Any, op: str) -> list[dict[str, Any]]:
    return [m for m in pg.evaluate("() => window.tw.sent") if m.get("op") == op]


def hostile_messages() -> list[dict[str, Any]]:
    evil_user = {"id": "x<script>", "name": EVIL + RTL, "photo_url": "javascript:window.__pwned=1", "role": "default"}
    nodes = [
        {"type": "bold", "children": [EVIL]},
        {"type": "autoLink", "url": "javascript:window.__pwned=1", "text": "click me"},
        {"type": "link", "url": "https://example.com/ok", "children": [EVIL]},
        {"type": "link", "url": " data:text/html,<script>window.__pwned=1</script>", "children": ["data"]},
        {"type": "codeSpan", "text": EVIL},
        {"type": "mention", "id": "u1", "text": EVIL},
        {"type": "actionButton", "action": EVIL, "params": {"a": EVIL}, "children": [EVIL]},
        {"type": "bulletList", "children": [{"type": "bulletPoint", "children": [LONG]}]},
        {"type": "no-such-node", "text": EVIL},
    ]
    file_block = {
        "type": "file",
        "subtype": None,
        "filename": EVIL + LONG + ".pdf",
        "size": 1234,
        "width": None,
        "height": None,
        "duration": None,
    }
    return [
        message(1, evil_user, EVIL, content=[{"type": "text", "children": nodes}]),
        message(2, evil_user, LONG),
        message(3, ANA, RTL + ZW),
        message(4, ANA, "file", content=[file_block]),
        message(
            6,
            ME,
            "reply",
            referenced_message_id="m1",
            referenced_message={"id": "m1", "sender": evil_user, "plaintext": EVIL + LONG, "file": None},
            reactions=[{"emoji": EVIL, "count": 3, "current_user_reacted": True}],
        ),
        message(7, None, EVIL + LONG, type="SystemMessage"),
        message(
            8,
            ANA,
            "img",
            content=[
                {
                    "type": "file",
                    "subtype": "image",
                    "filename": EVIL,
                    "size": 1,
                    "width": 100_000,
                    "height": 3,
                    "duration": None,
                }
            ],
        ),
    ]


def test_hostile_data_renders_as_text_and_keeps_the_layout(page: Any) -> None:
    open_harness(page, "chatbox")
    people = [{"id": f"p{i}", "name": f"{EVIL} {RTL} {i}", "photo_url": None, "online": i % 2 == 0} for i in range(300)]
    mount(
        page,
        state(
            hostile_messages(),
            conversation={"id": "c", "subject": EVIL + LONG + RTL, "participant_count": 301, "access": "ReadWrite"},
            participants=people,
            typing={"many": False, "users": people[:5]},
            draft=EVIL,
        ),
    )
    root = page.locator(".tw-cb")
    expect(root.locator(".tw-cb-rows .tw-cb-msg")).to_have_count(7)
    # hostile nesting, far deeper than the renderer follows (built in the page: too deep to pass in)
    page.evaluate(
        """(m) => {
        let deep = "deep";
        for (let i = 0; i < 5000; i++) deep = {type: "italic", children: [deep]};
        m.content = [{type: "text", children: [deep]}];
        window.tw.deliver({op: "patch", seq: 2, ops: [{t: "put", at: 7, c: m}]});
    }""",
        message(5, ANA, "deep"),
    )
    expect(root.locator(".tw-cb-rows .tw-cb-msg")).to_have_count(8)
    expect(root.locator(".tw-cb-msg[data-id='m5'] .tw-cb-text")).to_have_text("deep")
    page.evaluate("() => window.tw.deliver({op: 'files', urls: {m4: ['javascript:window.__pwned=1'], m8: [null]}})")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__pwned") is None, "a script from the data ran"
    # nothing from the data became markup
    assert page.evaluate("() => document.querySelectorAll('.tw-cb script, .tw-cb [onerror]').length") == 0
    hrefs = page.evaluate("() => [...document.querySelectorAll('.tw-cb a[href]')].map(a => a.getAttribute('href'))")
    assert hrefs == ["https://example.com/ok"], hrefs
    imgs = page.evaluate("() => [...document.querySelectorAll('.tw-cb img')].map(i => i.getAttribute('src'))")
    assert all(src is None or src.startswith("http") for src in imgs), imgs
    first = root.locator(".tw-cb-msg[data-id='m1']")
    expect(first.locator("strong")).to_have_text(EVIL)
    expect(first.locator(".tw-cb-link").first).to_have_text("click me")
    expect(first.locator(".tw-cb-action-button")).to_be_disabled()  # no on_action in Python: inert
    expect(root.locator(".tw-cb-title")).to_contain_text("<script>")
    expect(root.locator(".tw-cb-input")).to_have_value(EVIL)
    expect(root.locator(".tw-cb-typing")).to_contain_text("and 2 others are typing")

    # layout intact: no element sticks out of its message row, the thread never scrolls sideways
    overflow = page.evaluate(
        """() => {
        const bad = [];
        for (const row of document.querySelectorAll('.tw-cb-rows .tw-cb-msg')) {
          const r = row.getBoundingClientRect();
          for (const el of row.querySelectorAll('*')) {
            const b = el.getBoundingClientRect();
            if (b.width === 0 && b.height === 0) continue;
            if (b.left < r.left - 1 || b.right > r.right + 1) bad.push(row.dataset.id + ' ' + el.className);
          }
        }
        const t = document.querySelector('.tw-cb-thread');
        if (t.scrollWidth > t.clientWidth + 1) bad.push('thread scrolls sideways');
        const h = document.querySelector('.tw-cb-header');
        for (const el of h.querySelectorAll('*')) {
          const b = el.getBoundingClientRect(), r = h.getBoundingClientRect();
          if (b.right > r.right + 1) bad.push('header ' + el.className);
        }
        const root = document.querySelector('.tw-cb');
        if (root.scrollWidth > root.clientWidth + 1) bad.push('widget scrolls sideways');
        return bad;
    }"""
    )
    assert overflow == [], overflow
    assert page.page_errors == [], page.page_errors


def test_patches_grouping_pending_and_the_new_messages_button(page: Any) -> None:
    open_harness(page, "chatbox")
    history = [message(n, ANA if n % 7 else ME, f"line {n}") for n in range(1, 61)]
    mount(page, state(history))
    rows = page.locator(".tw-cb-rows .tw-cb-msg")
    expect(rows).to_have_count(60)
    thread = page.locator(".tw-cb-thread")
    at_bottom = (
        "() => { const t = document.querySelector('.tw-cb-thread');"
        " return t.scrollHeight - t.scrollTop - t.clientHeight < 2; }"
    )
    assert page.evaluate(at_bottom), "a conversation opens at its newest message"
    # grouping: one name and one avatar per run of one sender
    assert page.evaluate("() => document.querySelectorAll('.tw-cb-msg--theirs.tw-cb-msg--first').length") == 9

    # Enter sends (shown at once as pending), Shift+Enter is a new line
    box = page.locator(".tw-cb-input")
    box.click()
    box.press_sequentially("first line")
    box.press("Shift+Enter")
    box.press_sequentially("second")
    box.press("Enter")
    [send] = sent(page, "send")
    assert send["text"] == "first line\nsecond" and send["reply_to"] is None
    expect(box).to_have_value("")
    expect(page.locator(".tw-cb-msg--pending")).to_have_count(1)
    # the kernel's copy arrives as a patch: the pending bubble leaves
    mine = message(61, ME, "first line\nsecond")
    page.evaluate("(m) => window.tw.deliver({op: 'patch', seq: 2, ops: [{t: 'put', at: 60, c: m}]})", mine)
    page.evaluate("(n) => window.tw.deliver({op: 'sent', nonce: n, id: 'm61'})", send["nonce"])
    expect(page.locator(".tw-cb-msg--pending")).to_have_count(0)
    expect(rows).to_have_count(61)

    # scrolled away, a message from someone else shows the button instead of moving the view
    thread.evaluate("(t) => { t.scrollTop = 0; }")
    page.evaluate(
        "(m) => window.tw.deliver({op: 'patch', seq: 3, ops: [{t: 'put', at: 61, c: m}]})", message(62, ANA, "psst")
    )
    jump = page.locator(".tw-cb-jump")
    expect(jump).to_have_text("1 new message")
    assert thread.evaluate("(t) => t.scrollTop") < 50
    jump.click()
    expect(jump).to_be_hidden()
    page.wait_for_function(at_bottom)

    # a failed send says why and offers a retry
    box.fill("nope")
    box.press("Enter")
    nonce = sent(page, "send")[-1]["nonce"]
    page.evaluate("(n) => window.tw.deliver({op: 'send_failed', nonce: n, reason: 'no access'})", nonce)
    expect(page.locator(".tw-cb-msg--failed")).to_contain_text("Not sent: no access")
    page.get_by_role("button", name="Retry").click()
    assert sent(page, "send")[-1]["text"] == "nope"
    assert page.page_errors == [], page.page_errors


def test_keyboard_reply_edit_react_delete(page: Any) -> None:
    open_harness(page, "chatbox")
    mount(page, state([message(1, ANA, "question?"), message(2, ME, "my answer")]))
    box = page.locator(".tw-cb-input")
    box.focus()
    box.press("ArrowUp")  # an empty box: up goes to the newest message
    newest = page.locator(".tw-cb-msg[data-id='m2']")
    expect(newest).to_be_focused()
    newest.press("ArrowUp")
    older = page.locator(".tw-cb-msg[data-id='m1']")
    expect(older).to_be_focused()
    # Tab reaches the tools of the message in focus
    older.press("Tab")
    expect(older.get_by_role("button", name="React")).to_be_focused()
    page.keyboard.press("Enter")
    expect(older.get_by_role("toolbar", name="Reactions")).to_be_visible()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")  # the second quick reaction
    assert sent(page, "react") == [{"op": "react", "id": "m1", "emoji": "❤️", "on": True}]
    older.get_by_role("button", name="Reply").click()
    expect(page.locator(".tw-cb-bar")).to_contain_text("Replying to Ana")
    box.fill("yes")
    box.press("Enter")
    assert sent(page, "send")[-1]["reply_to"] == "m1"
    # edit your own message: the text comes into the box, Enter saves
    newest.hover()
    newest.get_by_role("button", name="Edit").click()
    expect(box).to_have_value("my answer")
    box.fill("my better answer")
    box.press("Enter")
    assert sent(page, "edit") == [{"op": "edit", "id": "m2", "text": "my better answer"}]
    # delete asks once more
    newest.hover()
    newest.get_by_role("button", name="Delete").click()
    assert sent(page, "delete") == []
    newest.get_by_role("button", name="Delete this message? Press again to confirm").click()
    assert sent(page, "delete") == [{"op": "delete", "id": "m2"}]
    # others' messages have no edit or delete
    expect(older.get_by_role("button", name="Edit")).to_have_count(0)
    assert page.page_errors == [], page.page_errors


def test_tools_are_built_on_hover_and_keyboard_focus_only(page: Any) -> None:
    open_harness(page, "chatbox")
    history = [message(n, ANA if n % 2 else ME, f"line {n}") for n in range(1, 21)]
    mount(page, state(history))
    expect(page.locator(".tw-cb-rows .tw-cb-msg")).to_have_count(20)
    tools = page.locator(".tw-cb-rows .tw-cb-tools")
    expect(tools).to_have_count(0)  # untouched rows carry no tool buttons
    assert page.locator(".tw-cb-rows .tw-cb-tool").count() == 0
    theirs = page.locator(".tw-cb-msg[data-id='m19']")
    mine = page.locator(".tw-cb-msg[data-id='m20']")
    box = page.locator(".tw-cb-input")

    # hover builds the row's tools beside a bubble that does not move (their room is kept)
    bubble = theirs.locator(".tw-cb-bubble").bounding_box()
    theirs.hover()
    expect(theirs.get_by_role("button", name="React", exact=True)).to_be_visible()
    expect(theirs.get_by_role("button", name="Reply")).to_be_visible()
    expect(theirs.get_by_role("button", name="Edit")).to_have_count(0)
    assert theirs.locator(".tw-cb-bubble").bounding_box() == bubble
    # a refill under the pointer keeps them (no new pointerenter comes)
    liked = message(19, ANA, "line 19", reactions=[{"emoji": "👍", "count": 1, "current_user_reacted": False}])
    page.evaluate("(m) => window.tw.deliver({op: 'patch', seq: 2, ops: [{t: 'put', at: 18, c: m}]})", liked)
    expect(theirs.locator(".tw-cb-reaction")).to_have_count(1)
    expect(theirs.get_by_role("button", name="React", exact=True)).to_be_visible()
    # the pointer moves on: the tools go with it
    mine.hover()
    expect(mine.get_by_role("button", name="Delete")).to_be_visible()
    expect(theirs.locator(".tw-cb-tools")).to_have_count(0)
    box.hover()
    expect(tools).to_have_count(0)

    # keyboard: the focused row gets its tools, in the Tab order; the row it left loses them
    box.focus()
    box.press("ArrowUp")
    expect(mine).to_be_focused()
    expect(mine.get_by_role("button", name="Edit")).to_have_attribute("tabindex", "0")
    mine.press("ArrowUp")
    expect(theirs).to_be_focused()
    expect(mine.locator(".tw-cb-tools")).to_have_count(0)
    expect(tools).to_have_count(1)
    theirs.press("Tab")  # the reaction pill first, then the tools
    expect(theirs.locator(".tw-cb-reaction")).to_be_focused()
    page.keyboard.press("Tab")
    react = theirs.get_by_role("button", name="React", exact=True)
    expect(react).to_be_focused()
    expect(react).to_be_visible()
    page.keyboard.press("Escape")
    expect(theirs).to_be_focused()
    # hovering another row leaves the current row's tools (Tab still reaches them)
    page.locator(".tw-cb-msg[data-id='m18']").hover()
    expect(tools).to_have_count(2)
    box.hover()
    expect(tools).to_have_count(1)
    expect(page.locator(".tw-cb-rows .tw-cb-tools [tabindex='0']")).to_have_count(2)
    assert page.page_errors == [], page.page_errors


def test_typing_files_read_ticks_and_draft(page: Any) -> None:
    open_harness(page, "chatbox")
    image = {"type": "file", "subtype": "image", "filename": "cat.png", "size": 10, "width": 800, "height": 600}
    voice = {"type": "file", "subtype": "voice", "filename": "v.webm", "size": 10, "duration": 75.4}
    pdf = {"type": "file", "subtype": None, "filename": "report.pdf", "size": 482_133}
    msgs = [
        message(1, ANA, "", content=[image]),
        message(2, ANA, "", content=[voice]),
        message(3, ANA, "", content=[pdf]),
        message(4, ME, "hi"),
    ]
    mount(page, state(msgs, conversation={"id": "c", "everyone_read_until": 0, "participant_count": 2}))
    # the front end batches URL requests for 30 ms: wait for the batch, then check it is the only one
    page.wait_for_function("() => window.tw.sent.some((m) => m.op === 'files')", timeout=10_000)
    [ask] = sent(page, "files")
    assert sorted(ask["ids"]) == ["m1", "m2", "m3"]
    img = page.locator(".tw-cb-msg[data-id='m1'] img")
    # the image has its final box before any URL or byte arrives
    box = img.evaluate("(i) => { const r = i.parentElement.getBoundingClientRect(); return [r.width, r.height]; }")
    assert box[0] > 100 and abs(box[0] / box[1] - 800 / 600) < 0.02, box  # fits the bubble, keeps its shape
    expect(page.locator(".tw-cb-voice-time")).to_have_text("1:15")
    expect(page.locator(".tw-cb-filechip-meta").first).to_have_text("482 KB")
    page.evaluate(
        "() => window.tw.deliver({op: 'files', urls: {m3: ['http://talkwidgets.test/f/report.pdf']}})",
    )
    chip = page.locator(".tw-cb-msg[data-id='m3'] a.tw-cb-filechip")
    expect(chip).to_have_attribute("href", "http://talkwidgets.test/f/report.pdf")
    expect(chip).to_have_attribute("download", "report.pdf")
    # read ticks follow everyone_read_until
    ticks = page.locator(".tw-cb-msg[data-id='m4'] .tw-cb-ticks")
    expect(ticks).to_have_attribute("aria-label", "Sent")
    page.evaluate(
        f"() => window.tw.kernelSet({{conversation: {{id: 'c', everyone_read_until: {NOW}, participant_count: 2}}}})"
    )
    expect(ticks).to_have_attribute("aria-label", "Read")
    # typing, both ways
    page.evaluate("(a) => window.tw.kernelSet({typing: {many: false, users: [a]}})", ANA)
    expect(page.locator(".tw-cb-typing")).to_have_text("Ana is typing")
    page.evaluate("() => window.tw.kernelSet({typing: {many: false, users: []}})")
    expect(page.locator(".tw-cb-typing")).to_be_hidden()
    page.locator(".tw-cb-input").press_sequentially("abc")
    assert len(sent(page, "typing")) == 1, "typing is sent once, not per key"
    page.wait_for_function("() => window.tw.sent.some((m) => m.op === 'draft' && m.text === 'abc')")
    # a draft set from Python reaches the box
    page.evaluate("() => window.tw.kernelSet({draft: 'from python'})")
    expect(page.locator(".tw-cb-input")).to_have_value("from python")
    assert json.dumps(page.page_errors) == "[]"


def test_attachments_take_a_target_held_ahead_straight_to_the_backend(page: Any) -> None:
    """Upload protocol 2 through the composer: the pointer on the attach button asks for an upload
    target; a file picked then goes straight to it (``direct_begin`` with ``own_target``, no offer
    round trip) and the kernel hears which upload to post into the conversation."""
    open_harness(page, "chatbox")
    posts: list[dict[str, Any]] = []

    def backend(route: Any) -> None:
        request = route.request
        posts.append({"auth": request.headers.get("authorization"), "bytes": len(request.post_data_buffer or b"")})
        route.fulfill(status=200, content_type="application/json", body=json.dumps({"fileToken": "ft_held"}))

    page.route(ORIGIN + "/upload-target", backend)
    # the harness hands the Chatbox's own model back as its attachments' FileDrop model
    fields = {"_attachments": "anywidget:fd", "direct": True, "accept": "", "max_size": 0, "backend_max_size": 0}
    mount(page, state([message(1, ANA, "hello")], **fields))
    page.locator(".tw-cb-attach").hover()
    page.wait_for_function("() => window.tw.sent.some((m) => m.op === 'target')")
    [ask] = sent(page, "target")
    page.evaluate(
        "([id, url]) => window.tw.deliver({op: 'target', id, url, token: 'user-token', expires_in: 600})",
        [ask["id"], ORIGIN + "/upload-target"],
    )
    page.locator(".tw-cb-composer input[type=file]").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"twelve bytes"}]
    )
    page.wait_for_function("() => window.tw.sent.some((m) => m.op === 'direct_done')")
    [begin] = sent(page, "direct_begin")
    assert begin["own_target"] is True and begin["name"] == "notes.txt"
    assert [a["upload_id"] for a in sent(page, "attach")] == [begin["id"]]
    [done] = sent(page, "direct_done")
    assert done["id"] == begin["id"] and done["file_token"] == "ft_held"
    assert sent(page, "begin") == [], "the chunked path was not taken"
    assert len(posts) == 1 and posts[0]["auth"] == "Bearer user-token" and posts[0]["bytes"] > 12
    assert json.dumps(page.page_errors) == "[]"


def test_a_silent_kernel_turns_the_chatbox_offline_and_inert(page: Any) -> None:
    """No answer to the liveness ping: a banner says so, the composer's buttons are off and Enter
    sends nothing; the next answer makes the Chatbox live again."""
    open_harness(page, "chatbox")
    mount(page, state([message(1, ANA, "hello")]))
    root = page.locator(".tw-cb")
    expect(root).to_have_attribute("data-link", "live")
    page.evaluate("() => { window.tw.kernelAnswers = false; }")
    box = page.locator(".tw-cb-input")
    box.fill("first")
    box.press("Enter")  # sent (nothing says the kernel is gone yet) and a ping; the kernel stays silent
    expect(root).to_have_attribute("data-link", "offline", timeout=20_000)  # the link waits 8 s
    expect(page.locator(".tw-cb-banner")).to_contain_text("does not answer")
    expect(page.locator(".tw-cb-attach")).to_be_disabled()
    box.fill("anyone there?")
    expect(page.locator(".tw-cb-send")).to_be_disabled()
    box.press("Enter")
    assert [m["text"] for m in sent(page, "send")] == ["first"], "nothing is sent to a kernel that does not answer"
    expect(box).to_have_value("anyone there?")  # and the text is kept
    page.evaluate("() => { window.tw.kernelAnswers = true; }")
    box.press("Enter")  # pings again, answered at once: live again
    expect(root).to_have_attribute("data-link", "live", timeout=20_000)
    expect(page.locator(".tw-cb-banner")).to_be_hidden()
    box.press("Enter")
    page.wait_for_function("() => window.tw.sent.some((m) => m.op === 'send' && m.text === 'anyone there?')")
    assert json.dumps(page.page_errors) == "[]"
