"""ConversationList end to end in a real JupyterLab, driven in headless Debian Chromium.

One JupyterLab server for the session (``jupyter_support.jupyterlab``), one notebook load: run all
cells, then bob writes from the kernel, a row is clicked, "Load more" is clicked, and each step is
checked in the DOM, in the kernel (by executing code there), and on the websocket (the kernel ->
browser comm frames of the widget).  Failure artifacts (screenshot, server log, frame summary) go to
``.ci/artifacts/``.  Deselect with ``-m "not jupyterlab"``.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_support import require_bundle
from tests.jupyter_support import (
    ServerProcess,
    kernel_eval_until,
    kernel_exec,
    open_notebook,
    run_all,
    write_notebook,
)

pytestmark = [pytest.mark.browser, pytest.mark.jupyterlab, pytest.mark.slow]

N_CONVERSATIONS = 25  # more than the first window of 20

SETUP = f"""\
import asyncio
from talkwidgets import ConversationList, get_talk_session

alice = await get_talk_session(app_id="e2e", user_id="alice")
bob = await get_talk_session(app_id="e2e", user_id="bob")
await alice.current_user.create_if_not_exists(name="Alice")
await bob.current_user.create_if_not_exists(name="Bob")
for i in range({N_CONVERSATIONS}):
    conversation = alice.conversation(f"c{{i:02d}}")
    await conversation.create_if_not_exists(subject=f"Topic {{i:02d}}")
    await conversation.participant("bob").create_if_not_exists()
    await conversation.send(f"opening {{i:02d}}")
    await asyncio.sleep(0.003)  # distinct millisecond timestamps: a deterministic order
"""

SHOW = """\
inbox = ConversationList(alice)
selections = []
inbox.on_select(selections.append)
inbox
"""

ROWS = ".jp-OutputArea-output .tw-cl .tw-cl-item"


def test_conversation_list_in_jupyterlab(lab_page: Any, jupyterlab: ServerProcess) -> None:
    page = lab_page
    require_bundle("conversation_list")
    write_notebook(jupyterlab.root / "e2e.ipynb", [SETUP, SHOW])
    t0 = time.monotonic()
    open_notebook(page, jupyterlab, "e2e.ipynb")
    t_open = time.monotonic() - t0
    run_all(page)

    # First window: the 20 most recently active conversations, newest first; "Load more" offered.
    rows = page.locator(ROWS)
    expect(rows).to_have_count(20, timeout=60_000)
    t_rows = time.monotonic() - t0
    first_window = [f"c{i:02d}" for i in range(N_CONVERSATIONS - 1, N_CONVERSATIONS - 21, -1)]
    assert [rows.nth(i).get_attribute("data-id") for i in range(20)] == first_window
    expect(rows.first.locator(".tw-cl-text")).to_have_text("opening 24")
    expect(rows.first.locator(".tw-cl-badge")).to_be_hidden()  # alice wrote it herself: nothing unread
    more = page.locator(".tw-cl .tw-cl-more")
    expect(more).to_be_visible()
    expect(page.locator(".tw-cl")).to_have_attribute("data-state", "active")
    model_id = kernel_exec(page, "print(inbox.model_id)")["stdout"].strip()
    assert model_id

    # Bob writes from the kernel: c05 (the bottom row) jumps to the top with an unread badge,
    # and it travels as ONE small patch message, not the list.
    since = len(page.comm_tap.frames)
    kernel_exec(page, "await bob.conversation('c05').send('hi from bob')")
    top = rows.first
    expect(top).to_have_attribute("data-id", "c05")
    expect(top.locator(".tw-cl-text")).to_have_text("hi from bob")
    expect(top.locator(".tw-cl-badge")).to_have_text("1")
    expect(top.locator(".tw-cl-badge")).to_be_visible()
    expect(top).to_have_class(re.compile(r"\btw-cl-item--unread\b"))
    expect(rows).to_have_count(20)
    assert rows.nth(1).get_attribute("data-id") == "c24"  # the others keep their order
    patches = [f for f in page.comm_tap.comm(model_id, since) if f.method == "custom"]
    assert len(patches) == 1, [(f.method, f.size) for f in page.comm_tap.comm(model_id, since)]
    patch = patches[0].content["content"]
    assert patch["op"] == "patch" and [(op["t"], op.get("at")) for op in patch["ops"]] == [("put", 0)]
    assert patches[0].size <= 4096, patches[0].size
    assert not [
        f
        for f in page.comm_tap.comm(model_id, since)
        if f.method == "update" and "conversations" in f.content.get("state", {})
    ], "the whole list was re-sent"

    # A second message to the same conversation: the badge counts up, the row stays on top.
    kernel_exec(page, "await bob.conversation('c05').send('and again')")
    expect(top.locator(".tw-cl-text")).to_have_text("and again")
    expect(top.locator(".tw-cl-badge")).to_have_text("2")

    # Click a row: the selection reaches Python (trait + on_select callback).
    target = page.locator(f'{ROWS}[data-id="c10"]')
    sent_since = len(page.comm_tap.sent)
    target.click()
    expect(target).to_have_attribute("aria-selected", "true")
    expect(page.locator(f"{ROWS}[aria-selected=true]")).to_have_count(1)
    out = kernel_eval_until(
        page,
        "import json; print(json.dumps([inbox.selected_id, selections]))",
        lambda s: s.strip() == json.dumps(["c10", ["c10"]]),
    )
    assert json.loads(out) == ["c10", ["c10"]]
    click_up = [(f.method, f.size) for f in page.comm_tap.comm(model_id, sent_since, sent=True)]
    # ...and a selection made in Python shows in the browser.
    kernel_exec(page, "inbox.selected_id = 'c20'")
    expect(page.locator(f'{ROWS}[data-id="c20"]')).to_have_attribute("aria-selected", "true")
    expect(target).to_have_attribute("aria-selected", "false")

    # "Load more": the 5 older conversations appear below, then everything is loaded.
    more.click()
    expect(rows).to_have_count(N_CONVERSATIONS)
    expect(more).to_be_hidden()
    assert [rows.nth(i).get_attribute("data-id") for i in range(20, 25)] == ["c04", "c03", "c02", "c01", "c00"]
    out = kernel_eval_until(
        page,
        "print(inbox.loaded_all, len(inbox.conversations), inbox.loading_more)",
        lambda s: s.split() == ["True", "25", "False"],
    )
    assert out.split() == ["True", "25", "False"]

    # Live updates still arrive after load_more (the list is patched, nothing re-rendered from scratch).
    kernel_exec(page, "await bob.conversation('c00').send('oldest one wakes up')")
    expect(rows.first).to_have_attribute("data-id", "c00")
    expect(rows.first.locator(".tw-cl-badge")).to_have_text("1")
    expect(rows).to_have_count(N_CONVERSATIONS)
    # The selection survived the moves.
    expect(page.locator(f'{ROWS}[data-id="c20"]')).to_have_attribute("aria-selected", "true")

    assert page.page_errors == [], page.page_errors  # type: ignore[attr-defined]
    # Checked last so that it cannot hide a functional failure above: a click must not carry the
    # list back to the kernel (the front end's local copy of the patched list is not kernel state).
    assert sum(size for _, size in click_up) <= 4096, f"a row click sent {click_up} (method, bytes) to the kernel"
    print(
        f"\n[timing] notebook open {t_open:.1f} s, run-all -> 20 rows {t_rows - t_open:.1f} s, "
        f"whole test {time.monotonic() - t0:.1f} s"
    )
