"""FileDrop end to end in a real JupyterLab, driven in headless Debian Chromium.

One JupyterLab server for the session (``jupyter_support.jupyterlab``), one notebook load.  The
notebook makes alice's session (the kernel's embedded emulator), a conversation and
``drop = FileDrop(alice)``.  Then, for the direct path (the default: the browser POSTs to the
emulator with a short-lived token) and for the chunked path (``drop.direct = False`` set from the
kernel: bytes through the widget's comm in acknowledged chunks):

* fixtures from ``tests/fixtures/media`` go through ``set_input_files`` on the widget's file input,
  and a file built in the page arrives by a synthetic drop (a ``DataTransfer`` dispatched on the
  drop zone);
* the kernel is asked (by executing code there) what it got: metadata class, values, status, a
  token, the path taken;
* ``await drop.send_to(conv)`` runs in the kernel, and the messages' file blocks carry the metadata;
* no file token is in the widget state (``drop.get_state()``) nor in any state update on the
  websocket.

Which messages the browser sent (``direct_begin``/``direct_done`` or ``begin``/``chunk``/``end``)
is read from the websocket (``CommTap``).  No sleeps: DOM expectations auto-wait.  Failure
artifacts (screenshot, server log, frames) go to ``.ci/artifacts/``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser_support import ROOT, require_bundle
from tests.jupyter_support import (
    ServerProcess,
    kernel_json,
    open_notebook,
    run_all,
    write_notebook,
)

pytestmark = [pytest.mark.browser, pytest.mark.jupyterlab, pytest.mark.slow]

MEDIA = ROOT / "tests" / "fixtures" / "media"

SETUP = """\
import json
from talkwidgets import FileDrop, get_talk_session

alice = await get_talk_session(app_id="e2e-files", user_id="alice")
await alice.current_user.create_if_not_exists(name="Alice")
conv = alice.conversation("files")
await conv.create_if_not_exists(subject="Files")
"""

SHOW = """\
drop = FileDrop(alice)
drop
"""

# Expected per docs/upload-protocol.md ("Kinds and metadata"); durations within 0.1 s (Chromium
# reads the MP3's LAME gapless info: 2.5 s).
FIXTURES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "image.png": ("ImageFileMetadata", "ImageBlock", {"width": 64, "height": 48}),
    "clip.webm": ("VideoFileMetadata", "VideoBlock", {"width": 64, "height": 48, "duration": 1.5}),
    "tone.mp3": ("AudioFileMetadata", "AudioBlock", {"duration": 2.5}),
    "document.pdf": ("GenericFileMetadata", "GenericFileBlock", {}),
}
DROPPED = ("GenericFileMetadata", "GenericFileBlock", {})

# A File built in the page, handed to the drop zone through a DataTransfer (a synthetic drop).
DROP_JS = """([name, size]) => {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7) & 255;
  const dt = new DataTransfer();
  dt.items.add(new File([bytes], name, {type: "application/octet-stream"}));
  const zone = document.querySelector(".jp-OutputArea-output .tw-fd .tw-fd-zone");
  for (const type of ["dragenter", "dragover", "drop"])
    zone.dispatchEvent(new DragEvent(type, {dataTransfer: dt, bubbles: true, cancelable: true}));
}"""

UPLOADS = """\
print(json.dumps([{"cls": type(u.metadata).__name__, "status": u.status, "token": bool(u.token), "path": u.path,
                   "name": u.filename, "size": u.size, "error": u.error,
                   "values": {k: getattr(u.metadata, k, None) for k in ("width", "height", "duration")}}
                  for u in drop.uploads]))
"""

SEND = """\
refs = await drop.send_to(conv)
blocks = [(await r.get()).content[0] for r in refs]
print(json.dumps([{"cls": type(b).__name__, "name": b.filename, "size": b.size,
                   "values": {k: getattr(b, k, None) for k in ("width", "height", "duration")}} for b in blocks]))
