"""Reading upload data (bytes, binary file objects, paths, streams) and probing media files for metadata."""

from __future__ import annotations

import io
import mimetypes
import os
import re
from collections.abc import AsyncIterable, AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Union

import httpx

from ..model.errors import InvalidArgumentError
from ..model.files import (
    AudioFileMetadata,
    FileMetadata,
    GenericFileMetadata,
    ImageFileMetadata,
    VideoFileMetadata,
    VoiceRecordingFileMetadata,
)


class UploadStream:
    """Bytes uploaded while they arrive: exactly ``size`` bytes from ``chunks``, an async iterable of
    bytes-like objects (``bytes``, ``bytearray``, ``memoryview``), for ``session.upload``.

    The request starts at once and takes each chunk as the connection can send it, so a file can go
    to the backend while it is still coming from elsewhere (FileDrop streams browser chunks this
    way) and is held in memory one chunk at a time. ``size`` is announced up front
    (``Content-Length``): a backend refuses a file over its limit before any byte moves, and a stream
    that ends early or runs long fails the upload (``InvalidArgumentError``) and nothing is stored.
    A stream can be read only once: such an upload is never retried.
    """

    def __init__(self, size: int, chunks: AsyncIterable[bytes | bytearray | memoryview]) -> None:
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise InvalidArgumentError(f"size must be a non-negative number of bytes, not {size!r}")
        if not hasattr(chunks, "__aiter__"):
            raise TypeError(f"chunks must be an async iterable of bytes, not {type(chunks).__name__}")
        self.size = size
        self.chunks = chunks


UploadData = Union[bytes, bytearray, memoryview, IO[bytes], str, "os.PathLike[str]", UploadStream]


def streamed_form(
    stream: UploadStream, filename: str, mime: str, fields: Mapping[str, str]
) -> tuple[dict[str, str], AsyncIterator[bytes | bytearray | memoryview]]:
    """The headers and body of a ``multipart/form-data`` upload whose file part is ``stream``.

    httpx encodes the form around an empty file part (the same boundary, field and filename
    encoding as an upload of bytes); the stream's chunks go between its two halves, unchanged.
    """
    empty = httpx.Request("POST", "http://upload.invalid/", files={"file": (filename, b"", mime)}, data=dict(fields))
    form = empty.read()
    boundary = empty.headers["content-type"].partition("boundary=")[2].encode("ascii")
    closing = b"\r\n--" + boundary + b"--\r\n"
    if not boundary or not form.endswith(closing):  # pragma: no cover - httpx's multipart layout changed
        raise RuntimeError("unexpected multipart layout from httpx")
    head = form[: -len(closing)]
    headers = {"Content-Type": empty.headers["content-type"], "Content-Length": str(len(form) + stream.size)}
    return headers, _body(head, stream, closing)


SEND_PIECE = 1024 * 1024
"""Largest piece of a stream's chunk handed to the connection at once. asyncio's socket transport
(Python 3.11) copies what the socket does not take at once into its own buffer and moves the rest
down after every send: 4 MiB chunks (FileDrop's default) written whole cost 3.0-3.2 CPU-s per GiB
with the embedded emulator in the same process, in views of 256 KiB to 2 MiB 1.7-1.8
(docs/benchmarks.md, Uploads)."""


def _pieces(chunk: bytes | bytearray | memoryview) -> Iterator[bytes | bytearray | memoryview]:
    """``chunk`` as views of at most :data:`SEND_PIECE` bytes (no copy, unless it is not contiguous:
    the HTTP connection joins what it sends, and a join needs contiguous bytes)."""
    view = memoryview(chunk)
    if not view.c_contiguous:
        view = memoryview(view.tobytes())
    elif view.nbytes <= SEND_PIECE:
        yield chunk
        return
    view = view.cast("B")
    for start in range(0, view.nbytes, SEND_PIECE):
        yield view[start : start + SEND_PIECE]


async def _body(head: bytes, stream: UploadStream, closing: bytes) -> AsyncIterator[bytes | bytearray | memoryview]:
    yield head
    sent = 0
    async for chunk in stream.chunks:
        sent += memoryview(chunk).nbytes
        if sent > stream.size:
            raise InvalidArgumentError(f"the upload stream gave more than its size of {stream.size} bytes")
        for piece in _pieces(chunk):
            yield piece
    if sent != stream.size:
        raise InvalidArgumentError(f"the upload stream ended after {sent} of its {stream.size} bytes")
    yield closing


