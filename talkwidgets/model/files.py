"""Upload metadata: the five spec classes, validated on construction, and the one table of file kinds.

The names are exactly the Flutter/JS ones. ``filename`` may be given
positionally (``ImageFileMetadata("cat.png", width=640)``); everything else is
keyword-only. Invalid values fail early, here, rather than as a server
rejection later: wrong types raise ``TypeError``, wrong values raise
``InvalidArgumentError`` (a ``ValueError``).

:data:`UPLOAD_KINDS` is the only place that ties a metadata class to its upload method, to the
kind the upload widget names and to the wire ``subtype``; everything else looks it up.
"""

from __future__ import annotations

import math
from dataclasses import KW_ONLY, dataclass, fields
from typing import Any, ClassVar, Literal, NewType, Protocol

from .errors import InvalidArgumentError

__all__ = [
    "FileToken",
    "GenericFileMetadata",
    "ImageFileMetadata",
    "VideoFileMetadata",
    "AudioFileMetadata",
    "VoiceRecordingFileMetadata",
    "FileMetadata",
    "FileKind",
    "UploadKind",
    "UPLOAD_KINDS",
    "UPLOAD_KIND_BY_NAME",
    "UPLOAD_KIND_BY_METADATA",
    "METADATA_BY_SUBTYPE",
    "upload_kind_of",
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


FileMetadata = (
    GenericFileMetadata | ImageFileMetadata | VideoFileMetadata | AudioFileMetadata | VoiceRecordingFileMetadata
)

FileKind = Literal["file", "image", "video", "audio", "voice"]
"""What the upload widget calls each kind of file (``file`` is the generic one)."""


@dataclass(frozen=True)
class UploadKind:
    """One row of the file-kind table: a metadata class and what goes with it."""

    name: FileKind
    """The widget's name for the kind."""
    metadata_class: type[FileMetadata]
    upload_method: str
    """The ``TalkSession`` method that takes this metadata class (the spec's name, in snake_case)."""

    @property
    def subtype(self) -> str | None:
        """The wire ``subtype`` of the file block (``None`` for a generic file)."""
        return self.metadata_class.subtype

    @property
    def field_names(self) -> tuple[str, ...]:
        """The metadata fields besides ``filename`` (``width``, ``height``, ``duration``...)."""
        return tuple(f.name for f in fields(self.metadata_class) if f.name != "filename")


UPLOAD_KINDS: tuple[UploadKind, ...] = (
    UploadKind("file", GenericFileMetadata, "upload_file"),
    UploadKind("image", ImageFileMetadata, "upload_image"),
    UploadKind("video", VideoFileMetadata, "upload_video"),
    UploadKind("audio", AudioFileMetadata, "upload_audio"),
    UploadKind("voice", VoiceRecordingFileMetadata, "upload_voice"),
)
"""Metadata class → upload method → widget kind → wire subtype, for every kind of file."""

UPLOAD_KIND_BY_NAME: dict[str, UploadKind] = {k.name: k for k in UPLOAD_KINDS}
UPLOAD_KIND_BY_METADATA: dict[type[Any], UploadKind] = {k.metadata_class: k for k in UPLOAD_KINDS}

METADATA_BY_SUBTYPE: dict[str | None, type[FileMetadata]] = {k.subtype: k.metadata_class for k in UPLOAD_KINDS}
"""Wire ``subtype`` → metadata class; ``None`` is the generic file."""


def upload_kind_of(metadata: object) -> UploadKind:
    """The table row for a metadata instance (exactly its class: subclasses are not kinds).

    Raises ``TypeError`` for anything that is not one of the five metadata classes.
    """
    kind = UPLOAD_KIND_BY_METADATA.get(type(metadata))
    if kind is None:
        names = ", ".join(k.metadata_class.__name__ for k in UPLOAD_KINDS)
        raise TypeError(f"metadata must be one of {names}; got {type(metadata).__name__}")
    return kind


class FileBlockLike(Protocol):
    """What :func:`metadata_from_block` reads from a received file block (any of the block classes)."""

    @property
    def filename(self) -> str: ...

    @property
    def subtype(self) -> str | None: ...


def metadata_from_block(block: FileBlockLike) -> FileMetadata:
    """Rebuild upload metadata from a received file block.

    Unknown subtypes give ``GenericFileMetadata``. Raises like the
    constructors if the block carries values the metadata would reject
    (e.g. an empty filename).
    """
    cls = METADATA_BY_SUBTYPE.get(getattr(block, "subtype", None), GenericFileMetadata)
    kind = UPLOAD_KIND_BY_METADATA[cls]
    kwargs: dict[str, Any] = {name: getattr(block, name, None) for name in kind.field_names}
    return cls(block.filename, **kwargs)