"""

TOKENS_IN_STATE = """\
state = json.dumps(drop.get_state(), default=str)
tokens = [str(u.token) for u in drop.uploads if u.token]
print(json.dumps({"tokens": tokens, "in_state": [t for t in tokens if t in state]}))
"""

ROW = ".jp-OutputArea-output .tw-fd .tw-fd-row"


def _close(actual: Any, expected: Any) -> bool:
    if isinstance(expected, int):
        return actual == expected
    return actual is not None and abs(actual - expected) <= 0.1


def _sent_ops(page: Any, model_id: str, since: int) -> list[str]:
    """The upload messages the browser sent (the kernel link's liveness pings left out)."""
    ops = [
        (f.content.get("content") or {}).get("op", "?")
        for f in page.comm_tap.comm(model_id, since, sent=True)
        if f.content.get("method") == "custom"
    ]
    return [op for op in ops if op != "ping"]


def _check_round(page: Any, model_id: str, path: str, first: int, sent_since: int, conv_count: int) -> None:
    """Pick the four fixtures and drop one synthetic file; check what the kernel got and sends."""
    page.locator(".jp-OutputArea-output .tw-fd .tw-fd-input").set_input_files([str(MEDIA / n) for n in FIXTURES])
    dropped = f"dropped-{path}.bin"
    page.evaluate(DROP_JS, [dropped, 3000])
    rows = page.locator(ROW)
    expect(rows).to_have_count(first + len(FIXTURES) + 1)
    for i in range(first, first + len(FIXTURES) + 1):
        expect(rows.nth(i)).to_have_attribute("data-state", "done", timeout=30_000)
        expect(rows.nth(i)).to_have_attribute("data-path", path)

    # The kernel hears of each file once the browser has read its metadata: the order may vary.
    uploads = {u["name"]: u for u in kernel_json(page, UPLOADS)[first:]}
    expected = {**FIXTURES, dropped: DROPPED}
    assert sorted(uploads) == sorted(expected), uploads
    for name, (cls, _block, values) in expected.items():
        u = uploads[name]
        assert (u["cls"], u["status"], u["token"], u["path"]) == (cls, "done", True, path), u
        for key, value in values.items():
            assert _close(u["values"][key], value), (name, key, u)
        size = (MEDIA / name).stat().st_size if name in FIXTURES else 3000
        assert u["size"] == size, u

    # What went over the websocket, browser -> kernel, for this widget.
    ops = _sent_ops(page, model_id, sent_since)
    if path == "direct":
        # `target`: the synthetic drag asked for an upload target ahead of the file (protocol 2)
        assert sorted(set(ops) - {"target"}) == ["direct_begin", "direct_done"], ops
        assert ops.count("direct_done") == 5 and ops.count("target") <= 1, ops
    else:
        assert "direct_begin" not in ops and ops.count("begin") == 5 and ops.count("end") == 5, ops
        assert ops.count("chunk") == 5, ops  # every file here fits in one chunk

    # Send them from the kernel: one file message each, the block carrying the metadata.
    blocks = {b["name"]: b for b in kernel_json(page, SEND)}
    assert sorted(blocks) == sorted(expected), blocks
    for name, (_cls, block_cls, values) in expected.items():
        b = blocks[name]
        assert b["cls"] == block_cls, b
        for key, value in values.items():
            assert _close(b["values"][key], value), (name, key, b)
    count = kernel_json(page, "print(json.dumps(len([u for u in drop.uploads if u.sent])))")
    assert count == conv_count, count


def test_file_drop_in_jupyterlab(lab_page: Any, jupyterlab: ServerProcess) -> None:
    page = lab_page
    require_bundle("file_drop")
    write_notebook(jupyterlab.root / "file_drop.ipynb", [SETUP, SHOW])
    t0 = time.monotonic()
    open_notebook(page, jupyterlab, "file_drop.ipynb")
    run_all(page)
    expect(page.locator(".jp-OutputArea-output .tw-fd .tw-fd-zone")).to_be_visible(timeout=60_000)
    t_shown = time.monotonic() - t0
    model_id = kernel_json(page, "print(json.dumps(drop.model_id))")
    assert kernel_json(page, "print(json.dumps(drop.direct))") is True

    # 1. The direct path (default): the browser uploads to the emulator itself.
    sent0 = len(page.comm_tap.sent)
    _check_round(page, model_id, "direct", 0, sent0, 5)

    # 2. The chunked path, switched from the kernel.
    kernel_json(page, "drop.direct = False\nprint(json.dumps(drop.direct))")
    sent1 = len(page.comm_tap.sent)
    _check_round(page, model_id, "chunked", 5, sent1, 10)

    # No file token in the widget state, nor in any state update the kernel sent the browser.
    got = kernel_json(page, TOKENS_IN_STATE)
    assert len(got["tokens"]) == 10 and got["in_state"] == [], got
    updates = [f for f in page.comm_tap.comm(model_id) if f.method in ("update", "echo_update")]
    assert updates, "expected rows updates"
    leaked = [t for t in got["tokens"] for f in updates if t.encode() in f.raw]
    assert leaked == [], leaked
    # ...and the conversation's last message is the last file sent.
    last = kernel_json(page, "print(json.dumps((await conv.get()).last_message.content[0].filename))")
    assert last == kernel_json(page, "print(json.dumps(drop.uploads[-1].filename))"), last

    assert page.page_errors == [], page.page_errors  # type: ignore[attr-defined]
    print(f"\n[timing] notebook open + run-all -> widget {t_shown:.1f} s, whole test {time.monotonic() - t0:.1f} s")