@contextmanager
def open_upload(data: Any) -> Iterator[IO[bytes]]:
    """A binary stream over ``data``; paths are opened (and closed) here, file objects are borrowed."""
    if isinstance(data, UploadStream):
        raise TypeError("an UploadStream is sent as it arrives, not opened")
    if isinstance(data, (bytes, bytearray, memoryview)):
        if isinstance(data, memoryview) and not data.c_contiguous:
            data = data.tobytes()  # BytesIO needs a contiguous buffer
        yield io.BytesIO(data)
    elif isinstance(data, (str, os.PathLike)):
        path = Path(data)
        if not path.is_file():
            hint = (
                " (a str is read as a path; to upload text, pass bytes such as text.encode())"
                if isinstance(data, str)
                else ""
            )
            raise InvalidArgumentError(f"no such file: {path}{hint}")
        with path.open("rb") as fh:
            yield fh
    elif hasattr(data, "read"):
        probe = data.read(0)
        if not isinstance(probe, bytes):
            raise TypeError("file objects must be opened in binary mode ('rb')")
        yield data
    else:
        raise TypeError(f"data must be bytes-like, a binary file object or a path, not {type(data).__name__}")


_MANGLED_IN_MULTIPART = re.compile(r'["\x00-\x1a\x1c-\x1f]')
"""Characters httpx (like browsers) percent-encodes in a file part's filename; servers don't decode them."""


def upload_fields(metadata: FileMetadata, backend_kind: str) -> dict[str, str]:
    """The metadata's form fields, plus the exact ``filename`` when the file part would alter it.

    The emulator prefers a ``filename`` field to the part's name; the TalkJS cloud documents no
    such field, so it is never sent there.
    """
    fields: dict[str, str] = metadata.form_fields()
    if backend_kind != "cloud" and _MANGLED_IN_MULTIPART.search(metadata.filename):
        fields["filename"] = metadata.filename
    return fields


def content_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _ms_to_s(value: Any) -> float | None:
    try:
        seconds = float(value) / 1000.0
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def _pos_int(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def probe_file(path: str | os.PathLike[str], *, voice: bool = False) -> FileMetadata:
    """The metadata class and values for a media file, read from its content (not its extension).

    Uses pymediainfo (MediaInfo). Images give width/height, videos width/height/duration, audio its
    duration; anything else is a generic file. ``voice=True`` marks audio as a voice recording.
    """
    from pymediainfo import MediaInfo

    path = Path(path)
    if not path.is_file():
        raise InvalidArgumentError(f"no such file: {path}")
    name = path.name
    info = MediaInfo.parse(str(path))
    kinds = {t.track_type: t for t in info.tracks}
    general = kinds.get("General")
    if "Video" in kinds and not _is_still(kinds["Video"], general):
        t = kinds["Video"]
        duration = _ms_to_s(t.duration) or (_ms_to_s(general.duration) if general else None)
        return VideoFileMetadata(filename=name, width=_pos_int(t.width), height=_pos_int(t.height), duration=duration)
    if "Image" in kinds or "Video" in kinds:
        t = kinds.get("Image") or kinds["Video"]
        width, height = _pos_int(t.width), _pos_int(t.height)
        if width is None or height is None:  # MediaInfo (24.x) reports no size for WebP
            width, height = _webp_size(path) or (width, height)
        return ImageFileMetadata(filename=name, width=width, height=height)
    if "Audio" in kinds:
        t = kinds["Audio"]
        duration = _ms_to_s(t.duration) or (_ms_to_s(general.duration) if general else None)
        if voice:
            return VoiceRecordingFileMetadata(filename=name, duration=duration)
        return AudioFileMetadata(filename=name, duration=duration)
    return GenericFileMetadata(filename=name)


def _is_still(track: Any, general: Any) -> bool:
    """Animated GIF/WebP show up as a one-frame-or-more 'Video'; treat image formats as images."""
    fmt = (getattr(general, "format", None) or "").lower()
    return fmt in {"gif", "webp", "png", "jpeg", "bmp", "tiff"}


def _webp_size(path: Path) -> tuple[int, int] | None:
    """Canvas size from a WebP header (lossy ``VP8 ``, lossless ``VP8L`` or extended ``VP8X``)."""
    with path.open("rb") as fh:
        head = fh.read(30)
    if len(head) < 30 or head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        return None
    chunk = head[12:16]
    size: tuple[int, int] | None = None
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
        size = (int.from_bytes(head[26:28], "little") & 0x3FFF, int.from_bytes(head[28:30], "little") & 0x3FFF)
    elif chunk == b"VP8L" and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        size = ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    elif chunk == b"VP8X":
        size = (int.from_bytes(head[24:27], "little") + 1, int.from_bytes(head[27:30], "little") + 1)
    return size if size and all(size) else None
