"""FileDrop in Python: the chunk protocol with acknowledgements, metadata classes, errors, cancel,
sending into a conversation. The far end of the comm is a recorder that plays the browser's part
(the browser tiers run the real front end)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import traitlets

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

    def ops(self, fid: str) -> list[str]:
        return [m["op"] for m in self.inbox if m["id"] == fid]

    async def send_file(
        self,
        fid: str,
        data: bytes,
        *,
        name: str,
        kind: str,
        mime: str = "",
        metadata: dict[str, Any] | None = None,
        end: bool = True,
        chunks: int | None = None,
        chunking: tuple[int, int] | None = None,
    ) -> None:
        """``begin``, then the chunks (only the first ``chunks`` of them, if given) with at most
        ``window`` unacknowledged, then ``end``; stops early when the kernel says ``failed``.
        ``chunking`` (chunk size, window): a protocol-3 ``begin`` naming them, its chunks right
        behind it; else the ``begin`` waits for the kernel's ``ready``."""
        begin = {
            "op": "begin",
            "id": fid,
            "name": name,
            "size": len(data),
            "type": mime,
            "kind": kind,
            "metadata": metadata or {},
        }
        if chunking is not None:
            self.post({**begin, "chunk_size": chunking[0], "window": chunking[1]})
            size, window = chunking
        else:
            self.post(begin)
            ready = self.last(fid)
            assert ready["op"] == "ready", ready
            size, window = ready["chunk_size"], ready["window"]
        for seq, offset in enumerate(list(range(0, len(data), size))[:chunks]):
            if seq >= window:  # backpressure: chunk `seq` may go once chunk `seq - window` is acknowledged
                needed = seq - window + 1
                await wait_until(
                    lambda: self.ops(fid).count("ack") >= needed or "failed" in self.ops(fid),  # noqa: B023
                    what=f"ack {needed - 1} of {fid}",
                )
            if "failed" in self.ops(fid):
                return
            self.post({"op": "chunk", "id": fid, "seq": seq, "offset": offset}, [data[offset : offset + size]])
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
        await browser.send_file(fid, payload[fid], name=name, kind=kind, mime=mime, metadata=meta)
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

    await browser.send_file("o", b"x" * 10, name="o.bin", kind="file", end=False)
    browser.post({"op": "chunk", "id": "o", "seq": 5, "offset": 99}, [b"y"])  # out of order
    assert browser.last("o")["op"] == "failed" and widget.uploads[-1].status == "error"
    browser.post({"op": "begin", "id": "n", "name": "", "size": 1, "kind": "file"})
    assert browser.last("n")["op"] == "rejected"


