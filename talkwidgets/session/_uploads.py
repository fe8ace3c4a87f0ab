"""Reading upload data (bytes, binary file objects, paths) and probing media files for metadata."""

from __future__ import annotations

import io
import mimetypes
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Union

from ..model.errors import InvalidArgumentError
from ..model.files import (
    AudioFileMetadata,
    FileMetadata,
    GenericFileMetadata,
    ImageFileMetadata,
    VideoFileMetadata,
    VoiceRecordingFileMetadata,
)

UploadData = Union[bytes, bytearray, memoryview, IO[bytes], str, "os.PathLike[str]"]


@contextmanager
def open_upload(data: Any) -> Iterator[IO[bytes]]:
    """A binary stream over ``data``; paths are opened (and closed) here, file objects are borrowed."""
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
