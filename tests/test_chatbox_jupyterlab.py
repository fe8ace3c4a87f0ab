"""Chatbox and Inbox end to end in a real JupyterLab, driven in headless Debian Chromium.

Two people chat in one notebook: alice in an ``Inbox`` (list + Chatbox), bob in a ``Chatbox``. One
page load, then: the unread badge clears when alice opens the conversation (she reads it), paging
through 500 messages keeps what she looks at in place, text with markup, typing shown and cleared,
a reply, a reaction, an image and a voice note (Chromium's fake microphone) travel live between
the two views. Checks are made in the DOM, and in the kernel by running code there.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, ROOT, require_bundle, require_chromium
from tests.jupyter_support import kernel_eval_until, kernel_exec, open_notebook, run_all, write_notebook

pytestmark = [pytest.mark.browser, pytest.mark.jupyterlab, pytest.mark.slow]

HISTORY = 500
IMAGE = ROOT / "tests" / "fixtures" / "media" / "image.png"

SETUP = f"""\
from talkwidgets import Chatbox, Inbox, get_talk_session

alice = await get_talk_session(app_id="chat-e2e", user_id="alice")
bob = await get_talk_session(app_id="chat-e2e", user_id="bob")
await alice.current_user.create_if_not_exists(name="Alice")
await bob.current_user.create_if_not_exists(name="Bob")
desk = bob.conversation("desk")
await desk.create_if_not_exists(subject="Help desk")
await desk.participant("alice").create_if_not_exists()
for i in range({HISTORY}):
    await desk.send(f"history {{i:03d}}")
