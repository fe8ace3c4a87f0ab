"""The built FileDrop bundle in real Chromium against a REAL Python ``FileDrop`` widget and session.

The "kernel" (session, widget) runs on an asyncio loop in a thread. The page's fake anywidget model
talks to it over a WebSocket, like a Jupyter comm: ``model.send(content, _, buffers)`` arrives at
ipywidgets' ``Widget._handle_msg`` as a ``custom`` comm message with its buffers, and
``widget.send``/trait changes come back as ``msg:custom``/``change:*`` events. Bytes therefore really
travel browser -> kernel -> emulator (chunked path) or browser -> emulator (direct path).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from talkwidgets import (
    AudioBlock,
    AudioFileMetadata,
    FileDrop,
    GenericFileBlock,
    GenericFileMetadata,
    ImageBlock,
    ImageFileMetadata,
    VideoBlock,
    VideoFileMetadata,
    VoiceBlock,
    VoiceRecordingFileMetadata,
    get_talk_session,
)
from talkwidgets.emulator import EmbeddedServer, EmulatorConfig, shared_server
from talkwidgets.widgets._upload_rules import format_bytes
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, ROOT, open_harness, require_chromium
from tests.session_support import Admin, new_app_id

pytestmark = pytest.mark.browser

MiB = 1024 * 1024
MEDIA = ROOT / "tests" / "fixtures" / "media"
ORIGIN = "http://talkwidgets.test"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium with a fake microphone; the harness origin counts as secure (getUserMedia needs that).

    Overrides browser_support's ``browser`` in this module, so its ``page`` fixture opens pages here.
    """
    require_chromium()
    from playwright.sync_api import sync_playwright

    args = [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--unsafely-treat-insecure-origin-as-secure={ORIGIN}",
    ]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        try:
            yield b
        finally:
            b.close()


# --- the kernel side: an event loop in a thread ---------------------------------------------------


class Kernel:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fake-kernel", daemon=True)
        self.thread.start()

    def run(self, coro: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable[[], Any]) -> Any:
        async def wrapper() -> Any:
            return fn()

        return self.run(wrapper())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    k = Kernel()
    yield k
    k.close()


class CommBridge:
    """Widget comm <-> page over a WebSocket: a JSON header ``{content, nbuf}`` then ``nbuf`` binary frames."""

    def __init__(self, kernel: Kernel, widget: FileDrop) -> None:
        import websockets.asyncio.server as ws_server

        self.kernel = kernel
        self.widget = widget
        self.received: list[dict[str, Any]] = []  # browser -> kernel contents (no buffers)
        self.outbox: asyncio.Queue[str] = kernel.call(asyncio.Queue)
        self.sockets: list[Any] = []
        widget.comm.send = self._from_kernel  # type: ignore[method-assign]

        async def start() -> Any:
            return await ws_server.serve(self._handler, "127.0.0.1", 0, max_size=16 * MiB, compression=None)

        self.server = kernel.run(start())
        self.url = f"ws://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    def _from_kernel(self, data: Any = None, metadata: Any = None, buffers: Any = None) -> None:
        if data:
            self.kernel.loop.call_soon_threadsafe(self.outbox.put_nowait, json.dumps(data))

    async def _handler(self, ws: Any) -> None:
        self.sockets.append(ws)

        async def pump() -> None:
            while True:
                await ws.send(await self.outbox.get())

        sender = asyncio.create_task(pump())
        header: dict[str, Any] | None = None
        buffers: list[bytes] = []
        try:
            async for frame in ws:
                if isinstance(frame, str):
                    header, buffers = json.loads(frame), []
                else:
                    buffers.append(frame)
                if header is not None and len(buffers) == header["nbuf"]:
                    content, header = header["content"], None
                    if content.get("op") not in ("chunk", "ping"):
                        self.received.append(content)
                    # what ipykernel's comm does with a comm_msg: ipywidgets' Widget._handle_msg
                    self.widget._handle_msg(
                        {
                            "content": {"data": {"method": "custom", "content": content}},
                            "buffers": [memoryview(b) for b in buffers],
                        }
                    )
                    buffers = []
        except Exception:  # the page went away
            pass
        finally:
            sender.cancel()

    def close(self) -> None:
        async def stop() -> None:
            self.server.close()
            await self.server.wait_closed()

        self.kernel.run(stop())


