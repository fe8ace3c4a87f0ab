"""FileDrop in Python: the chunk protocol with acknowledgements, metadata classes, errors, cancel,
sending into a conversation. The far end of the comm is a recorder that plays the browser's part
(the browser tiers run the real front end)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest
from traitlets import TraitError

from talkwidgets import (
    AudioFileMetadata,
    FileDrop,
    GenericFileMetadata,
    ImageBlock,
    ImageFileMetadata,
    VideoFileMetadata,
    VoiceBlock,
    VoiceRecordingFileMetadata,
    get_talk_session,
)
from talkwidgets.emulator import EmbeddedServer, EmulatorConfig
from talkwidgets.widgets.file_drop import accepts, build_metadata
from tests.session_support import Admin, new_app_id, wait_until
from tests.widget_support import from_browser

MiB = 1024 * 1024
ACK_TIMEOUT = 10.0


class Browser:
    """Plays the front end's side of docs/upload-protocol.md over the widget's comm."""

    def __init__(self, widget: FileDrop) -> None:
        self.widget = widget
        self.inbox: list[dict[str, Any]] = []
        widget.comm.send = self._receive  # type: ignore[method-assign]

    def _receive(self, data: Any = None, metadata: Any = None, buffers: Any = None) -> None:
        if data and data.get("method") == "custom":
            self.inbox.append(json.loads(json.dumps(data["content"])))

    def post(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        from_browser(self.widget, content, buffers)

    def last(self, fid: str) -> dict[str, Any]:
        return [m for m in self.inbox if m["id"] == fid][-1]

    def send_file(
        self,
        fid: str,
        data: bytes,
        *,
        name: str,
        kind: str,
        mime: str = "",
        metadata: dict[str, Any] | None = None,
        end: bool = True,
    ) -> None:
        self.post(
            {
                "op": "begin",
                "id": fid,
                "name": name,
                "size": len(data),
                "type": mime,
                "kind": kind,
                "metadata": metadata or {},
            }
        )
        ready = self.last(fid)
        assert ready["op"] == "ready", ready
        size, window = ready["chunk_size"], ready["window"]
        in_flight: list[int] = []
        for seq, offset in enumerate(range(0, len(data), size)):
            # Backpressure: wait for an ack. The widget acknowledges a chunk while handling it (same
            # thread), so the ack is normally here already; the deadline turns a missing one into a failure.
            deadline = time.monotonic() + ACK_TIMEOUT
            while len(in_flight) >= window:
                acked = [m["seq"] for m in self.inbox if m["id"] == fid and m["op"] == "ack"]
                in_flight = [s for s in in_flight if s not in acked]
                if len(in_flight) >= window and time.monotonic() > deadline:
                    raise AssertionError(f"no ack for chunks {in_flight} of {fid} within {ACK_TIMEOUT} s")
            self.post({"op": "chunk", "id": fid, "seq": seq, "offset": offset}, [data[offset : offset + size]])
            in_flight.append(seq)
        if end:
            self.post({"op": "end", "id": fid})


@pytest.fixture
async def setup():
    app_id = new_app_id()
    admin = Admin.embedded(app_id)
    for uid in ("alice", "bob"):
        await admin.user(uid)
    await admin.conversation("files", "alice", "bob")
    session = await get_talk_session(app_id=app_id, user_id="alice")
    widget = FileDrop(session)
    yield session, widget, Browser(widget), admin
    widget.close()
    await admin.aclose()


async def test_each_kind_becomes_its_metadata_class_and_a_file_message(setup) -> None:
    session, widget, browser, admin = setup
    heard: list[tuple[str, Any]] = []
    widget.on_upload(lambda token, meta: heard.append((token, meta)))
    cases = [
        ("a", "cat.png", "image", "image/png", {"width": 640, "height": 480}, ImageFileMetadata),
        ("b", "clip.webm", "video", "video/webm", {"width": 64, "height": 48, "duration": 1.5}, VideoFileMetadata),
        ("c", "song.mp3", "audio", "audio/mpeg", {"duration": 2.5}, AudioFileMetadata),
        ("d", "note.webm", "voice", "audio/webm", {"duration": 3.25}, VoiceRecordingFileMetadata),
        ("e", "report.pdf", "file", "application/pdf", {}, GenericFileMetadata),
    ]
    payload = {fid: bytes([i]) * (1000 + i) for i, (fid, *_rest) in enumerate(cases)}
    for fid, name, kind, mime, meta, _cls in cases:
        browser.send_file(fid, payload[fid], name=name, kind=kind, mime=mime, metadata=meta)
    await wait_until(lambda: len(widget.done) == 5, what="five uploads")
    for (fid, name, kind, _mime, meta, cls), upload in zip(cases, widget.uploads, strict=True):
        assert type(upload.metadata) is cls and upload.filename == name and upload.kind == kind
        for key, value in meta.items():
            assert getattr(upload.metadata, key) == value
        assert upload.token and upload.size == len(payload[fid]) and upload.path == "chunked"
        assert browser.last(fid)["op"] == "done"
    assert sorted(t for t, _ in heard) == sorted(u.token for u in widget.uploads)  # uploads run concurrently
    # nothing secret or bulky in the synced state
    state = json.dumps(widget.get_state(), default=str)
    assert all(u.token not in state for u in widget.uploads)
    assert [r["status"] for r in widget.rows] == ["done"] * 5

    refs = await widget.send_to("files")
    assert len(refs) == 5 and await widget.send_to("files") == []
    image = (await refs[0].get()).content[0]
    voice = (await refs[3].get()).content[0]
    assert isinstance(image, ImageBlock) and (image.width, image.height) == (640, 480)
    assert isinstance(voice, VoiceBlock) and voice.duration == 3.25
    async with httpx.AsyncClient() as http:
        assert (await http.get(image.url)).content == payload["a"]


async def test_undecodable_values_stay_unknown_and_rules_are_enforced(setup) -> None:
    session, widget, browser, admin = setup
    meta = build_metadata("video", "odd.mp4", {"width": 0, "height": 1.5, "duration": float("nan")})
    assert isinstance(meta, VideoFileMetadata) and (meta.width, meta.height, meta.duration) == (None, None, None)
    assert accepts("image/*,.pdf", "x.PDF", "") and accepts("image/*", "a.bin", "image/png")
    assert not accepts("image/*,.pdf", "a.mp3", "audio/mpeg")

    widget.accept = "image/*"
    browser.post({"op": "begin", "id": "t", "name": "song.mp3", "size": 10, "type": "audio/mpeg", "kind": "audio"})
    assert browser.last("t") == {"op": "rejected", "id": "t", "reason": browser.last("t")["reason"]}
    assert "not accepted" in browser.last("t")["reason"]
    widget.accept = ""
    widget.max_size = 100
    browser.post({"op": "begin", "id": "big", "name": "big.bin", "size": 101, "type": "", "kind": "file"})
    assert browser.last("big")["op"] == "rejected" and "limit" in browser.last("big")["reason"]
    widget.max_size = 0

    browser.send_file("o", b"x" * 10, name="o.bin", kind="file", end=False)
    browser.post({"op": "chunk", "id": "o", "seq": 5, "offset": 99}, [b"y"])  # out of order
    assert browser.last("o")["op"] == "failed" and widget.uploads[-1].status == "error"
    browser.post({"op": "begin", "id": "n", "name": "", "size": 1, "kind": "file"})
    assert browser.last("n")["op"] == "rejected"


async def test_cancel_and_a_server_413_leave_nothing_behind() -> None:
    with EmbeddedServer(EmulatorConfig(max_upload_bytes=2 * MiB)) as server:
        secret = server.ensure_app("fd413")
        admin = Admin(server.base_url, "fd413", secret)
        await admin.user("alice")
        session = await get_talk_session("fd413", "alice", secret_key=secret, host=server.base_url)
        widget = FileDrop(session)
        browser = Browser(widget)
        files_before = set(server.emulator.store.file_paths())

        browser.send_file("c", b"z" * (3 * MiB), name="half.bin", kind="file", end=False)
        spool = widget._transfers["c"].spool
        browser.post({"op": "cancel", "id": "c"})
        assert spool.closed and widget.uploads[0].status == "cancelled" and "c" not in widget._transfers

        browser.send_file("big", b"z" * (3 * MiB), name="too-big.bin", kind="file")
        await wait_until(lambda: widget.uploads[-1].status == "error", what="413 to reach the row")
        assert "3145728" in widget.uploads[-1].error or "limit" in widget.uploads[-1].error.lower()
        assert browser.last("big")["op"] == "failed"
        assert set(server.emulator.store.file_paths()) == files_before
        widget.close()
        await session.aclose()
        await admin.aclose()


async def test_direct_path_offers_a_short_lived_token_by_message_only(setup) -> None:
    session, widget, browser, admin = setup
    browser.post(
        {
            "op": "direct_begin",
            "id": "d",
            "name": "pic.png",
            "size": 4,
            "type": "image/png",
            "kind": "image",
            "metadata": {"width": 2, "height": 2},
        }
    )
    offer = await wait_until(lambda: next((m for m in browser.inbox if m["op"] == "direct"), None), what="offer")
    assert offer["url"].endswith(f"/v1/{session.app_id}/files") and offer["fields"] == {
        "subtype": "image",
        "width": "2",
        "height": "2",
    }
    async with httpx.AsyncClient() as http:  # what the browser does with the offer
        answer = await http.post(
            offer["url"],
            headers={"Authorization": f"Bearer {offer['token']}"},
            files={"file": ("pic.png", b"\x89PNG", "image/png")},
            data=offer["fields"],
        )
    assert answer.status_code == 200, answer.text
    browser.post({"op": "direct_done", "id": "d", "file_token": answer.json()["fileToken"], "size": 4})
    assert widget.uploads[0].status == "done" and widget.uploads[0].path == "direct"
    assert offer["token"] not in json.dumps(widget.get_state(), default=str)
    ref = (await widget.send_to("files"))[0]
    block = (await ref.get()).content[0]
    assert isinstance(block, ImageBlock) and block.width == 2

    widget.direct = False
    browser.post({"op": "direct_begin", "id": "e", "name": "x.bin", "size": 1, "kind": "file"})
    assert browser.last("e")["op"] == "no_direct"
    browser.send_file("e", b"1", name="x.bin", kind="file")  # the fallback continues the same row
    await wait_until(lambda: widget.uploads[-1].status == "done", what="fallback upload")
    assert len(widget.uploads) == 2 and widget.uploads[-1].path == "chunked"


async def test_trait_validation() -> None:
    session = await get_talk_session(app_id=new_app_id(), user_id="alice")
    with pytest.raises(TraitError, match="chunk_size must be between 1 MiB and 4 MiB"):
        FileDrop(session, chunk_size=1024)
    with pytest.raises(TraitError, match="window must be between 1 and 16"):
        FileDrop(session, window=0)
    with pytest.raises(TypeError):
        FileDrop("alice")  # type: ignore[arg-type]
