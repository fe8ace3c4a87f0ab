"""Chromium driven over its DevTools protocol with nothing but ``Runtime``/``DOM`` calls.

Playwright enables Chromium's ``Network`` domain on every page, so each WebSocket frame a page sends
(here: every upload chunk) is also reported over DevTools with its payload; on two shared cores that
costs the browser, the Playwright driver and the bench about a core between them, which no user's
browser pays. The upload benchmarks drive Chromium through this small client instead (``--driver
cdp``, the default): it enables only the ``Page`` domain (for init scripts), never ``Network``, so frames are not
reported.

It offers the few ``Page`` methods the Jupyter helpers in ``tests/jupyter_support.py`` and the
benchmarks call (``goto``, ``evaluate``, ``wait_for_function``, ``wait_for_timeout``, ``url``,
``locator(...).set_input_files/count/wait_for``), with Playwright's meaning, so the same bench code
runs with either driver.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect


class CdpError(RuntimeError):
    """A DevTools call failed, or the page's script threw."""


class CdpPage:
    """One page target, over its own DevTools WebSocket."""

    def __init__(self, ws_url: str) -> None:
        self._ws: ClientConnection = connect(ws_url, max_size=None, open_timeout=10)
        self._next_id = 0
        self.crashed = False

    def call(self, method: str, timeout: float = 120.0, **params: Any) -> dict[str, Any]:
        self._next_id += 1
        call_id = self._next_id
        self._ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CdpError(f"{method}: no answer in {timeout:.0f} s")
            msg = json.loads(self._ws.recv(timeout=left))
            if msg.get("method") == "Inspector.targetCrashed":
                self.crashed = True
                raise CdpError("the page crashed")
            if msg.get("id") != call_id:
                continue  # an event (none are enabled) or a late answer
            if "error" in msg:
                raise CdpError(f"{method}: {msg['error'].get('message')}")
            result: dict[str, Any] = msg["result"]
            return result

    # -- the Playwright-like surface -------------------------------------------------------------

    def goto(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def add_init_script(self, source: str) -> None:
        """Run ``source`` in every document this page loads from now on, before its own scripts."""
        self.call("Page.addScriptToEvaluateOnNewDocument", source=source)

    def evaluate(self, script: str, arg: Any = None, timeout: float = 300.0) -> Any:
        """Like Playwright's ``page.evaluate``: a function source is called with ``arg``; promises are awaited."""
        source = script.strip()
        is_function = source.startswith(("(", "async ", "async(", "function")) and "=>" in source.split("{")[0]
        expression = f"({source})({json.dumps(arg)})" if is_function or source.startswith("function") else source
        result = self.call(
            "Runtime.evaluate", timeout=timeout, expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise CdpError(f"script failed: {text}")
        return result["result"].get("value")

    def wait_for_function(self, script: str, arg: Any = None, timeout: float = 30_000, polling: float = 100) -> Any:
        deadline = time.monotonic() + timeout / 1000
        while True:
            try:
                value = self.evaluate(script, arg)
            except CdpError:
                if self.crashed:
                    raise
                value = None  # e.g. the page is still navigating
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"wait_for_function: still false after {timeout / 1000:.0f} s")
            time.sleep(polling / 1000)

    def wait_for_timeout(self, ms: float) -> None:
        time.sleep(ms / 1000)

    @property
    def url(self) -> str:
        return str(self.evaluate("location.href"))

    def locator(self, selector: str) -> _Locator:
        return _Locator(self, selector)

    def close(self) -> None:
        self._ws.close()


class _Locator:
    def __init__(self, page: CdpPage, selector: str) -> None:
        self.page = page
        self.selector = selector

    def count(self) -> int:
        return int(self.page.evaluate("(s) => document.querySelectorAll(s).length", self.selector))

    def wait_for(self, state: str = "visible", timeout: float = 60_000) -> None:
        assert state == "visible"
        self.page.wait_for_function(
            "(s) => { const e = document.querySelector(s); return !!e && e.getClientRects().length > 0; }",
            self.selector,
            timeout=timeout,
        )

    def set_input_files(self, files: str | list[str]) -> None:
        """What a user's pick does: the files land on the ``<input type=file>`` and ``change`` fires."""
        found = self.page.call(
            "Runtime.evaluate", expression=f"document.querySelector({json.dumps(self.selector)})", returnByValue=False
        )
        object_id = found["result"].get("objectId")
        if not object_id:
            raise CdpError(f"no element matches {self.selector!r}")
        self.page.call("DOM.setFileInputFiles", files=[files] if isinstance(files, str) else files, objectId=object_id)


class CdpBrowser:
    """Debian's Chromium with a DevTools port on 127.0.0.1 and a private profile (removed on close)."""

    def __init__(self, chromium: str, args: list[str]) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="tw-bench-chromium-"))
        self.proc = subprocess.Popen(
            [chromium, *args, "--remote-debugging-port=0", f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("Chromium did not open its DevTools port")
            time.sleep(0.05)
        self.port = int(port_file.read_text().splitlines()[0])

    def new_page(self) -> CdpPage:
        """The browser's first tab, brought to the front (a hidden tab gets throttled timers)."""
        targets = httpx.get(f"http://127.0.0.1:{self.port}/json/list", timeout=10).json()
        target = next(t for t in targets if t["type"] == "page")
        page = CdpPage(target["webSocketDebuggerUrl"])
        page.call("Page.enable")  # init scripts need it; its events are small and ignored
        page.call("Page.bringToFront")
        return page

    def close(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)
