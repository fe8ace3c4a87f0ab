"""A long Chatbox thread in real Chromium (built bundle, harness model): blocks of rows out of view
are skipped by the browser (``content-visibility: auto``) at their measured heights, so reading
and scrolling never see a row move by itself, whatever changed while its block was skipped."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_support import mount, open_harness
from tests.test_chatbox_browser import ANA, ME, message, state

pytestmark = pytest.mark.browser

N = 1500


def long_thread() -> list[dict[str, Any]]:
    msgs = [message(i, ANA if i % 3 else ME, f"message {i} " + "lorem ipsum " * (i % 7)) for i in range(N)]
    for i, m in enumerate(msgs):
        m["created_at"] = 1_700_000_000_000 + i * 60_000
    return msgs


BLOCKS = """() => [...document.querySelectorAll('.tw-cb-rows > .tw-cb-chunk')].map((b) => ({
  skippable: b.classList.contains('tw-cb-chunk--skippable'),
  placeholder: b.style.containIntrinsicSize,
}))"""

# Scrolls up by `step` px at a time for `steps` steps, two frames each, and reports every step in
# which the row under a fixed point of the view did not move by exactly `step`.
SCROLL_UP = """async ({step, steps}) => {
  const th = document.querySelector('.tw-cb-thread');
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  const box = th.getBoundingClientRect();
  const moved = [];
  for (let k = 0; k < steps && th.scrollTop > step; k++) {
    const row = document.elementFromPoint(box.left + 60, box.top + 300)?.closest('.tw-cb-msg');
    const y0 = row?.getBoundingClientRect().top;
    th.scrollTop -= step;
    await frame(); await frame();
    const y1 = row?.getBoundingClientRect().top;
    if (row && Math.abs(y1 - y0 - step) > 1) moved.push([k, y1 - y0]);
  }
  return {moved, top: th.scrollTop};
}"""


def test_blocks_out_of_view_are_skipped_at_their_measured_heights(page: Any) -> None:
    open_harness(page, "chatbox")
    mount(page, state(long_thread()))
    page.wait_for_function(
        "() => document.querySelectorAll('.tw-cb-chunk--skippable').length"
        " === document.querySelectorAll('.tw-cb-rows > .tw-cb-chunk').length"
    )
    blocks = page.evaluate(BLOCKS)
    assert len(blocks) >= N // 64
    assert all(b["skippable"] and b["placeholder"].startswith("auto ") for b in blocks)
    # each block's placeholder is its real height: laid out in full, the thread is as tall
    skipped_height = page.evaluate("() => document.querySelector('.tw-cb-thread').scrollHeight")
    page.add_style_tag(content=".tw-cb-chunk--skippable { content-visibility: visible !important; }")
    full_height = page.evaluate("() => document.querySelector('.tw-cb-thread').scrollHeight")
    assert abs(skipped_height - full_height) <= len(blocks), (skipped_height, full_height)
    assert page.page_errors == []


def test_scrolling_up_moves_every_row_by_the_scroll_even_after_changes_while_skipped(page: Any) -> None:
    open_harness(page, "chatbox")
    msgs = long_thread()
    mount(page, state(msgs))
    page.wait_for_function("() => document.querySelectorAll('.tw-cb-chunk--skippable').length > 10")
    # while their blocks are skipped (far above the view), some old messages get long edits and
    # reactions: their blocks grow
    edited = range(100, 600, 37)
    ops = []
    for i in edited:
        text = "edited " * 80
        c = {**msgs[i], "plaintext": text, "content": [{"type": "text", "children": [text]}]}
        c["reactions"] = [{"emoji": "👍", "count": 3, "current_user_reacted": False, "reactors": []}]
        ops.append({"t": "put", "at": i, "c": c})
    page.evaluate("(ops) => window.tw.deliver({op: 'patch', seq: 2, ops})", ops)
    page.wait_for_function("() => document.querySelector('.tw-cb-rows').textContent.includes('edited edited')")
    result = page.evaluate(SCROLL_UP, {"step": 250, "steps": 600})
    assert result["moved"] == [], result
    assert result["top"] <= 250, "the test scrolled the whole thread"
    texts = page.evaluate("() => [...document.querySelectorAll('.tw-cb-text')].map((t) => t.textContent)")
    assert sum("edited" in t for t in texts) == len(edited)
    assert page.page_errors == []