MOUNT_JS = """
async ([state, url]) => {
  const tw = window.tw;
  const listeners = new Map();
  const emit = (ev, ...args) => (listeners.get(ev) || []).slice().forEach((f) => f(...args));
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = () => reject(new Error("no bridge")); });
  const model = {
    get: (k) => state[k],
    set: (k, v) => { state[k] = v; emit("change:" + k); },
    on: (ev, f) => { listeners.set(ev, [...(listeners.get(ev) || []), f]); },
    off: (ev, f) => { listeners.set(ev, (listeners.get(ev) || []).filter((g) => g !== f)); },
    save_changes: () => {},
    send: (content, callbacks, buffers) => {
      const bufs = buffers || [];
      if (content.op !== "ping") tw.sent.push(JSON.parse(JSON.stringify(content)));  // pings: answered by the widget
      ws.send(JSON.stringify({ content, nbuf: bufs.length }));
      for (const b of bufs) ws.send(b);
    },
    widget_manager: {},
  };
  ws.onmessage = (ev) => {
    const m = JSON.parse(ev.data);
    if (m.method === "custom") { tw.received.push(m.content); emit("msg:custom", m.content, []); }
    else if (m.method === "update") for (const [k, v] of Object.entries(m.state)) { state[k] = v; emit("change:" + k); }
  };
  tw.model = model; tw.emit = emit; tw.ws = ws; tw.received = [];
  tw.listenerCount = () => [...listeners.values()].reduce((n, l) => n + l.length, 0);
  const signal = new AbortController().signal;
  const stop = await tw.widget.initialize({ model, signal, experimental: {} });
  const el = document.createElement("div");
  el.className = "tw-host";
  document.getElementById("hosts").append(el);
  const off = await tw.widget.render({ model, el, signal, experimental: {} });
  tw.cleanups.push(() => { off(); el.remove(); stop(); });
}
"""

# A File built in the page, handed to the drop zone through a DataTransfer (a synthetic drop).
DROP_JS = """
async ([name, type, size, fill]) => {
  const piece = new Uint8Array(Math.min(size, 1 << 20)).fill(fill);
  const parts = [];
  for (let left = size; left > 0; left -= piece.length) {
    parts.push(left >= piece.length ? piece : piece.subarray(0, left));
  }
  const file = new File(parts, name, { type });
  const dt = new DataTransfer();
  dt.items.add(file);
  const zone = document.querySelector(".tw-fd-zone");
  for (const type of ["dragenter", "dragover", "drop"]) {
    zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }
}
"""


class Setup:
    def __init__(
        self, kernel: Kernel, page: Any, session: Any, widget: FileDrop, bridge: CommBridge, admin: Admin | None
    ) -> None:
        self.kernel, self.page, self.session, self.widget, self.bridge, self.admin = (
            kernel,
            page,
            session,
            widget,
            bridge,
            admin,
        )

    def wait(self, predicate: Callable[[], Any], what: str, timeout: float = 20) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self.kernel.call(predicate)
            if value:
                return value
            if time.monotonic() > deadline:
                rows = self.kernel.call(lambda: self.widget.rows)
                raise AssertionError(f"timed out waiting for {what}; kernel rows: {rows}")
            self.page.wait_for_timeout(25)

    def finished(self, count: int = 1, timeout: float = 20) -> list[Any]:
        self.wait(
            lambda: (
                len(self.widget.uploads) >= count
                and all(u.status in ("done", "error", "cancelled") for u in self.widget.uploads)
            ),
            "uploads",
            timeout,
        )
        return self.kernel.call(lambda: list(self.widget.uploads))

    def sent_ops(self) -> list[str]:
        return [m["op"] for m in self.page.evaluate("() => window.tw.sent")]

    def ops_until(self, done: Callable[[list[str]], bool], what: str, timeout: float = 10) -> list[str]:
        """The browser's sent ops once ``done(ops)`` holds: a chunked upload is complete with its last
        chunk, so the kernel may finish it before the browser's ``end`` arrives."""
        deadline = time.monotonic() + timeout
        while True:
            ops = self.sent_ops()
            if done(ops):
                return ops
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; sent: {ops}")
            self.page.wait_for_timeout(25)

    def pick(self, *paths: Path | str) -> None:
        self.page.locator(".tw-fd-input").set_input_files([str(p) for p in paths])

    def drop(self, name: str, type_: str, size: int, fill: int = 7) -> None:
        self.page.evaluate(DROP_JS, [name, type_, size, fill])

    def row(self, index: int = 0) -> Any:
        return self.page.locator(".tw-fd-row").nth(index)


def _mount(kernel: Kernel, page: Any, session: Any, admin: Admin | None, **traits: Any) -> Setup:
    widget = kernel.call(lambda: FileDrop(session, **traits))
    bridge = CommBridge(kernel, widget)
    page.context.grant_permissions(["local-network-access"])  # the page reaches 127.0.0.1 (bridge, emulator)
    open_harness(page, "file_drop")
    state = kernel.call(
        lambda: {
            k: getattr(widget, k)
            for k in (
                "rows",
                "accept",
                "max_size",
                "backend_max_size",
                "limit_note",
                "multiple",
                "recorder",
                "direct",
                "chunk_size",
                "window",
            )
        }
    )
    page.evaluate(MOUNT_JS, [state, bridge.url])
    return Setup(kernel, page, session, widget, bridge, admin)


@pytest.fixture()
def make(kernel: Kernel, page: Any) -> Iterator[Callable[..., Setup]]:
    """``make(**traits)``: a FileDrop for alice on the shared embedded emulator, rendered in the page."""
    made: list[Setup] = []

    def factory(**traits: Any) -> Setup:
        async def start() -> tuple[Any, Admin]:
            app_id = new_app_id()
            admin = Admin.embedded(app_id)
            for uid in ("alice", "bob"):
                await admin.user(uid)
            await admin.conversation("files", "alice", "bob")
            return await get_talk_session(app_id=app_id, user_id="alice"), admin

        session, admin = kernel.run(start())
        s = _mount(kernel, page, session, admin, **traits)
        made.append(s)
        return s

    yield factory
    for s in made:
        s.bridge.close()
        kernel.call(s.widget.close)
        if s.admin is not None:
            kernel.run(s.admin.aclose())
    assert all(not s.page.page_errors for s in made), made[0].page.page_errors if made else None


