"""Real-Chromium test support for the widget front ends, without Jupyter.

Registered as a pytest plugin in ``conftest.py`` (fixtures ``browser`` and ``page``); test modules,
benchmarks and ``docs/make_screenshots.py`` import the functions.  The page harness serves the *built* bundles from
``talkwidgets/static/`` on a made-up origin answered by ``page.route`` (nothing touches
the network) and runs them against a small fake anywidget model:

* ``window.tw.mount(state, views=1)`` calls the module's ``initialize`` once and
  ``render`` ``views`` times (each view in its own ``.tw-host`` element);
* ``window.tw.model`` has ``get/set/on/off/send/save_changes``;
  ``tw.sent`` records custom messages sent to the kernel, ``tw.saved`` the keys
  flushed by each ``save_changes()``; the kernel link's liveness pings are answered
  like a live kernel would (``tw.kernelAnswers = false`` stops that) and counted in
  ``tw.pings``, not recorded in ``tw.sent``;
* ``tw.deliver(msg)`` delivers a kernel -> browser custom message and
  ``tw.kernelSet({...})`` a trait change coming from the kernel.

Chromium is Debian's (``/usr/bin/chromium`` or ``$CHROMIUM_PATH``); Playwright's own browser
download is never used.  Without Chromium the tests skip, unless ``REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "talkwidgets" / "static"
ORIGIN = "http://talkwidgets.test"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def launch_browser(playwright: Any) -> Any:
    """Launch Debian's Chromium through a (sync) Playwright instance."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def require_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        msg = f"no system chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER", "") not in ("", "0"):
            pytest.fail(msg)
        pytest.skip(msg)


def require_bundle(name: str) -> None:
    missing = [p for p in (STATIC / f"{name}.js", STATIC / f"{name}.css") if not p.is_file()]
    if missing:
        pytest.fail(f"bundle not built: {missing} (pip install -e . or `cd js && npm run build`)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A launched headless Chromium, one per test module.

    Playwright's sync API keeps an event loop running in the main thread while it is open; module
    scope closes it before the asyncio test modules run (pytest-asyncio cannot start theirs inside).
    """
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch_browser(p)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(viewport={"width": 900, "height": 800}, locale="en-GB", timezone_id="UTC")
    pg = ctx.new_page()
    pg.set_default_timeout(10_000)
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.page_errors = errors  # type: ignore[attr-defined]
    try:
        yield pg
    finally:
        ctx.close()


HARNESS = """<!doctype html>
<html><head><meta charset="utf-8"><title>talkwidgets harness</title>
<link rel="stylesheet" href="/static/__NAME__.css">
<style>
  html, body { margin: 0; }
  body { padding: 24px; background: var(--page-bg, #f6f7f9); }
  .tw-host { width: 420px; margin-bottom: 16px; }
</style></head>
<body><div id="theme"><div id="hosts"></div></div>
<script type="module">
import widget from "/static/__NAME__.js";

function makeModel(initial) {
  const state = { ...initial };
  const listeners = new Map();
  let dirty = {};
  const emit = (ev, ...args) => (listeners.get(ev) || []).slice().forEach((f) => f(...args));
  const tw = window.tw;
  const model = {
    get: (k) => state[k],
    set: (k, v) => { if (Object.is(state[k], v)) return; state[k] = v; dirty[k] = v; emit("change:" + k); },
    on: (ev, f) => { listeners.set(ev, [...(listeners.get(ev) || []), f]); },
    off: (ev, f) => {
      if (!ev) { listeners.clear(); return; }
      if (!f) { listeners.delete(ev); return; }
      listeners.set(ev, (listeners.get(ev) || []).filter((g) => g !== f));
    },
    save_changes: () => { tw.saved.push(JSON.parse(JSON.stringify(dirty))); dirty = {}; },
    send: (content) => {
      // a live kernel answers the kernel link's liveness pings at once (tw.kernelAnswers = false: a gone one)
      if (content && content.op === "ping") {
        tw.pings += 1;
        if (tw.kernelAnswers) emit("msg:custom", { op: "pong", n: content.n }, []);
        return;
      }
      tw.sent.push(JSON.parse(JSON.stringify(content)));
    },
    widget_manager: { get_model: async () => model },
  };
  tw.listenerCount = () => [...listeners.values()].reduce((n, l) => n + l.length, 0);
  tw.deliver = (msg) => emit("msg:custom", msg, []);
  tw.kernelSet = (values) => {
    for (const [k, v] of Object.entries(values)) {
      if (Object.is(state[k], v)) continue;
      state[k] = v;
      emit("change:" + k);
    }
  };
  return model;
}

window.tw = {
  widget, sent: [], saved: [], cleanups: [], pings: 0, kernelAnswers: true,
  async mount(initial, views = 1) {
    const model = makeModel(initial);
    window.tw.model = model;
    const signal = new AbortController().signal;
    const stop = await widget.initialize?.({ model, signal, experimental: {} });
    if (typeof stop === "function") window.tw.cleanups.push(stop);
    for (let i = 0; i < views; i++) {
      const el = document.createElement("div");
      el.className = "tw-host";
      document.getElementById("hosts").append(el);
      const off = await widget.render({ model, el, signal, experimental: {} });
      window.tw.cleanups.push(() => { if (typeof off === "function") off(); el.remove(); });
    }
  },
  unmount() { window.tw.cleanups.reverse().forEach((f) => f()); window.tw.cleanups = []; },
};
window.__ready = true;
</script></body></html>
"""


def open_harness(page: Any, name: str = "conversation_list") -> Any:
    """Load the harness page for widget ``name`` (bundle served from talkwidgets/static/)."""
    require_bundle(name)
    html = HARNESS.replace("__NAME__", name)

    def serve(route: Any) -> None:
        path = route.request.url[len(ORIGIN) :].split("?")[0]
        if path in ("/", "/index.html"):
            route.fulfill(body=html, content_type="text/html")
        elif path.startswith("/static/") and (STATIC / path[len("/static/") :]).is_file():
            f = STATIC / path[len("/static/") :]
            ctype = "text/javascript" if f.suffix == ".js" else "text/css"
            route.fulfill(body=f.read_text(encoding="utf-8"), content_type=ctype)
        else:
            route.fulfill(status=404, body="not found")

    page.route(ORIGIN + "/**", serve)
    page.goto(ORIGIN + "/")
    page.wait_for_function("() => window.__ready === true")
    return page


def mount(page: Any, state: dict[str, Any], views: int = 1) -> None:
    page.evaluate("([s, n]) => window.tw.mount(s, n)", [json.loads(json.dumps(state)), views])


def conversation_list_state(**over: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "conversations": [],
        "current_user_id": "me",
        "loaded_all": False,
        "state": "active",
        "error": "",
        "connection": "connected",
        "selected_id": None,
        "loading_more": False,
        "_seq": 0,
    }
    state.update(over)
    return state
