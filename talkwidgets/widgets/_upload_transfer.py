"""A file handed to FileDrop (``UploadResult``), its transfer while it moves, and the chunked path's
pipe: browser chunks streamed into the backend upload while they still arrive.

The upload starts when the browser announces the file; each chunk goes into the request body as it
comes (no spool file, no second pass over the bytes), and is acknowledged when the upload takes it.
So at most ``window`` chunks wait here and one is being written: kernel memory is bounded by the
window whatever the file size, and the browser sends at the pace the backend takes the bytes.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from ..model.files import FileKind, FileMetadata, FileToken
from ..session import UploadStream


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
    path: Literal["chunked", "direct", "none"] = "chunked"
    """How the bytes travel; ``none`` for a file the browser refused (too large, type not accepted)."""
    sent: bool = False
    """Whether ``send_to`` already posted it."""
    order: tuple[float, float] = field(default=(math.inf, 0), repr=False, compare=False)
    """Where the browser shows it: (time it was added, in ms; its number on that page)."""


@dataclass
class Transfer:
    """What the widget knows of one file still moving (chunked or direct)."""

    result: UploadResult
    mime: str
    pipe: ChunkPipe | None = None
    """The chunked path's bytes on their way into the upload (``None`` on the direct path)."""
    task: asyncio.Task[None] | None = None
    ended: bool = False


Ack = Callable[[int, int], None]
"""``ack(seq, taken)``: chunk ``seq`` went into the upload; ``taken`` bytes have so far."""


class ChunkRefused(ValueError):
    """A chunk that breaks the rules of docs/upload-protocol.md (order, size, window)."""


class ChunkPipe:
    """Chunks in arrival order, taken one at a time by the upload's body (see the module doc)."""

    def __init__(self, size: int, chunk_size: int, window: int, ack: Ack) -> None:
        self.size = size
        self.chunk_size = chunk_size
        self.window = window
        """What the browser was told in ``ready``; later changes of the widget's traits do not apply."""
        self.received = 0
        """Bytes put in so far (taken or waiting)."""
        self.next_seq = 0
        self._ack = ack
        self._waiting: deque[tuple[int, memoryview]] = deque()
        self._wakeup: asyncio.Future[None] | None = None

    def put(self, seq: Any, offset: Any, data: memoryview) -> None:
        """The next chunk, checked against the rules; no copy of its bytes is made here."""
        if seq != self.next_seq or offset != self.received:
            raise ChunkRefused(f"chunk {seq} out of order (expected {self.next_seq})")
        if data.nbytes > self.chunk_size:
            raise ChunkRefused(f"chunk of {data.nbytes} bytes is larger than chunk_size")
        if self.received + data.nbytes > self.size:
            raise ChunkRefused("more bytes than the announced size")
        if len(self._waiting) >= self.window:
            raise ChunkRefused(f"more than window={self.window} chunks unacknowledged")
        self._waiting.append((self.next_seq, data))
        self.next_seq += 1
        self.received += data.nbytes
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    @property
    def waiting(self) -> int:
        """Chunks received but not yet taken by the upload."""
        return len(self._waiting)

    def stream(self) -> UploadStream:
        """The bytes as ``session.upload`` takes them (exactly ``size`` of them)."""
        return UploadStream(self.size, self._chunks())

    async def _chunks(self) -> AsyncIterator[memoryview]:
        taken = 0
        while taken < self.size:
            while not self._waiting:
                self._wakeup = asyncio.get_running_loop().create_future()
                await self._wakeup
            seq, data = self._waiting.popleft()
            taken += data.nbytes
            # acknowledged as it leaves for the backend: the browser may send the next one
            self._ack(seq, taken)
            yield data

    def drop(self) -> None:
        """Forget the chunks not taken (the transfer ended); the caller cancels the upload."""
        self._waiting.clear()