# --- each fixture file through the picker --------------------------------------------------------

# Expected per the browser's rule (docs/upload-protocol.md, "Kinds and metadata"): the kind comes from
# the MIME type the browser gives the file (from its extension), values from decoding it. So the PNG
# named photo.mp3 is audio whose duration is unknown, and the MP3 named notes.txt is a generic file.
# Durations within 0.1 s. Chromium trims the MP3's encoder delay and padding (LAME header), so it
# reads the requested 2.5 s where MediaInfo reports 2.664 s; Ogg Opus and WAV match MediaInfo.
CASES: dict[str, tuple[type, dict[str, Any]]] = {
    "image.png": (ImageFileMetadata, {"width": 64, "height": 48}),
    "image.jpg": (ImageFileMetadata, {"width": 80, "height": 60}),
    "anim.gif": (ImageFileMetadata, {"width": 32, "height": 24}),
    "image.webp": (ImageFileMetadata, {"width": 40, "height": 30}),
    "clip.mp4": (VideoFileMetadata, {"width": 64, "height": 48, "duration": 1.5}),
    "clip.webm": (VideoFileMetadata, {"width": 64, "height": 48, "duration": 1.5}),
    "tone.mp3": (AudioFileMetadata, {"duration": 2.5}),  # Chromium honours the LAME gapless info (MediaInfo: 2.664)
    "tone.ogg": (AudioFileMetadata, {"duration": 2.007}),
    "tone.wav": (AudioFileMetadata, {"duration": 1.25}),
    "document.pdf": (GenericFileMetadata, {}),
    "photo.mp3": (AudioFileMetadata, {"duration": None}),
    "notes.txt": (GenericFileMetadata, {}),
}
BLOCKS = {
    ImageFileMetadata: ImageBlock,
    VideoFileMetadata: VideoBlock,
    AudioFileMetadata: AudioBlock,
    GenericFileMetadata: GenericFileBlock,
    VoiceRecordingFileMetadata: VoiceBlock,
}


def _close(actual: Any, expected: Any) -> bool:
    if expected is None or isinstance(expected, int):
        return actual == expected
    return actual is not None and abs(actual - expected) <= 0.1


@pytest.mark.parametrize("name", list(CASES))
def test_each_media_fixture_gets_its_metadata_class_token_and_file_message(make: Any, name: str) -> None:
    fd = make(direct=False)
    cls, values = CASES[name]
    fd.pick(MEDIA / name)
    [upload] = fd.finished()
    assert upload.status == "done", upload.error
    assert type(upload.metadata) is cls, upload.metadata
    for key, value in values.items():
        assert _close(getattr(upload.metadata, key), value), (key, upload.metadata)
    assert upload.token and upload.size == (MEDIA / name).stat().st_size and upload.path == "chunked"
    expect(fd.row().locator(".tw-fd-status")).to_have_text("Done")
    expect(fd.row()).to_have_attribute(
        "data-kind",
        {ImageFileMetadata: "image", VideoFileMetadata: "video", AudioFileMetadata: "audio"}.get(cls, "file"),
    )

    [ref] = fd.kernel.run(fd.widget.send_to("files"))
    block = fd.kernel.run(ref.get()).content[0]
    assert type(block) is BLOCKS[cls] and block.filename == name
    for key, value in values.items():
        assert _close(getattr(block, key), value), (key, block)

    async def download() -> bytes:
        async with httpx.AsyncClient() as http:
            return (await http.get(block.url)).content

    assert fd.kernel.run(download()) == (MEDIA / name).read_bytes()
    # no token, no bytes in the synced state
    state = json.dumps(fd.kernel.call(fd.widget.get_state), default=str)
    assert upload.token not in state


def test_several_files_at_once_show_rows_with_metadata(make: Any) -> None:
    fd = make(direct=False)
    fd.pick(MEDIA / "image.png", MEDIA / "clip.webm", MEDIA / "tone.wav")
    uploads = fd.finished(3)
    assert [u.status for u in uploads] == ["done"] * 3
    expect(fd.page.locator(".tw-fd-row")).to_have_count(3)
    expect(fd.row(0).locator(".tw-fd-meta")).to_have_text("Image · 64×48 · 351 B")
    expect(fd.row(1).locator(".tw-fd-meta")).to_have_text("Video · 64×48 · 1.5 s · 5.1 KiB")
    expect(fd.row(2).locator(".tw-fd-meta")).to_have_text("Audio · 1.3 s · 9.8 KiB")


