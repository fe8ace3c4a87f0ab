"""``FileDrop``: dropped, picked or recorded files become file tokens with the right metadata class.

Bytes travel in acknowledged chunks through the widget's messages into an unnamed temporary file,
which is streamed to the backend; or, where the browser reaches the backend, straight from the
browser with a short-lived token sent by message. See docs/upload-protocol.md.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import anywidget
import traitlets

from ..model.content import SendFileBlock
from ..model.errors import InvalidArgumentError, TalkError
from ..model.files import UPLOAD_KIND_BY_NAME, FileKind, FileMetadata, FileToken, upload_kind_of
from ..model.wire import to_json
from ..session import ConversationRef, MessageRef, TalkSession
from ._loop import call_on_loop

log = logging.getLogger("talkwidgets.widgets")

_STATIC = Path(__file__).resolve().parent.parent / "static"
MiB = 1024 * 1024


@dataclass
class UploadResult:
    """One file handed to the widget, and what became of it."""

    id: str
    filename: str
    kind: FileKind
    size: int
    metadata: FileMetadata
    status: Literal["sending", "uploading", "done", "error", "cancelled"] = "sending"
    token: FileToken | None = field(default=None, repr=False)
    """The file token once ``status == "done"`` (send it in a message; do not store it)."""
    error: str = ""
    path: Literal["chunked", "direct"] = "chunked"
    sent: bool = False
    """Whether ``send_to`` already posted it."""


def build_metadata(kind: str, filename: str, values: Any) -> FileMetadata:
    """The spec's metadata class for ``kind``, keeping only the values that class has and that are
    valid; values the browser could not read stay ``None``."""
    entry = UPLOAD_KIND_BY_NAME.get(kind)
    if entry is None:
        raise InvalidArgumentError(f"unknown kind {kind!r}; expected one of {', '.join(UPLOAD_KIND_BY_NAME)}")
    values = values if isinstance(values, dict) else {}
    kwargs: dict[str, Any] = {}
    for key in ("width", "height"):
        v = values.get(key)
        if key in entry.field_names and _whole_positive(v):
            kwargs[key] = int(v)
    v = values.get("duration")
    if "duration" in entry.field_names and _finite_non_negative(v):
        kwargs["duration"] = float(v)
    return entry.metadata_class(filename, **kwargs)


def _finite_non_negative(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0


def _whole_positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 1 and float(value).is_integer()


def accepts(accept: str, name: str, mime: str) -> bool:
    """``<input accept>`` rules: extensions (``.pdf``), exact types and ``type/*`` wildcards."""
    patterns = [p.strip().lower() for p in accept.split(",") if p.strip()]
    if not patterns:
        return True
    name, mime = name.lower(), (mime or "").lower()
    for pattern in patterns:
        if pattern.startswith("."):
            if name.endswith(pattern):
                return True
        elif fnmatch.fnmatchcase(mime, pattern):
            return True
    return False


@dataclass
class _Transfer:
    result: UploadResult
    mime: str
    spool: IO[bytes] | None = None
    received: int = 0
    next_seq: int = 0
    task: asyncio.Task[None] | None = None


class FileDrop(anywidget.AnyWidget):
    """Drop zone, file picker and voice recorder that turn files into file tokens.

    ``widget.uploads`` lists every file with its metadata instance and token; ``on_upload``
    hears each finished one; ``await widget.send_to(conversation)`` posts them as messages.
    """

    _esm = _STATIC / "file_drop.js"
    _css = _STATIC / "file_drop.css"

    rows = traitlets.List(traitlets.Dict()).tag(sync=True)
    """One dict per file for the browser to show: id, name, kind, size, metadata, status, error, path.
    Never bytes, never tokens."""

    accept = traitlets.Unicode("").tag(sync=True)
    """Accepted types as in ``<input accept>``: ``"image/*,.pdf"``; empty accepts anything."""

    max_size = traitlets.Int(0).tag(sync=True)
    """Largest file in bytes (0: only the backend's own limit applies)."""

    multiple = traitlets.Bool(True).tag(sync=True)
    """Whether several files may be dropped or picked at once."""

    recorder = traitlets.Bool(True).tag(sync=True)
    """Show the record button for voice notes (needs microphone permission in the browser)."""

    direct = traitlets.Bool(True).tag(sync=True)
    """Let the browser upload straight to the backend when it can reach it (falls back to chunks)."""

    chunk_size = traitlets.Int(MiB).tag(sync=True)
    """Bytes per chunk on the chunked path (1 to 4 MiB)."""

    window = traitlets.Int(4).tag(sync=True)
    """Chunks in flight before the browser waits for acknowledgements (kernel memory bound)."""

    def __init__(self, session: TalkSession, **kwargs: Any) -> None:
        if not isinstance(session, TalkSession):
            raise TypeError(f"FileDrop needs a TalkSession, got {type(session).__name__}")
        super().__init__(**kwargs)
        self.session = session
        self.uploads: list[UploadResult] = []
        """Every file handed to the widget, in order, with its metadata instance and token."""
        self._transfers: dict[str, _Transfer] = {}
        self._callbacks: list[Callable[[FileToken, FileMetadata], Any]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self.on_msg(self._on_custom_msg)

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
        if proposal["value"] < 0:
            raise traitlets.TraitError("max_size must be 0 (no limit) or a positive number of bytes")
        return int(proposal["value"])

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
        """Stop every transfer (their spool files go with them) and close the widget."""
        for transfer in list(getattr(self, "_transfers", {}).values()):
            self._discard(transfer)
        for task in list(getattr(self, "_tasks", ())):
            task.cancel()
        super().close()

    # -- messages from the browser --------------------------------------------------------------

    def _on_custom_msg(self, _widget: Any, content: Any, buffers: list[Any]) -> None:
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
        except _Refused as exc:
            self._fail(fid, str(exc), op="rejected" if op in ("begin", "direct_begin") else "failed")

    def _begin(self, fid: str, msg: dict[str, Any], *, direct: bool) -> None:
        existing = self._transfers.get(fid)
        if existing is not None and not (existing.result.path == "direct" and not direct):
            raise _Refused(f"a transfer with id {fid!r} is already running")
        name, size, kind = msg.get("name"), msg.get("size"), msg.get("kind", "file")
        mime_type = msg.get("type")
        mime = mime_type if isinstance(mime_type, str) else ""
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise _Refused("size must be a non-negative integer")
        try:
            metadata = build_metadata(kind, name if isinstance(name, str) else "", msg.get("metadata"))
        except (ValueError, TypeError) as exc:
            raise _Refused(str(exc)) from None
        if not accepts(self.accept, metadata.filename, mime) and kind != "voice":
            raise _Refused(f"{metadata.filename}: this type is not accepted here ({self.accept})")
        if self.max_size and size > self.max_size:
            raise _Refused(f"{metadata.filename} is {size} bytes; the limit here is {self.max_size} bytes")
        if existing is not None:  # direct path failed: the same row continues with chunks
            result = existing.result
            result.path = "chunked"
        else:
            result = UploadResult(
                id=fid,
                filename=metadata.filename,
                kind=upload_kind_of(metadata).name,
                size=size,
                metadata=metadata,
                path="direct" if direct else "chunked",
            )
            self.uploads.append(result)
        transfer = self._transfers[fid] = _Transfer(result=result, mime=mime)
        result.status = "sending"
        self._sync_rows()
        if direct:
            if not self.direct:
                self.send({"op": "no_direct", "id": fid})
                return
            self._spawn(self._offer_direct(transfer))
            return
        # unnamed, so gone if we die; closed by _discard when the transfer ends
        transfer.spool = tempfile.TemporaryFile(prefix="talkwidgets-upload-")  # noqa: SIM115
        self.send({"op": "ready", "id": fid, "chunk_size": self.chunk_size, "window": self.window})

    async def _offer_direct(self, transfer: _Transfer) -> None:
        fid = transfer.result.id
        try:
            target = await self.session.upload_target()
        except TalkError:
            self.send({"op": "no_direct", "id": fid})
            return
        self.send(
            {
                "op": "direct",
                "id": fid,
                "url": target.url,
                "token": target.token,
                "fields": transfer.result.metadata.form_fields(),
            }
        )

    def _chunk(self, fid: str, msg: dict[str, Any], buffers: list[Any]) -> None:
        transfer = self._transfers.get(fid)
        if transfer is None or transfer.spool is None:
            raise _Refused("chunk for a transfer that is not running")
        if not buffers:
            raise _Refused("a chunk message needs its bytes as a buffer")
        data = memoryview(buffers[0]).cast("B")
        if msg.get("seq") != transfer.next_seq or msg.get("offset") != transfer.received:
            raise _Refused(f"chunk {msg.get('seq')} out of order (expected {transfer.next_seq})")
        if len(data) > self.chunk_size:
            raise _Refused(f"chunk of {len(data)} bytes is larger than chunk_size")
        if transfer.received + len(data) > transfer.result.size:
            raise _Refused("more bytes than the announced size")
        transfer.spool.write(data)
        transfer.received += len(data)
        transfer.next_seq += 1
        self.send({"op": "ack", "id": fid, "seq": transfer.next_seq - 1, "received": transfer.received})

    def _end(self, fid: str) -> None:
        transfer = self._transfers.get(fid)
        if transfer is None or transfer.spool is None or transfer.task is not None:
            raise _Refused("end for a transfer that is not running")
        if transfer.received != transfer.result.size:
            raise _Refused(f"received {transfer.received} of {transfer.result.size} bytes")
        transfer.result.status = "uploading"
        self._sync_rows()
        transfer.task = self._spawn(self._upload(transfer))

    async def _upload(self, transfer: _Transfer) -> None:
        result = transfer.result
        try:
            assert transfer.spool is not None
            transfer.spool.seek(0)
            token = await self.session.upload(transfer.spool, result.metadata)
        except asyncio.CancelledError:
            raise
        except (TalkError, OSError) as exc:
            self._fail(result.id, str(exc))
            return
        finally:
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
        if transfer.task is not None:
            transfer.task.cancel()
        self._discard(transfer)
        transfer.result.status = "cancelled"
        self._sync_rows()

    # -- bookkeeping ----------------------------------------------------------------------------

    def _finish(self, result: UploadResult, token: FileToken) -> None:
        result.token = token
        result.status = "done"
        self._sync_rows()
        self.send({"op": "done", "id": result.id})
        for callback in list(self._callbacks):
            try:
                outcome = callback(token, result.metadata)
                if asyncio.iscoroutine(outcome):
                    self._spawn(outcome)
            except Exception:
                log.exception("on_upload callback raised")

    def _fail(self, fid: str, reason: str, *, op: str = "failed") -> None:
        transfer = self._transfers.get(fid)
        if transfer is not None:
            self._discard(transfer)
            transfer.result.status = "error"
            transfer.result.error = reason
            self._sync_rows()
        self.send({"op": op, "id": fid, "reason": reason})

    def _discard(self, transfer: _Transfer) -> None:
        if transfer.spool is not None:
            transfer.spool.close()
            transfer.spool = None
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


class _Refused(Exception):
    """A browser message the kernel will not act on; the reason goes back to the row."""