"""

SHOW = """\
inbox = Inbox(alice)
bob_box = Chatbox(bob, "desk")
display(inbox, bob_box)
"""

ALICE = ".tw-ib .tw-cb"
BOB = ".tw-cb:not(.tw-ib .tw-cb)"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium with a fake microphone (JupyterLab's loopback origin is a secure context)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        try:
            yield b
        finally:
            b.close()


def _anchor(page: Any, view: str) -> dict[str, Any]:
    """The first message of a thread and the offset of its bubble from the top of the thread."""
    return page.evaluate(
        """(view) => {
        const s = document.querySelector(view + " .tw-cb-thread");
        const first = s.querySelector(".tw-cb-rows .tw-cb-msg");
        const line = first.querySelector(".tw-cb-bubble");  // the message itself (its day divider, name may go)
        return {id: first.dataset.id, top: line.getBoundingClientRect().top - s.getBoundingClientRect().top,
                rows: s.querySelectorAll(".tw-cb-rows .tw-cb-msg").length, scrollTop: s.scrollTop};
    }""",
        view,
    )


def _row_top(page: Any, view: str, mid: str) -> float:
    return page.evaluate(
        """([view, mid]) => {
        const s = document.querySelector(view + " .tw-cb-thread");
        const line = s.querySelector(`.tw-cb-msg[data-id="${mid}"] .tw-cb-bubble`);
        return line.getBoundingClientRect().top - s.getBoundingClientRect().top;
    }""",
        [view, mid],
    )


def test_two_people_chat_live_in_one_notebook(lab_page: Any, jupyterlab: Any) -> None:
    require_bundle("chatbox")
    require_bundle("inbox")
    page = lab_page
    page.set_viewport_size({"width": 1400, "height": 1500})
    write_notebook(jupyterlab.root / "chat_e2e.ipynb", [SETUP, SHOW])
    open_notebook(page, jupyterlab, "chat_e2e.ipynb")
    run_all(page)

    alice, bob = page.locator(ALICE), page.locator(BOB)
    row = page.locator(".tw-ib .tw-cl-item[data-id='desk']")
    expect(row).to_be_visible(timeout=90_000)
    expect(row.locator(".tw-cl-badge")).to_have_text("99+")
    expect(bob.locator(".tw-cb-rows .tw-cb-msg")).to_have_count(30, timeout=30_000)

    # alice opens the conversation: the Chatbox shows the newest 30 and marks it read (badge gone)
    row.click()
    expect(alice.locator(".tw-cb-rows .tw-cb-msg")).to_have_count(30, timeout=20_000)
    expect(alice.locator(".tw-cb-rows .tw-cb-msg").last.locator(".tw-cb-text")).to_have_text("history 499")
    expect(row.locator(".tw-cb-badge")).to_be_hidden(timeout=15_000)
    # ...and bob's own messages show as read by everyone
    expect(bob.locator(".tw-cb-ticks--read").last).to_be_visible(timeout=15_000)

    # paging: scrolled to the top, older messages load above and what alice looked at stays put
    loaded = 30
    while loaded < HISTORY:
        before = _anchor(page, ALICE)
        page.evaluate("(v) => { document.querySelector(v + ' .tw-cb-thread').scrollTop = 0; }", ALICE)
        after_top = _row_top(page, ALICE, before["id"])  # with scrollTop 0, before the load lands
        expect(alice.locator(".tw-cb-rows .tw-cb-msg")).to_have_count(min(HISTORY, loaded + 30), timeout=20_000)
        loaded = min(HISTORY, loaded + 30)
        assert abs(_row_top(page, ALICE, before["id"]) - after_top) <= 2, f"the view jumped at {loaded} messages"
    expect(alice.locator(".tw-cb-rows .tw-cb-msg").first.locator(".tw-cb-text")).to_have_text("history 000")
    expect(alice.locator(".tw-cb-day:visible")).to_have_count(1)  # all of it was written today
    assert kernel_exec(page, "print(len(inbox.chatbox.messages), inbox.chatbox.loaded_all)")["stdout"].split() == [
        str(HISTORY),
        "True",
    ]

    # typing shows on the other side, and clears when the message arrives
    alice_input = alice.locator(".tw-cb-input")
    alice_input.click()
    alice_input.press_sequentially("*Hello* bob, see `code`")
    expect(bob.locator(".tw-cb-typing")).to_contain_text("Alice is typing", timeout=15_000)
    alice_input.press("Enter")
    last_bob = bob.locator(".tw-cb-rows .tw-cb-msg").last
    expect(last_bob.locator(".tw-cb-text strong")).to_have_text("Hello", timeout=15_000)
    expect(bob.locator(".tw-cb-typing")).to_be_hidden(timeout=15_000)
    expect(alice_input).to_have_value("")
    # alice's new message scrolled her view to the bottom
    expect(alice.locator(".tw-cb-rows .tw-cb-msg").last.locator(".tw-cb-text strong")).to_have_text("Hello")

    # bob replies to it
    last_bob.hover()
    last_bob.get_by_role("button", name="Reply").click()
    expect(bob.locator(".tw-cb-bar")).to_contain_text("Replying to Alice")
    bob.locator(".tw-cb-input").fill("Hi Alice!")
    bob.locator(".tw-cb-input").press("Enter")
    alice_last = alice.locator(".tw-cb-rows .tw-cb-msg").last
    expect(alice_last.locator(".tw-cb-text")).to_have_text("Hi Alice!", timeout=15_000)
    expect(alice_last.locator(".tw-cb-quote")).to_contain_text("You")
    expect(alice_last.locator(".tw-cb-quote")).to_contain_text("Hello bob")

    # alice reacts to the reply
    alice_last.hover()
    alice_last.get_by_role("button", name="React").click()
    alice_last.get_by_role("button", name="React with 👍").click()
    pill = bob.locator(".tw-cb-rows .tw-cb-msg").last.locator(".tw-cb-reaction")
    expect(pill).to_have_text("👍1", timeout=15_000)
    expect(alice_last.locator(".tw-cb-reaction")).to_have_attribute("aria-pressed", "true")

    # an image, picked in alice's composer, shows in bob's thread at its size
    alice.locator(".tw-cb-composer input[type=file]").set_input_files(str(IMAGE))
    img = bob.locator(".tw-cb-rows .tw-cb-msg").last.locator("img.tw-cb-img")
    expect(img).to_be_visible(timeout=30_000)
    page.wait_for_function(
        "(v) => { const i = [...document.querySelectorAll(v + ' .tw-cb-rows .tw-cb-msg')].at(-1)"
        "?.querySelector('img.tw-cb-img'); return i && i.complete && i.naturalWidth > 0; }",
        arg=BOB,
        timeout=20_000,
    )
    assert img.get_attribute("width") and img.get_attribute("height"), "an image keeps its box before it loads"

    # a voice note from the fake microphone
    record = alice.get_by_role("button", name="Record a voice message")
    record.click()
    expect(alice.get_by_role("button", name="Stop and send the voice message")).to_be_visible()
    page.wait_for_timeout(1500)
    alice.get_by_role("button", name="Stop and send the voice message").click()
    voice = bob.locator(".tw-cb-rows .tw-cb-msg").last.locator(".tw-cb-voice")
    expect(voice).to_be_visible(timeout=30_000)
    expect(voice.locator(".tw-cb-voice-time")).to_have_text(re.compile(r"^0:0[1-9]$"))  # recorded ~1.5 s and more
    expect(voice.get_by_role("button", name="Play voice message")).to_be_enabled()

    out = kernel_eval_until(
        page,
        "print([m['content'][0].get('subtype') for m in bob_box.messages[-2:]])",
        lambda s: "voice" in s,
    )
    assert out.strip() == "['image', 'voice']"
    duration = kernel_exec(page, "print(bob_box.messages[-1]['content'][0]['duration'])")["stdout"]
    assert 1.4 <= float(duration) <= 10, duration
    state = kernel_exec(page, "import json; print(json.dumps(bob_box.get_state(), default=str))")["stdout"]
    assert "/files/" not in state and "ft_" not in state, "no file URL or token in widget state"
    assert page.page_errors == [], page.page_errors