def test_synthetic_drop(make: Any) -> None:
    fd = make(direct=False)
    fd.page.evaluate("() => { window.__leaked = 0; document.addEventListener('drop', () => window.__leaked++); }")
    fd.drop("hello.txt", "text/plain", 5000, fill=104)
    [upload] = fd.finished()
    assert upload.status == "done" and type(upload.metadata) is GenericFileMetadata
    assert upload.filename == "hello.txt" and upload.size == 5000
    assert fd.page.evaluate("() => window.__leaked") == 0, "the drop must not reach the notebook"


def test_voice_recording_with_the_fake_microphone(make: Any) -> None:
    fd = make(direct=False)
    rec = fd.page.get_by_role("button", name="Record a voice note")
    rec.click()
    expect(fd.page.locator(".tw-fd-rec-time")).to_have_text("0:01", timeout=5000)
    fd.page.wait_for_timeout(600)
    fd.page.locator(".tw-fd-rec").click()
    [upload] = fd.finished()
    assert upload.status == "done", upload.error
    assert type(upload.metadata) is VoiceRecordingFileMetadata and upload.kind == "voice"
    assert 1.0 < upload.metadata.duration < 5.0, upload.metadata
    [ref] = fd.kernel.run(fd.widget.send_to("files"))
    block = fd.kernel.run(ref.get()).content[0]
    assert isinstance(block, VoiceBlock) and block.duration == upload.metadata.duration


# --- transfer paths -------------------------------------------------------------------------------


def test_direct_path_sends_the_bytes_straight_to_the_emulator(make: Any) -> None:
    fd = make(direct=True)
    fd.pick(MEDIA / "image.jpg")
    [upload] = fd.finished()
    assert upload.status == "done" and upload.path == "direct", upload
    assert type(upload.metadata) is ImageFileMetadata and (upload.metadata.width, upload.metadata.height) == (80, 60)
    ops = fd.sent_ops()
    assert ops == ["direct_begin", "direct_done"], ops
    assert fd.kernel.call(lambda: fd.widget.rows[0]["path"]) == "direct"
    [ref] = fd.kernel.run(fd.widget.send_to("files"))
    block = fd.kernel.run(ref.get()).content[0]
    assert isinstance(block, ImageBlock) and (block.width, block.height) == (80, 60)


def test_a_target_asked_on_hover_sends_the_next_file_without_waiting_for_an_offer(make: Any) -> None:
    fd = make(direct=True)
    fd.page.locator(".tw-fd-zone").hover()  # the pointer over the zone: a file may come
    fd.wait(lambda: [m for m in fd.bridge.received if m["op"] == "target"], "a target request")
    fd.page.wait_for_function("() => window.tw.received.some((m) => m.op === 'target')")
    fd.pick(MEDIA / "image.png")
    [upload] = fd.finished()
    assert upload.status == "done" and upload.path == "direct", upload
    assert fd.sent_ops() == ["target", "direct_begin", "direct_done"]
    begin = next(m for m in fd.bridge.received if m["op"] == "direct_begin")
    assert begin["own_target"] is True
    received = fd.page.evaluate("() => window.tw.received.map((m) => m.op)")
    assert "direct" not in received, received  # no per-file offer was sent
    [ref] = fd.kernel.run(fd.widget.send_to("files"))
    block = fd.kernel.run(ref.get()).content[0]
    assert isinstance(block, ImageBlock) and (block.width, block.height) == (64, 48)


def test_chunked_path_when_direct_is_off(make: Any) -> None:
    fd = make(direct=False, chunk_size=MiB)
    fd.drop("data.bin", "application/octet-stream", 2 * MiB + 123)
    [upload] = fd.finished()
    assert upload.status == "done" and upload.path == "chunked"
    ops = fd.ops_until(lambda ops: "end" in ops, "the browser's end")
    assert ops[0] == "begin" and ops.count("chunk") == 3 and ops[-1] == "end" and "direct_begin" not in ops


# --- refusals, cancel, server errors --------------------------------------------------------------


def test_type_not_accepted_and_too_large_send_no_bytes(make: Any) -> None:
    fd = make(accept="image/*,.pdf", max_size=1000, direct=False)
    expect(fd.page.locator(".tw-fd-zone-hint")).to_have_text("Images, .pdf · up to 1000 B")
    expect(fd.page.locator(".tw-fd-input")).to_have_attribute("accept", "image/*,.pdf")
    fd.pick(MEDIA / "tone.mp3")
    expect(fd.row(0).locator(".tw-fd-error")).to_contain_text("type not accepted")
    fd.pick(MEDIA / "image.jpg")  # 1345 bytes
    expect(fd.row(1).locator(".tw-fd-error")).to_contain_text("too large")
    fd.pick(MEDIA / "image.png")  # 351 bytes: fine
    fd.finished(3)
    # the refused files were only announced as refused (no begin, no bytes); the kernel lists them as the rows do
    assert fd.ops_until(lambda ops: "end" in ops, "the browser's end") == [
        "refused",
        "refused",
        "begin",
        "chunk",
        "end",
    ]
    assert [m["name"] for m in fd.bridge.received if m["op"] == "begin"] == ["image.png"]
    uploads = fd.kernel.call(lambda: [(u.filename, u.status, u.path) for u in fd.widget.uploads])
    assert uploads == [("tone.mp3", "error", "none"), ("image.jpg", "error", "none"), ("image.png", "done", "chunked")]
    expect(fd.row(0)).to_have_attribute("data-state", "error")
    expect(fd.page.locator(".tw-fd-sr")).to_contain_text("tone.mp3: type not accepted")


