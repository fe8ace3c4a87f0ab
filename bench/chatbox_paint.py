"""The Chatbox's frame after a new message, by messages loaded, in headless Chromium (not a test).

    .venv/bin/python -m bench.chatbox_paint                       # 30, 1000, 5000 loaded; 3 rounds
    .venv/bin/python -m bench.chatbox_paint --sizes 5000 --rounds 5

The built bundle runs in the test harness page (its fake model stands in for the kernel). For each
size, the thread is mounted with that many messages, scrolled to the newest, then 40 new messages
arrive one at a time as the kernel sends them (one ``put`` patch each); each is timed from the
patch to the first frame after it (``requestAnimationFrame``: the frame that shows it, with its
style, layout and paint) and to the second. The first 5 are warm-up.

Baseline, same run, same bundle: the blocks of rows never skipped (a style sets
``content-visibility: visible`` on them), which is how the thread rendered before. Rounds alternate
the two, so load from other jobs hits both alike. A frame at 60 Hz is 16.7 ms: a figure at that
floor means the update fit in one frame.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from typing import Any

from tests.browser_support import launch_browser, mount, open_harness
from tests.test_chatbox_browser import ANA, ME, message, state

NO_SKIPPING = ".tw-cb-chunk--skippable { content-visibility: visible !important; }"

NEW_MESSAGES = """async ({n, k, template}) => {
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  const out = [];
  for (let i = 0; i < k; i++) {
    await frame(); await frame();
    const text = "new " + i;
    const m = {...template, id: "n" + i, plaintext: text, created_at: 1800000000000 + i * 1000,
               content: [{type: "text", children: [text]}]};
    const t0 = performance.now();
    window.tw.deliver({op: "patch", seq: 2 + i, ops: [{t: "put", at: n + i, c: m}]});
    await frame();
    const t1 = performance.now();
    await frame();
    out.push([t1 - t0, performance.now() - t0]);
  }
  const rows = document.querySelector(".tw-cb-rows");
  const last = rows.lastElementChild.lastElementChild.querySelector(".tw-cb-text").textContent;
  return {times: out, rows: rows.querySelectorAll(".tw-cb-msg").length, last};
}"""

WARMUP = 5
MEASURED = 40


def thread(n: int) -> list[dict[str, Any]]:
    msgs = [message(i, ANA if i % 3 else ME, f"message {i} " + "lorem ipsum " * (i % 7)) for i in range(n)]
    for i, m in enumerate(msgs):
        m["created_at"] = 1_700_000_000_000 + i * 60_000
    return msgs


def one_run(browser: Any, n: int, skipping: bool) -> tuple[float, float]:
    page = browser.new_page(viewport={"width": 900, "height": 800})
    try:
        open_harness(page, "chatbox")
        if not skipping:
            page.add_style_tag(content=NO_SKIPPING)
        mount(page, state(thread(n)))
        page.wait_for_timeout(1000)
        template = message(0, ANA, "")
        k = WARMUP + MEASURED
        got = page.evaluate(NEW_MESSAGES, {"n": n, "k": k, "template": template})
        if got["rows"] != n + k or got["last"] != f"new {k - 1}":
            raise RuntimeError(f"the thread did not show the new messages: {got['rows']} rows, last {got['last']!r}")
        times = got["times"][WARMUP:]
        return statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)
    finally:
        page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="30,1000,5000", help="messages loaded, comma-separated")
    parser.add_argument("--rounds", type=int, default=3, help="rounds; the table shows medians")
    parser.add_argument("--json", default=None, help="also write the raw figures to this file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    from playwright.sync_api import sync_playwright

    results: dict[tuple[int, bool], list[tuple[float, float]]] = {(n, s): [] for n in sizes for s in (True, False)}
    with sync_playwright() as p:
        browser = launch_browser(p)
        try:
            for r in range(args.rounds):
                for n in sizes:
                    for skipping in (True, False) if r % 2 == 0 else (False, True):
                        results[(n, skipping)].append(one_run(browser, n, skipping))
        finally:
            browser.close()
    print(
        f"\n{MEASURED} new messages per run (+{WARMUP} warm-up), medians of {args.rounds} rounds, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    print("| loaded | blocks out of view | first frame p50 (ms) | second frame p50 (ms) | first frame ÷ baseline |")
    print("|---:|---|---:|---:|---:|")
    for n in sizes:
        base = statistics.median(x[0] for x in results[(n, False)])
        for skipping in (True, False):
            runs = results[(n, skipping)]
            first = statistics.median(x[0] for x in runs)
            second = statistics.median(x[1] for x in runs)
            label = "skipped" if skipping else "laid out (baseline)"
            print(f"| {n:,} | {label} | {first:.1f} | {second:.1f} | {first / base:.2f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({f"{n}/{'skipped' if s else 'baseline'}": v for (n, s), v in results.items()}, f, indent=2)


if __name__ == "__main__":
    main()
