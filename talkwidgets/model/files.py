"""Upload metadata: the five spec classes, validated on construction.

The names are exactly the Flutter/JS ones. ``filename`` may be given
positionally (``ImageFileMetadata("cat.png", width=640)``); everything else is
keyword-only. Invalid values fail early, here, rather than as a server
rejection later: wrong types raise ``TypeError``, wrong values raise
``InvalidArgumentError`` (a ``ValueError``).
"""

from __future__ import annotations

import math
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Any, ClassVar, NewType, Union

from .errors import InvalidArgumentError

if TYPE_CHECKING:
    from .content import FileBlock

__all__ = [
    "FileToken",
    "GenericFileMetadata",
    "ImageFileMetadata",
    "VideoFileMetadata",
    "AudioFileMetadata",
    "VoiceRecordingFileMetadata",
    "FileMetadata",
    "METADATA_BY_SUBTYPE",
    "metadata_from_block",
]

FileToken = NewType("FileToken", str)
"""Opaque token returned by an upload; send it as ``{"type": "file", "fileToken": ...}``.
Its format may change, so do not persist it."""


MAX_FILENAME = 255
"""The longest filename a backend keeps (the emulator's limit; TalkJS states none)."""


def _check_filename(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"filename must be a str, got {type(value).__name__}")
    if not value.strip():
        raise InvalidArgumentError("filename must not be empty or only whitespace")
    if len(value) > MAX_FILENAME:
        raise InvalidArgumentError(f"filename must be at most {MAX_FILENAME} characters")
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        raise InvalidArgumentError("filename must not contain NUL or control characters")
    return value


def _check_dimension(name: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int or None, got {type(value).__name__}")
    if value <= 0:
        raise InvalidArgumentError(f"{name} must be a positive number of pixels, got {value}")
    return value


def _check_duration(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"duration must be a number of seconds or None, got {type(value).__name__}")
    result = float(value)
    if not math.isfinite(result) or result < 0:
        raise InvalidArgumentError(f"duration must be finite and non-negative, got {value!r}")
    return result


def _format_number(value: float) -> str:
    """Render like JS ``String(n)``: ``3`` not ``3.0``, so servers parse it either way."""
    return str(int(value)) if value.is_integer() else repr(value)


@dataclass(frozen=True, slots=True)
class GenericFileMetadata:
    """Metadata for ``upload_file``: only the name (with extension)."""

    subtype: ClassVar[str | None] = None

    filename: str

    def __post_init__(self) -> None:
        _check_filename(self.filename)

    def form_fields(self) -> dict[str, str]:
        """Multipart fields for ``POST /files`` besides the file part itself."""
        return {}


@dataclass(frozen=True, slots=True)
class ImageFileMetadata:
    """Metadata for ``upload_image``; width and height in pixels, if known."""

    subtype: ClassVar[str | None] = "image"

    filename: str
    _: KW_ONLY
    width: int | None = None
    height: int | None = None

    def __post_init__(self) -> None:
        _check_filename(self.filename)
        _check_dimension("width", self.width)
        _check_dimension("height", self.height)

    def form_fields(self) -> dict[str, str]:
        """Multipart fields for ``POST /files`` besides the file part itself."""
        return _fields(self.subtype, self.width, self.height, None)


@dataclass(frozen=True, slots=True)
class VideoFileMetadata:
    """Metadata for ``upload_video``; pixels and seconds, each if known."""

    subtype: ClassVar[str | None] = "video"

    filename: str
    _: KW_ONLY
    width: int | None = None
    height: int | None = None
    duration: float | None = None

    def __post_init__(self) -> None:
        _check_filename(self.filename)
        _check_dimension("width", self.width)
        _check_dimension("height", self.height)
        object.__setattr__(self, "duration", _check_duration(self.duration))

    def form_fields(self) -> dict[str, str]:
        """Multipart fields for ``POST /files`` besides the file part itself."""
        return _fields(self.subtype, self.width, self.height, self.duration)


@dataclass(frozen=True, slots=True)
class AudioFileMetadata:
    """Metadata for ``upload_audio``; duration in seconds, if known."""

    subtype: ClassVar[str | None] = "audio"

    filename: str
    _: KW_ONLY
    duration: float | None = None

    def __post_init__(self) -> None:
        _check_filename(self.filename)
        object.__setattr__(self, "duration", _check_duration(self.duration))

    def form_fields(self) -> dict[str, str]:
        """Multipart fields for ``POST /files`` besides the file part itself."""
        return _fields(self.subtype, None, None, self.duration)


@dataclass(frozen=True, slots=True)
class VoiceRecordingFileMetadata:
    """Metadata for ``upload_voice``; same data as audio, rendered as a voice note."""

    subtype: ClassVar[str | None] = "voice"

    filename: str
    _: KW_ONLY
    duration: float | None = None

    def __post_init__(self) -> None:
        _check_filename(self.filename)
        object.__setattr__(self, "duration", _check_duration(self.duration))

    def form_fields(self) -> dict[str, str]:
        """Multipart fields for ``POST /files`` besides the file part itself."""
        return _fields(self.subtype, None, None, self.duration)


def _fields(subtype: str | None, width: int | None, height: int | None, duration: float | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if subtype is not None:
        out["subtype"] = subtype
    if width is not None:
        out["width"] = str(width)
    if height is not None:
        out["height"] = str(height)
    if duration is not None:
        out["duration"] = _format_number(duration)
    return out


FileMetadata = Union[
    GenericFileMetadata,
    ImageFileMetadata,
    VideoFileMetadata,
    AudioFileMetadata,
    VoiceRecordingFileMetadata,
]

METADATA_BY_SUBTYPE: dict[str | None, type[Any]] = {
    None: GenericFileMetadata,
    "image": ImageFileMetadata,
    "video": VideoFileMetadata,
    "audio": AudioFileMetadata,
    "voice": VoiceRecordingFileMetadata,
}
"""Wire ``subtype`` → metadata class; ``None`` is the generic file."""


def metadata_from_block(block: FileBlock) -> FileMetadata:
    """Rebuild upload metadata from a received file block.

    Unknown subtypes give ``GenericFileMetadata``. Raises like the
    constructors if the block carries values the metadata would reject
    (e.g. an empty filename).
    """
    cls = METADATA_BY_SUBTYPE.get(getattr(block, "subtype", None), GenericFileMetadata)
    kwargs: dict[str, Any] = {}
    for name in ("width", "height", "duration"):
        if name in cls.__dataclass_fields__:
            kwargs[name] = getattr(block, name, None)
    result: FileMetadata = cls(block.filename, **kwargs)
    return result