def test_cancel_mid_transfer_stops_sending_and_leaves_nothing(make: Any) -> None:
    fd = make(direct=False, chunk_size=MiB)
    store = shared_server()
    files_before = set(store.emulator.store.file_paths())
    # The kernel takes the first chunk and holds the others unacknowledged, so the browser stops at
    # its window and the cancel lands mid-transfer whatever the machine's speed.
    original = fd.widget._chunk
    held: list[Any] = []

    def first_chunk_only(fid: str, msg: Any, buffers: Any) -> None:
        if fd.widget._transfers[fid].pipe.received == 0:
            original(fid, msg, buffers)
        else:
            held.append(msg)

    fd.widget._chunk = first_chunk_only  # type: ignore[method-assign]
    fd.drop("big.bin", "application/octet-stream", 24 * MiB)  # under the emulator's 25 MiB
    # the backend upload is open, with the first chunk of its body sent
    upload_task = fd.wait(
        lambda: (
            (t := fd.widget._transfers.get(next(iter(fd.widget._transfers), ""))) and t.pipe.received > 0 and t.task
        ),
        "the first acknowledged chunk",
    )
    expect(fd.row().locator(".tw-fd-progress")).to_have_attribute("aria-valuenow", _positive())
    fd.row().get_by_role("button", name="Cancel big.bin").click()
    expect(fd.row().locator(".tw-fd-status")).to_have_text("Cancelled")
    [upload] = fd.finished()
    assert upload.status == "cancelled" and not fd.kernel.call(lambda: fd.widget._transfers)
    fd.wait(upload_task.done, "the backend upload to stop")
    assert upload_task.cancelled()
    chunks = fd.sent_ops().count("chunk")
    assert 0 < chunks < 24 and fd.sent_ops()[-1] == "cancel"
    fd.page.wait_for_timeout(300)
    assert fd.sent_ops().count("chunk") == chunks, "no chunk after cancel"
    assert set(store.emulator.store.file_paths()) == files_before
    expect(fd.row().locator(".tw-fd-cancel")).to_be_hidden()


def _positive() -> Any:
    return re.compile(r"^[1-9]\d*$")


@pytest.fixture()
def small_server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(EmulatorConfig(max_upload_bytes=8 * MiB)) as server:
        yield server


@pytest.mark.parametrize("direct", [False, True])
def test_server_413_reaches_the_row(
    kernel: Kernel,
    page: Any,
    small_server: EmbeddedServer,
    direct: bool,
) -> None:
    secret = small_server.ensure_app("fd413")

    async def start() -> tuple[Any, Admin]:
        admin = Admin(small_server.base_url, "fd413", secret)
        await admin.user("alice")
        return await get_talk_session("fd413", "alice", secret_key=secret, host=small_server.base_url), admin

    session, admin = kernel.run(start())
    fd = _mount(kernel, page, session, admin, direct=direct)
    try:
        # The widget refuses what is over the limit it was told (test_file_drop_limit_browser.py); here
        # the server's limit drops after the widget asked (a server restarted with a smaller one), so
        # the file leaves the browser and the server's own 413 must reach the row.
        expect(fd.page.locator(".tw-fd-zone-hint")).to_have_text("Any file · up to 8 MiB")
        small_server.emulator.config.max_upload_bytes = 2 * MiB
        fd.drop("too-big.bin", "application/octet-stream", 3 * MiB)
        [upload] = fd.finished()
        assert upload.status == "error" and ("limit" in upload.error.lower() or "413" in upload.error)
        expect(fd.row().locator(".tw-fd-error")).to_contain_text(upload.error[:30])
        expect(fd.row()).to_have_attribute("data-state", "error")
        ops = [op for op in fd.sent_ops() if op != "target"]  # the drag asked for an upload target
        if direct:  # the browser's own POST got 413: it says so, then tries the chunked path (also 413)
            assert ops[:3] == ["direct_begin", "direct_failed", "begin"], ops
            failed = next(m for m in fd.bridge.received if m["op"] == "direct_failed")
            assert "HTTP 413" in failed["reason"]
        assert small_server.emulator.store.file_paths() == []
    finally:
        fd.bridge.close()
        kernel.call(fd.widget.close)
        kernel.run(admin.aclose())
        kernel.run(session.aclose())


def test_kernel_restart_marks_unfinished_rows(make: Any) -> None:
    fd = make(direct=False)
    original = fd.widget._chunk

    def chunk(fid: str, msg: Any, buffers: Any) -> None:
        if fd.widget._transfers[fid].result.filename != "stuck.bin":  # stuck.bin never gets an ack
            original(fid, msg, buffers)

    fd.widget._chunk = chunk  # type: ignore[method-assign]
    fd.drop("stuck.bin", "application/octet-stream", 8 * MiB)
    fd.pick(MEDIA / "image.png")
    expect(fd.page.locator(".tw-fd-row")).to_have_count(2)
    expect(fd.row(1).locator(".tw-fd-status")).to_have_text("Done", timeout=10_000)
    fd.page.evaluate("() => { window.tw.emit('comm:close'); }")
    expect(fd.row(0).locator(".tw-fd-error")).to_have_text("the kernel restarted")
    expect(fd.row(1).locator(".tw-fd-status")).to_have_text("Done")  # finished rows keep their outcome


