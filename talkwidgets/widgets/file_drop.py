"""``FileDrop``: dropped, picked or recorded files become file tokens with the right metadata class.

Bytes travel in acknowledged chunks through the widget's messages and stream on to the backend
while they still arrive (``_upload_transfer``); or, where the browser reaches the backend, straight
from the browser with a short-lived token sent by message. The backend's size limit is asked when the widget
is made, so that the browser refuses a larger file before a byte of it moves. See
docs/upload-protocol.md.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import logging
import math
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import traitlets

from ..model.content import SendFileBlock
from ..model.errors import TalkError
from ..model.files import FileMetadata, FileToken, upload_kind_of
from ..model.wire import to_json
from ..session import ConversationRef, MessageRef, TalkSession
from ._base import TalkWidget, is_ping
from ._loop import call_on_loop
from ._upload_rules import accepts, build_metadata, format_bytes, too_large
from ._upload_transfer import ChunkPipe, ChunkRefused, Transfer, UploadResult

__all__ = ["FileDrop", "UploadResult", "accepts", "build_metadata"]

log = logging.getLogger("talkwidgets.widgets")

_STATIC = Path(__file__).resolve().parent.parent / "static"
MiB = 1024 * 1024
TARGET_TTL = 300
"""Seconds an upload target (a user token for the browser's direct uploads) lives."""


class FileDrop(TalkWidget):
    """Drop zone, file picker and voice recorder that turn files into file tokens.

    ``widget.uploads`` lists every file with its metadata instance and token, in the order the rows
    show; ``on_upload`` hears each finished one (what it prints shows in ``output``);
    ``await widget.send_to(conversation)`` posts them as messages.
    """

    OPTIONS = ("accept", "max_size", "multiple", "recorder", "direct", "chunk_size", "window")

    _esm = _STATIC / "file_drop.js"
    _css = _STATIC / "file_drop.css"

    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    """One dict per file for the browser to show: id, name, kind, size, metadata, status, error, path.
    Never bytes, never tokens."""

    accept = traitlets.Unicode("").tag(sync=True)
    """Accepted types as in ``<input accept>``: ``"image/*,.pdf"``; empty accepts anything."""

    max_size = traitlets.Int(0).tag(sync=True)
    """Largest file in bytes (0: only the backend's own limit applies). A value above the backend's
    limit is lowered to it, with a notice in ``output``."""

    backend_max_size = traitlets.Int(0).tag(sync=True)
    """The backend's upload limit in bytes, as the session reported it (``session.upload_limit()``);
    0 while asking, or when the backend publishes none. Read-only."""

    limit_note = traitlets.Unicode("").tag(sync=True)
    """Where the size limit comes from, or why there is none, in words (the drop zone shows it)."""

    multiple = traitlets.Bool(True).tag(sync=True)
    """Whether several files may be dropped or picked at once."""

    recorder = traitlets.Bool(True).tag(sync=True)
    """Show the record button for voice notes (needs microphone permission in the browser)."""

    direct = traitlets.Bool(True).tag(sync=True)
    """Let the browser upload straight to the backend when it can reach it (falls back to chunks)."""

    chunk_size = traitlets.Int(4 * MiB).tag(sync=True)
    """Bytes per chunk on the chunked path (1 to 4 MiB). Each chunk costs a fixed amount of work
    in the browser, jupyter_server and the kernel, so large chunks go fastest (docs/benchmarks.md)."""

    window = traitlets.Int(4).tag(sync=True)
    """Chunks in flight before the browser waits for acknowledgements (1 to 16). The kernel holds at
    most ``(window + 1) * chunk_size`` bytes of a transfer (20 MiB with the defaults)."""

    def __init__(self, session: TalkSession, **options: Any) -> None:
        """``options``: the traits ``accept``, ``max_size``, ``multiple``, ``recorder``, ``direct``,
        ``chunk_size``, ``window``, and the DOM widget's ``layout``, ``tabbable``, ``tooltip``; any
        other name is a ``TypeError``."""
        super().__init__(session, options)
        self.uploads: list[UploadResult] = []
        """Every file handed to the widget, in the order its rows show, with its metadata instance
        and token (files the browser refused are here too, as errors)."""
        self._arrivals = itertools.count()
        self._transfers: dict[str, Transfer] = {}
        self._callbacks: list[Callable[[FileToken, FileMetadata], Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self.on_msg(self._on_custom_msg)
        self._on_loop(self._learn_limit())

    @traitlets.validate("chunk_size")
    def _valid_chunk(self, proposal: Any) -> int:
        value = proposal["value"]
        if not MiB <= value <= 4 * MiB:
            raise traitlets.TraitError("chunk_size must be between 1 MiB and 4 MiB")
        return int(value)

    @traitlets.validate("window")
    def _valid_window(self, proposal: Any) -> int:
        if not 1 <= proposal["value"] <= 16:
            raise traitlets.TraitError("window must be between 1 and 16")
        return int(proposal["value"])

    @traitlets.validate("max_size")
    def _valid_max(self, proposal: Any) -> int:
        value = int(proposal["value"])
        if value < 0:
            raise traitlets.TraitError("max_size must be 0 (no limit) or a positive number of bytes")
        return self._within_backend_limit(value)

    def _within_backend_limit(self, max_size: int) -> int:
        """``max_size``, or the backend's limit when it asks for more, said in ``output`` (a larger
        value would only let files through that the backend refuses after they were sent)."""
        backend = getattr(self, "backend_max_size", 0)  # not set yet while the constructor runs
        if backend and max_size > backend:
            self._notice(
                f"FileDrop: max_size {format_bytes(max_size)} is more than the backend takes; it is now "
                f"{format_bytes(backend)} ({self.limit_note})."
            )
            return int(backend)
        return max_size

    @property
    def size_limit(self) -> int:
        """The largest file this widget takes, in bytes: ``max_size``, else the backend's limit
        (0: no limit is known)."""
        limits = [n for n in (self.max_size, self.backend_max_size) if n > 0]
        return min(limits) if limits else 0

    async def _learn_limit(self) -> None:
        try:
            limit = await self.session.upload_limit()
        except TalkError as exc:
            self.limit_note = f"the backend's upload size limit is unknown ({exc})"
            return
        with self.hold_sync():
            self.limit_note = limit.reason
            self.backend_max_size = limit.max_bytes or 0
            self.max_size = self._within_backend_limit(self.max_size)

    # -- public API -----------------------------------------------------------------------------

    def on_upload(self, callback: Callable[[FileToken, FileMetadata], Any]) -> Callable[[], None]:
        """Call ``callback(token, metadata)`` for each finished file; returns an undo."""
        if not callable(callback):
            raise TypeError("callback must be callable")
        self._callbacks.append(callback)
        return lambda: self._callbacks.remove(callback) if callback in self._callbacks else None

    @property
    def done(self) -> list[UploadResult]:
        return [u for u in self.uploads if u.status == "done"]

    async def send_to(self, conversation: ConversationRef | str) -> list[MessageRef]:
        """Post every finished, not yet sent file into ``conversation``, one file message each."""
        ref = self.session.conversation(conversation) if isinstance(conversation, str) else conversation
        if not isinstance(ref, ConversationRef):
            raise TypeError("conversation must be a ConversationRef or a conversation id")
        sent = []
        for upload in self.done:
            if not upload.sent and upload.token:
                sent.append(await ref.send(content=[SendFileBlock(file_token=upload.token)]))
                upload.sent = True
        return sent

    def close(self) -> None:
        """Stop every transfer (their uploads are aborted: the backend keeps nothing) and close the widget."""
        for transfer in list(getattr(self, "_transfers", {}).values()):
            self._discard(transfer)
        for task in list(getattr(self, "_tasks", ())):
            task.cancel()
        super().close()

    # -- messages from the browser --------------------------------------------------------------

    def _on_custom_msg(self, _widget: Any, content: Any, buffers: list[Any]) -> None:
        if is_ping(content):
            return  # answered by TalkWidget
        if not isinstance(content, dict) or not isinstance(content.get("id"), str) or not content["id"]:
            return
        call_on_loop(self.session.loop, self._dispatch, content, list(buffers))

    def _dispatch(self, content: dict[str, Any], buffers: list[Any]) -> None:
        op, fid = content.get("op"), content["id"]
        try:
            if op == "begin":
                self._begin(fid, content, direct=False)
            elif op == "chunk":
                self._chunk(fid, content, buffers)
            elif op == "end":
                self._end(fid)
            elif op == "cancel":
                self._cancel(fid)
            elif op == "direct_begin":
                self._begin(fid, content, direct=True)
            elif op == "direct_done":
                self._direct_done(fid, content)
            elif op == "direct_failed":
                self._direct_failed(fid, content)
            elif op == "refused":
                self._refused(fid, content)
            elif op == "target":
                self._spawn(self._send_target(fid))
        except _Refused as exc:
            self._fail(fid, str(exc), op="rejected" if op in ("begin", "direct_begin") else "failed")

    def _begin(self, fid: str, msg: dict[str, Any], *, direct: bool) -> None:
        existing = self._transfers.get(fid)
        if existing is not None and not (existing.result.path == "direct" and not direct):
            raise _Refused(f"a transfer with id {fid!r} is already running")
        metadata, size, mime = self._describe(msg)
        if existing is not None:  # direct path failed: the same row continues with chunks
            result = existing.result
            result.path = "chunked"
        else:
            result = self._record(fid, msg, metadata, size, path="direct" if direct else "chunked")
            refusal = self._refusal(metadata.filename, msg.get("kind"), mime, size)
            if refusal:
                result.status, result.error, result.path = "error", refusal, "none"
                self._answer({"op": "rejected", "id": fid, "reason": refusal})
                return
        transfer = self._transfers[fid] = Transfer(result=result, mime=mime)
        result.status = "sending"
        if direct:
            if not self.direct:
                self._answer({"op": "no_direct", "id": fid})
            elif msg.get("own_target") is True:
                self._sync_rows()  # the browser uploads with a target it holds: no offer to wait for
            else:
                self._spawn(self._offer_direct(transfer))  # answers, then syncs the rows
            return
        # (3) a begin naming the chunking (the traits the browser read) has its chunks right behind it
        pipelined = "chunk_size" in msg or "window" in msg
        if pipelined and (msg.get("chunk_size"), msg.get("window")) != (self.chunk_size, self.window):
            raise _Refused(
                f"chunks of {msg.get('chunk_size')!r} bytes, {msg.get('window')!r} in flight: this widget takes"
                f" {self.chunk_size} bytes, {self.window} in flight (it changed during the upload; add the file again)"
            )
        transfer.pipe = ChunkPipe(size, self.chunk_size, self.window, lambda seq, taken: self._ack(fid, seq, taken))
        transfer.task = self._spawn(self._upload(transfer, transfer.pipe))
        if pipelined:
            self._sync_rows()
        else:
            self._answer({"op": "ready", "id": fid, "chunk_size": self.chunk_size, "window": self.window})

    def _describe(self, msg: dict[str, Any]) -> tuple[FileMetadata, int, str]:
        """The metadata instance, size and MIME type a ``begin``-like message announces."""
        name, size, kind = msg.get("name"), msg.get("size"), msg.get("kind", "file")
        mime_type = msg.get("type")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise _Refused("size must be a non-negative integer")
        try:
            metadata = build_metadata(kind, name if isinstance(name, str) else "", msg.get("metadata"))
        except (ValueError, TypeError) as exc:
            raise _Refused(str(exc)) from None
        return metadata, size, mime_type if isinstance(mime_type, str) else ""

    def _refusal(self, filename: str, kind: Any, mime: str, size: int) -> str:
        """Why the kernel refuses a file before any byte moves (the browser checks the same first)."""
        if kind != "voice" and not accepts(self.accept, filename, mime):
            return f"type not accepted here ({self.accept})"
        limit = self.size_limit
        if limit and size > limit:
            return too_large(size, limit)
        return ""

    def _record(self, fid: str, msg: dict[str, Any], metadata: FileMetadata, size: int, *, path: Any) -> UploadResult:
        """A new entry of ``uploads``, placed where the browser shows its row (by the time and number
        it was added there; files without them go last, in arrival order)."""
        added, n = msg.get("added"), msg.get("n")
        known = all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (added, n))
        order = (float(added), float(n)) if known else (math.inf, float(next(self._arrivals)))  # type: ignore[arg-type]
        result = UploadResult(
            id=fid,
            filename=metadata.filename,
            kind=upload_kind_of(metadata).name,
            size=size,
            metadata=metadata,
            path=path,
            order=order,
        )
        at = bisect.bisect_right([u.order for u in self.uploads], order)
        self.uploads.insert(at, result)
        return result

    def _refused(self, fid: str, msg: dict[str, Any]) -> None:
        """A file the browser refused itself (too large, type not accepted): none of its bytes were
        sent, but ``uploads`` lists it with the reason, as its row does."""
        if fid in self._transfers or any(u.id == fid for u in self.uploads):
            return
        metadata, size, _mime = self._describe(msg)
        reason = msg.get("reason")
        result = self._record(fid, msg, metadata, size, path="none")
        result.status = "error"
        result.error = reason if isinstance(reason, str) and reason else "refused by the browser"
        self._sync_rows()

    async def _offer_direct(self, transfer: Transfer) -> None:
        fid = transfer.result.id
        try:
            target = await self.session.upload_target(TARGET_TTL)
        except TalkError:
            self._answer({"op": "no_direct", "id": fid})
            return
        self._answer(
            {
                "op": "direct",
                "id": fid,
                "url": target.url,
                "token": target.token,
                "fields": transfer.result.metadata.form_fields(),
                "expires_in": TARGET_TTL,
            }
        )

    async def _send_target(self, request_id: str) -> None:
        """An upload target ahead of any file (``{op: "target"}``), so that the browser's next
        direct upload needs no round trip to the kernel first."""
        if not self.direct:
            self.send({"op": "no_direct", "id": request_id})
            return
        try:
            target = await self.session.upload_target(TARGET_TTL)
        except TalkError:
            self.send({"op": "no_direct", "id": request_id})
            return
        msg = {"op": "target", "id": request_id, "url": target.url, "token": target.token, "expires_in": TARGET_TTL}
        self.send(msg)

    def _chunk(self, fid: str, msg: dict[str, Any], buffers: list[Any]) -> None:
        transfer = self._transfers.get(fid)
        if transfer is None and self._ended(fid):
            return  # sent before the browser heard that its transfer ended (failed, cancelled)
        pipe = transfer.pipe if transfer is not None else None
        if transfer is None or pipe is None or transfer.ended:
            raise _Refused("chunk for a transfer that is not running")
        if not buffers:
            raise _Refused("a chunk message needs its bytes as a buffer")
        try:
            pipe.put(msg.get("seq"), msg.get("offset"), memoryview(buffers[0]).cast("B"))
        except ChunkRefused as exc:
            raise _Refused(str(exc)) from None

    def _ack(self, fid: str, seq: int, taken: int) -> None:
        self.send({"op": "ack", "id": fid, "seq": seq, "received": taken})

    def _end(self, fid: str) -> None:
        transfer = self._transfers.get(fid)
        if transfer is None and self._ended(fid):
            return  # e.g. the upload finished as the last chunk went out, before this message came
        if transfer is None or transfer.pipe is None or transfer.ended:
            raise _Refused("end for a transfer that is not running")
        if transfer.pipe.received != transfer.result.size:
            raise _Refused(f"received {transfer.pipe.received} of {transfer.result.size} bytes")
        transfer.ended = True
        transfer.result.status = "uploading"
        self._sync_rows()

    async def _upload(self, transfer: Transfer, pipe: ChunkPipe) -> None:
        """The backend upload of a chunked transfer, from ``begin`` on: it takes the chunks as they come."""
        result = transfer.result
        try:
            token = await self.session.upload(pipe.stream(), result.metadata)
        except asyncio.CancelledError:
            raise
        except (TalkError, OSError) as exc:
            self._fail(result.id, str(exc))
            return
        self._discard(transfer)
        self._finish(result, token)

    def _direct_done(self, fid: str, msg: dict[str, Any]) -> None:
        transfer = self._transfers.get(fid)
        token = msg.get("file_token")
        if transfer is None or transfer.result.path != "direct":
            raise _Refused("direct_done for a transfer that is not running")
        if not isinstance(token, str) or not token:
            raise _Refused("direct_done needs the file token")
        self._discard(transfer)
        self._finish(transfer.result, FileToken(token))

    def _direct_failed(self, fid: str, msg: dict[str, Any]) -> None:
        transfer = self._transfers.get(fid)
        if transfer is not None:
            log.info(
                "direct upload of %s failed (%s); falling back to chunks", transfer.result.filename, msg.get("reason")
            )

    def _cancel(self, fid: str) -> None:
        transfer = self._transfers.get(fid)
        if transfer is None:
            return
        self._discard(transfer)
        transfer.result.status = "cancelled"
        self._sync_rows()

    # -- bookkeeping ----------------------------------------------------------------------------

    def _ended(self, fid: str) -> bool:
        """Whether ``fid`` was a transfer that is over (its outcome already went to the browser)."""
        return any(u.id == fid and u.status in ("done", "error", "cancelled") for u in self.uploads)

    def _finish(self, result: UploadResult, token: FileToken) -> None:
        result.token = token
        result.status = "done"
        self._answer({"op": "done", "id": result.id})
        for callback in list(self._callbacks):
            self._run_callback("on_upload", callback, token, result.metadata)

    def _fail(self, fid: str, reason: str, *, op: str = "failed") -> None:
        transfer = self._transfers.get(fid)
        if transfer is None:
            self.send({"op": op, "id": fid, "reason": reason})
            return
        self._discard(transfer)
        transfer.result.status = "error"
        transfer.result.error = reason
        self._answer({"op": op, "id": fid, "reason": reason})

    def _answer(self, msg: dict[str, Any]) -> None:
        """Send the message a transfer waits for, then the ``rows`` it changed.

        In this order: jupyter_server does not set TCP_NODELAY on the kernel's WebSocket, so a
        small frame written right behind another waits for the browser's delayed ACK (about 40 ms
        on Linux). The rows update only redraws what the browser already shows; it may wait.
        """
        self.send(msg)
        self._sync_rows()

    def _discard(self, transfer: Transfer) -> None:
        """The transfer is over: forget its chunks and abort its upload if it still runs (the
        backend then sees the request cut short and keeps nothing)."""
        if transfer.pipe is not None:
            transfer.pipe.drop()
        task = transfer.task
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
        self._transfers.pop(transfer.result.id, None)

    def _sync_rows(self) -> None:
        self.rows = [
            {
                "id": u.id,
                "name": u.filename,
                "kind": u.kind,
                "size": u.size,
                "metadata": to_json(u.metadata),
                "status": u.status,
                "error": u.error,
                "path": u.path,
            }
            for u in self.uploads
        ]

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def _on_loop(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run ``coro`` as one of this widget's tasks on the session's loop, from any thread (once
        that loop runs, if it does not now)."""
        loop = self.session.loop
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._spawn(coro)
        elif loop.is_closed():
            coro.close()
        else:
            loop.call_soon_threadsafe(self._spawn, coro)


class _Refused(Exception):
    """A browser message the kernel will not act on; the reason goes back to the row."""