async def test_chunks_stream_into_the_upload_as_they_arrive(setup) -> None:
    """The backend upload starts at ``begin`` and takes each chunk as it comes: a chunk is
    acknowledged only once the upload has taken it, and the file token exists as soon as the last
    chunk went out, whether or not ``end`` has arrived yet."""
    session, widget, browser, admin = setup
    widget.chunk_size = MiB
    data = bytes(range(256)) * (9 * MiB // 256) + b"tail"  # 10 chunks of 1 MiB, the last one short
    await browser.send_file("s", data, name="stream.bin", kind="file", end=False)
    upload = widget.uploads[0]
    await wait_until(lambda: upload.status == "done", what="the upload to finish without `end`")
    acks = [m for m in browser.inbox if m["op"] == "ack"]
    assert [a["seq"] for a in acks] == list(range(10)) and acks[-1]["received"] == len(data)
    assert widget._transfers == {}
    browser.post({"op": "end", "id": "s"})  # late, and harmless
    assert browser.ops("s")[-1] == "done" and upload.status == "done"
    ref = (await widget.send_to("files"))[0]
    block = (await ref.get()).content[0]
    async with httpx.AsyncClient() as http:
        assert (await http.get(block.url)).content == data


async def test_chunks_right_behind_a_begin_that_names_the_chunking(setup) -> None:
    """Protocol 3: a ``begin`` naming the widget's chunk size and window gets no ``ready``; its
    chunks, sent right behind it, go into the upload. One naming another chunking is rejected with
    the reason, and the chunks behind it are dropped quietly."""
    session, widget, browser, admin = setup
    widget.chunk_size = MiB
    data = bytes(range(256)) * (3 * MiB // 256) + b"end"
    await browser.send_file("p", data, name="p.bin", kind="file", chunking=(MiB, widget.window))
    upload = widget.uploads[0]
    await wait_until(lambda: upload.status == "done", what="the pipelined upload")
    assert "ready" not in browser.ops("p") and browser.ops("p").count("ack") == 4
    ref = (await widget.send_to("files"))[0]
    block = (await ref.get()).content[0]
    async with httpx.AsyncClient() as http:
        assert (await http.get(block.url)).content == data

    await browser.send_file("q", b"y" * (2 * MiB), name="q.bin", kind="file", chunking=(2 * MiB, widget.window))
    assert browser.ops("q") == ["rejected"], browser.inbox
    assert "this widget takes 1048576 bytes" in browser.last("q")["reason"]
    assert widget.uploads[1].status == "error" and widget._transfers == {}


async def test_the_window_is_enforced_in_the_kernel(setup) -> None:
    """A browser that sends more than ``window`` chunks before the upload takes them is refused:
    otherwise the kernel would hold whatever it is sent."""
    session, widget, browser, admin = setup
    gate = asyncio.Event()
    original = session.upload

    async def slow_upload(data: Any, metadata: Any) -> Any:
        await gate.wait()  # the upload takes no chunk until the test opens the gate
        return await original(data, metadata)

    session.upload = slow_upload  # type: ignore[method-assign]
    browser.post({"op": "begin", "id": "w", "name": "w.bin", "size": 6 * MiB, "type": "", "kind": "file"})
    window = browser.last("w")["window"]
    for seq in range(window + 1):
        browser.post({"op": "chunk", "id": "w", "seq": seq, "offset": seq * MiB}, [b"x" * MiB])
    reason = f"more than window={window} chunks unacknowledged"
    assert browser.last("w") == {"op": "failed", "id": "w", "reason": reason}
    assert widget.uploads[0].status == "error" and widget._transfers == {}
    gate.set()


async def test_cancel_and_a_server_413_leave_nothing_behind() -> None:
    with EmbeddedServer(EmulatorConfig(max_upload_bytes=8 * MiB)) as server:
        secret = server.ensure_app("fd413")
        admin = Admin(server.base_url, "fd413", secret)
        await admin.user("alice")
        session = await get_talk_session("fd413", "alice", secret_key=secret, host=server.base_url)
        widget = FileDrop(session, chunk_size=MiB)
        browser = Browser(widget)
        files_before = set(server.emulator.store.file_paths())

        # Cancel while the upload is under way: half of the file went out, the rest never comes.
        await browser.send_file("c", b"z" * (MiB + 512 * 1024), name="half.bin", kind="file", end=False, chunks=1)
        await wait_until(lambda: browser.ops("c").count("ack") == 1, what="the first chunk taken by the upload")
        task = widget._transfers["c"].task
        assert task is not None and not task.done()  # the request is open, its body half sent
        browser.post({"op": "cancel", "id": "c"})
        assert widget.uploads[0].status == "cancelled" and "c" not in widget._transfers
        await wait_until(task.done, what="the upload to stop")
        assert task.cancelled()
        # the emulator saw the request cut short: it can take the next upload and stored nothing
        await browser.send_file("ok", b"k" * 100, name="fine.bin", kind="file")
        await wait_until(lambda: widget.uploads[-1].status == "done", what="the next upload")
        assert len(server.emulator.store.file_paths()) == len(files_before) + 1

        # Over the server's limit: the widget refuses what is over the limit it was told
        # (test_upload_limit_honest.py); here the limit drops after the widget asked (a server
        # restarted with a smaller one), so the server's own 413 must reach the row.
        await wait_until(lambda: widget.backend_max_size == 8 * MiB, what="the widget to learn the limit")
        server.emulator.config.max_upload_bytes = 2 * MiB
        files_before = set(server.emulator.store.file_paths())
        await browser.send_file("big", b"z" * (3 * MiB), name="too-big.bin", kind="file")
        await wait_until(lambda: widget.uploads[-1].status == "error", what="413 to reach the row")
        assert "3145728" in widget.uploads[-1].error or "limit" in widget.uploads[-1].error.lower()
        assert browser.last("big")["op"] == "failed" and browser.ops("big").count("failed") == 1
        assert set(server.emulator.store.file_paths()) == files_before and widget._transfers == {}
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
    assert offer["expires_in"] == 300  # the browser may keep the target for its next files
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
    await browser.send_file("e", b"1", name="x.bin", kind="file")  # the fallback continues the same row
    await wait_until(lambda: widget.uploads[-1].status == "done", what="fallback upload")
    assert len(widget.uploads) == 2 and widget.uploads[-1].path == "chunked"


async def test_a_target_ahead_of_time_and_a_direct_upload_without_an_offer(setup) -> None:
    """Protocol 2: the browser asks for an upload target before any file (``target``), then
    announces a file it already uploads with it (``direct_begin`` with ``own_target``): the kernel
    records the row and sends no offer; ``direct_done`` finishes it as on the per-file path."""
    session, widget, browser, admin = setup
    browser.post({"op": "target", "id": "t1"})
    target = await wait_until(lambda: next((m for m in browser.inbox if m["id"] == "t1"), None), what="a target")
    assert target["op"] == "target" and target["expires_in"] == 300
    assert target["url"].endswith(f"/v1/{session.app_id}/files")
    assert target["token"] not in json.dumps(widget.get_state(), default=str)

    begin = {"op": "direct_begin", "id": "g", "name": "a.png", "size": 4, "type": "image/png", "kind": "image"}
    browser.post({**begin, "metadata": {"width": 3, "height": 1}, "own_target": True})
    assert widget.uploads[0].status == "sending" and widget.uploads[0].path == "direct"
    async with httpx.AsyncClient() as http:  # what the browser does with its target
        answer = await http.post(
            target["url"],
            headers={"Authorization": f"Bearer {target['token']}"},
            files={"file": ("a.png", b"\x89PNG", "image/png")},
            data={"subtype": "image", "width": "3", "height": "1"},
        )
    browser.post({"op": "direct_done", "id": "g", "file_token": answer.json()["fileToken"], "size": 4})
    assert browser.ops("g") == ["done"]  # no offer was sent for it
    block = (await (await widget.send_to("files"))[0].get()).content[0]
    assert isinstance(block, ImageBlock) and (block.width, block.height) == (3, 1)

    # with the direct path off in the kernel: no target, and a file already on its way is told to use chunks
    widget.direct = False
    browser.post({"op": "target", "id": "t2"})
    await wait_until(lambda: browser.ops("t2"), what="an answer")
    assert browser.ops("t2") == ["no_direct"]
    browser.post({**begin, "id": "h", "own_target": True})
    assert browser.ops("h") == ["no_direct"]
    await browser.send_file("h", b"1234", name="a.png", kind="image", mime="image/png")
    await wait_until(lambda: widget.uploads[-1].status == "done", what="the chunked fallback")
    assert widget.uploads[-1].path == "chunked" and len(widget.uploads) == 2


async def test_trait_validation() -> None:
    session = await get_talk_session(app_id=new_app_id(), user_id="alice")
    with pytest.raises(traitlets.TraitError, match="chunk_size"):
        FileDrop(session, chunk_size=1024)
    with pytest.raises(traitlets.TraitError, match="window"):
        FileDrop(session, window=0)
    with pytest.raises(TypeError):
        FileDrop("alice")  # type: ignore[arg-type]