def test_keyboard_opens_the_picker_and_keys_stay_in_the_widget(make: Any) -> None:
    fd = make(direct=False, multiple=False)
    fd.page.evaluate(
        "() => { window.__keys = []; document.addEventListener('keydown', e => window.__keys.push(e.key)); }"
    )
    zone = fd.page.get_by_role("button", name="Choose a file to upload")
    # a permanent listener turns file-chooser interception on before any key is pressed
    choosers: list[Any] = []
    fd.page.on("filechooser", lambda chooser: choosers.append(chooser))
    fd.page.evaluate("() => new Promise(requestAnimationFrame)")
    zone.focus()
    fd.page.keyboard.press("Enter")
    fd.wait(lambda: choosers, "a file chooser after Enter")
    assert not choosers[0].is_multiple()
    choosers[0].set_files(str(MEDIA / "image.webp"))
    [upload] = fd.finished()
    assert upload.status == "done" and (upload.metadata.width, upload.metadata.height) == (40, 30)
    zone.focus()
    fd.page.keyboard.press(" ")
    fd.wait(lambda: len(choosers) == 2, "a file chooser after Space")
    for k in ["a", "b", "d", "ArrowDown"]:
        fd.page.keyboard.press(k)
    assert fd.page.evaluate("() => window.__keys") == []
    expect(fd.page.locator(".tw-fd")).to_have_attribute("data-lm-suppress-shortcuts", "true")
    expect(fd.row().locator(".tw-fd-progress")).to_be_hidden()


# --- 200 MiB through the chunked path: the kernel's memory stays bounded -------------------------


def _proc_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"{field} not in /proc/self/status")


@pytest.mark.slow
def test_200_mib_through_chunks_keeps_kernel_memory_bounded(
    kernel: Kernel,
    page: Any,
    record_property: Any,
) -> None:
    size = 200 * MiB
    with EmbeddedServer(EmulatorConfig(max_upload_bytes=300 * MiB)) as server:
        secret = server.ensure_app("fdbig")

        async def start() -> tuple[Any, Admin]:
            admin = Admin(server.base_url, "fdbig", secret)
            await admin.user("alice")
            return await get_talk_session("fdbig", "alice", secret_key=secret, host=server.base_url), admin

        session, admin = kernel.run(start())
        fd = _mount(kernel, page, session, admin, direct=False)
        try:
            chunk_size, window = fd.kernel.call(lambda: (fd.widget.chunk_size, fd.widget.window))
            # warm-up: the first upload loads the multipart parser, opens connections, fills caches
            fd.drop("warmup.bin", "application/octet-stream", 3 * MiB)
            fd.finished(1)

            Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM (peak RSS) to the current RSS
            rss_before = _proc_kib("VmRSS") * 1024
            tracemalloc.start()
            traced_before, _ = tracemalloc.get_traced_memory()
            fd.drop("big.bin", "application/octet-stream", size, fill=42)
            uploads = fd.finished(2, timeout=600)
            _, traced_peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            peak_rss = _proc_kib("VmHWM") * 1024
        finally:
            if tracemalloc.is_tracing():
                tracemalloc.stop()
            fd.bridge.close()
            kernel.call(fd.widget.close)
        big = uploads[1]
        assert big.status == "done" and big.size == size and big.path == "chunked", big
        stored = [p for p in server.emulator.store.file_paths() if Path(p).stat().st_size == size]
        assert len(stored) == 1
        kernel.run(admin.aclose())
        kernel.run(session.aclose())

    rss_growth = peak_rss - rss_before
    traced_growth = traced_peak - traced_before
    record_property("rss_growth_mib", round(rss_growth / MiB, 1))
    record_property("traced_growth_mib", round(traced_growth / MiB, 1))
    print(
        f"\n200 MiB chunked: peak RSS growth {rss_growth / MiB:.1f} MiB, "
        f"tracemalloc peak growth {traced_growth / MiB:.1f} MiB (window {window} x chunk {chunk_size // MiB} MiB)"
    )
    # The bound, what may hold bytes at one time in this single process (kernel, bridge and emulator):
    # - (window + 1) x chunk_size: the unacknowledged chunks waiting for the upload, and the one it writes;
    # - 4 x chunk_size: a chunk's copies on its way in and out: the WebSocket reader's buffer and the
    #   message it makes (in Jupyter: ZeroMQ frames, read without a copy), the chunk's copy into the
    #   request (h11 joins its data), the socket's unsent remainder (asyncio's transport buffer);
    # - a fixed 24 MiB: the emulator's multipart parser (an in-memory spool of up to 1 MiB per part
    #   before it rolls to disk, plus its 1 MiB copy buffer) and allocator slack (glibc arenas of the
    #   three threads involved: kernel loop, emulator, Playwright).
    # With the defaults (4 x 4 MiB) that is 60 MiB; a leak of the file (or buffering it anywhere)
    # would show as ~200 MiB.
    bound = (window + 1) * chunk_size + 4 * chunk_size + 24 * MiB
    assert traced_growth <= bound, f"tracemalloc grew {traced_growth / MiB:.1f} MiB"
    assert rss_growth <= bound, f"RSS grew {rss_growth / MiB:.1f} MiB"


