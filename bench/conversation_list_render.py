"""Front-end cost of the ConversationList bundle in headless Chromium (not a test).

    .venv/bin/python -m bench.conversation_list_render [N ...]     # default: 100 1000 5000

Per list size N: time to render N rows, to apply a one-op patch (a conversation at
the middle moves to the top, with a new message), and to reconcile a full trait
change of the same list (what a resync costs).
"""

from __future__ import annotations

import sys

from tests.browser_support import conversation_list_state, launch_browser, open_harness

MEASURE = """async ({n}) => {
  const now = Date.now();
  const conv = (i, text) => ({
    id: "c" + i, subject: i % 3 ? null : "Group " + i, photo_url: null, created_at: now - 1e8,
    unread_message_count: i % 7, is_unread: i % 7 > 0,
    participants: [{id: "u" + i, name: "User " + i, photo_url: null}, ...(i % 3 ? [] : [{id: "v", name: "Vic"}])],
    last_message: {id: "m" + i, type: "UserMessage", sender: {id: "u" + i, name: "User " + i},
      plaintext: text || "message " + i, created_at: now - i * 60000, content: [{type: "text", children: []}]},
  });
  const list = Array.from({length: n}, (_, i) => conv(i));
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  let t = performance.now();
  await window.tw.mount({...window.__state, conversations: list, _seq: 0});
  document.body.offsetHeight;
  const mount = performance.now() - t;
  await frame();
  const mid = Math.floor(n / 2);
  const patches = [];
  for (let k = 1; k <= 20; k++) {
    t = performance.now();
    window.tw.deliver({op: "patch", seq: k, ops: [{t: "put", at: 0, c: conv(mid + (k % 5), "new " + k)}]});
    document.body.offsetHeight;
    patches.push(performance.now() - t);
  }
  await frame();
  t = performance.now();
  const copies = window.tw.model.get("conversations").map((c) => JSON.parse(JSON.stringify(c)));
  window.tw.kernelSet({conversations: copies, _seq: 100});
  document.body.offsetHeight;
  const resync = performance.now() - t;
  patches.sort((a, b) => a - b);
  return {mount, patchMedian: patches[10], resync, rows: document.querySelectorAll(".tw-cl-item").length};
}"""


def main() -> None:
    from playwright.sync_api import sync_playwright

    sizes = [int(a) for a in sys.argv[1:]] or [100, 1000, 5000]
    with sync_playwright() as p:
        browser = launch_browser(p)
        try:
            print(f"{'N':>6} {'render ms':>10} {'patch ms (median)':>18} {'full reconcile ms':>18}")
            for n in sizes:
                page = browser.new_page()
                open_harness(page)
                page.evaluate("(s) => { window.__state = s; }", conversation_list_state())
                r = page.evaluate(MEASURE, {"n": n})
                assert r["rows"] == n, r
                print(f"{n:>6} {r['mount']:>10.1f} {r['patchMedian']:>18.2f} {r['resync']:>18.1f}")
                page.close()
        finally:
            browser.close()


if __name__ == "__main__":
    main()