# --- rows in every state, light and dark (writes docs/img/file_drop_*.png with TALKWIDGETS_SCREENSHOTS=1) ---

SHOWCASE_STATE = {
    "rows": [],
    "accept": "image/*,video/*,audio/*,.pdf",
    "max_size": 0,
    "backend_max_size": 25 * MiB,
    "limit_note": "the limit of the embedded emulator",
    "multiple": True,
    "recorder": True,
    "direct": False,
    "chunk_size": MiB,
    "window": 4,
}


def _kernel_row(id_: str, name: str, kind: str, size: int, status: str, error: str = "", **meta: Any) -> dict[str, Any]:
    return {
        "id": id_,
        "name": name,
        "kind": kind,
        "size": size,
        "metadata": {"filename": name, **meta},
        "status": status,
        "error": error,
        "path": "chunked",
    }


def _showcase(page: Any, *, record: bool) -> None:
    open_harness(page, "file_drop")
    page.add_style_tag(content=".tw-host { width: 460px; margin: 0; } body { padding: 20px; }")
    page.evaluate("(s) => window.tw.mount(s)", SHOWCASE_STATE)
    tw = "window.tw"
    # two local transfers held mid-way by answering as the kernel would (ready, a few acks)
    page.evaluate(DROP_JS, ["site-walkthrough.mp4", "video/mp4", 8 * MiB, 1])
    page.evaluate(DROP_JS, ["quarterly-report.pdf", "application/pdf", 2_411_724, 2])
    page.evaluate(DROP_JS, ["installer.exe", "application/x-msdownload", 70_000, 3])
    page.wait_for_function(f"() => {tw}.sent.filter(m => m.op === 'begin').length === 2")
    ids = page.evaluate(f"() => Object.fromEntries({tw}.sent.filter(m => m.op === 'begin').map(m => [m.name, m.id]))")
    video, pdf = ids["site-walkthrough.mp4"], ids["quarterly-report.pdf"]
    for fid, acks, size in ((video, 5, 8 * MiB), (pdf, 3, 2_411_724)):
        page.evaluate(f"(m) => {tw}.deliver(m)", {"op": "ready", "id": fid, "chunk_size": MiB, "window": 4})
        for seq in range(acks):
            page.wait_for_function(f"() => {tw}.sent.filter(m => m.op === 'chunk' && m.id === '{fid}').length > {seq}")
            page.evaluate(
                f"(m) => {tw}.deliver(m)", {"op": "ack", "id": fid, "seq": seq, "received": min(size, (seq + 1) * MiB)}
            )
    page.wait_for_function(f"() => {tw}.sent.some(m => m.op === 'end')")
    rows = [
        _kernel_row("k1", "team-photo.jpg", "image", 421_888, "done", width=1920, height=1080),
        _kernel_row("k2", "voice-2026-11-28-093012.webm", "voice", 38_912, "done", duration=4.2),
        _kernel_row(video, "site-walkthrough.mp4", "video", 8 * MiB, "sending", width=1280, height=720, duration=84.5),
        _kernel_row(pdf, "quarterly-report.pdf", "file", 2_411_724, "uploading"),
        {  # refused before sending: "Not sent"
            **_kernel_row(
                "k3",
                "drone-footage-4k.mov",
                "video",
                48 * MiB,
                "error",
                "too large: 48 MiB, the limit is 25 MiB",
                width=3840,
                height=2160,
                duration=95.0,
            ),
            "path": "none",
        },
        _kernel_row("k4", "draft-v2.mp3", "audio", 3_145_728, "cancelled", duration=187.0),
    ]
    page.evaluate(f"(r) => {tw}.kernelSet({{rows: r}})", rows)
    if record:
        page.get_by_role("button", name="Record a voice note").click()
        expect(page.locator(".tw-fd-rec-time")).to_have_text("0:02", timeout=5000)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_rows_in_every_state(browser: Any, scheme: str) -> None:
    ctx = browser.new_context(
        viewport={"width": 520, "height": 900},
        device_scale_factor=2,
        color_scheme=scheme,
        locale="en-GB",
        timezone_id="UTC",
    )
    try:
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        if scheme == "dark":
            page.add_init_script("document.documentElement.style.setProperty('--page-bg', '#111214')")
        _showcase(page, record=scheme == "dark")
        rows = page.locator(".tw-fd-row")
        expect(rows).to_have_count(7)
        states = rows.evaluate_all("rs => rs.map(r => r.dataset.state)")
        assert states == ["done", "done", "error", "cancelled", "sending", "uploading", "error"], states
        video = page.locator('.tw-fd-row[data-kind="video"][data-state="sending"]')
        expect(video.locator(".tw-fd-meta")).to_have_text("Video · 1280×720 · 1:25 · 8 MiB")
        expect(video.locator(".tw-fd-status")).to_have_text("62% · 5 MiB of 8 MiB")
        expect(video.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "62")
        expect(page.locator('.tw-fd-row[data-state="uploading"] .tw-fd-progress')).to_have_class(
            re.compile("tw-fd-progress--indeterminate")
        )
        expect(rows.nth(6).locator(".tw-fd-error")).to_contain_text("type not accepted")
        if os.environ.get("TALKWIDGETS_SCREENSHOTS"):
            page.wait_for_timeout(300)
            page.locator(".tw-host").screenshot(
                path=str(ROOT / "docs" / "img" / f"file_drop_{scheme}.png"), animations="disabled"
            )
    finally:
        ctx.close()


# -- the backend's upload limit: the limit the drop zone shows is the server's, and a larger file
# never leaves the browser (no begin, no chunk, no request to /files: only a "refused" note).

LIMIT = 5 * MiB + 123  # not a round number: the widget must use the server's, not a guess


@pytest.fixture()
def limit_server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer(EmulatorConfig(max_upload_bytes=LIMIT)) as srv:
        yield srv


@pytest.fixture()
def mount(kernel: Kernel, page: Any, limit_server: EmbeddedServer) -> Iterator[Any]:
    server = limit_server
    made: list[tuple[Setup, Any]] = []

    def factory(**traits: Any) -> Setup:
        secret = server.ensure_app("limits")

        async def start() -> tuple[Any, Admin]:
            admin = Admin(server.base_url, "limits", secret)
            await admin.user("alice")
            return await get_talk_session("limits", "alice", secret_key=secret, host=server.base_url), admin

        session, admin = kernel.run(start())
        fd = _mount(kernel, page, session, admin, **traits)
        made.append((fd, session))
        return fd

    yield factory
    for fd, session in made:
        fd.bridge.close()
        kernel.call(fd.widget.close)
        kernel.run(fd.admin.aclose())
        kernel.run(session.aclose())


def _requests_to(page: Any, base_url: str) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url) if request.url.startswith(base_url) else None)
    return seen


@pytest.mark.parametrize("direct", [True, False], ids=["direct", "chunked"])
def test_the_limit_shown_is_the_servers_and_a_larger_file_never_leaves_the_browser(
    mount: Any, limit_server: EmbeddedServer, direct: bool
) -> None:
    server = limit_server
    published = httpx.get(f"{server.base_url}/_emulator/health", timeout=10).json()["limits"]["maxUploadBytes"]
    assert published == LIMIT
    fd = mount(direct=direct)
    hint = fd.page.locator(".tw-fd-zone-hint")
    expect(hint).to_have_text(f"Any file · up to {format_bytes(published)}")  # "5 MiB"
    expect(hint).to_have_attribute("title", f"the limit of the server at {server.base_url}")
    assert fd.kernel.call(lambda: fd.widget.backend_max_size) == published
    requests = _requests_to(fd.page, server.base_url)

    fd.drop("too-big.bin", "application/octet-stream", published + 1)
    expect(fd.row().locator(".tw-fd-status")).to_have_text("Not sent")
    expect(fd.row().locator(".tw-fd-error")).to_have_text(
        f"too large: {published + 1:,} bytes, the limit is {published:,} bytes (5 MiB)"
    )
    [upload] = fd.finished()
    assert (upload.status, upload.path, upload.size) == ("error", "none", published + 1)
    # no begin, no direct_begin, no chunk; the drag may have asked for an upload target (no bytes)
    assert [op for op in fd.sent_ops() if op != "target"] == ["refused"]
    assert [m["op"] for m in fd.bridge.received if m["op"] != "target"] == ["refused"]
    assert requests == [] and server.emulator.store.file_paths() == []

    # A file of exactly the limit goes through: the limit is the server's, not a lower guess.
    fd.drop("just-fits.bin", "application/octet-stream", published)
    expect(fd.row(1).locator(".tw-fd-status")).to_have_text("Done", timeout=30_000)
    uploads = fd.finished(2)
    assert uploads[1].status == "done" and uploads[1].path == ("direct" if direct else "chunked")
    assert len(server.emulator.store.file_paths()) == 1


def test_max_size_above_the_servers_limit_shows_the_servers(mount: Any, limit_server: EmbeddedServer) -> None:
    server = limit_server
    fd = mount(max_size=100 * MiB, direct=False)
    expect(fd.page.locator(".tw-fd-zone-hint")).to_have_text("Any file · up to 5 MiB")
    assert fd.kernel.call(lambda: fd.widget.max_size) == LIMIT
    notices = fd.kernel.call(lambda: [o["text"] for o in fd.widget.output.outputs])
    assert notices == [
        f"FileDrop: max_size 100 MiB is more than the backend takes; it is now 5 MiB "
        f"(the limit of the server at {server.base_url}).\n"
    ]
    fd.drop("big.bin", "application/octet-stream", 6 * MiB)
    expect(fd.row().locator(".tw-fd-error")).to_have_text("too large: 6 MiB, the limit is 5 MiB")
    assert fd.sent_ops() == ["refused"]
