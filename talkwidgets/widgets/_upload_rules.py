"""The kernel's rules for files offered to an upload widget (the browser applies the same ones in
js/src/upload_core.ts): accepted types, metadata values, sizes in words for people."""

from __future__ import annotations

import fnmatch
import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ..model.errors import InvalidArgumentError
from ..model.files import UPLOAD_KIND_BY_NAME, FileMetadata

_UNITS = ("KiB", "MiB", "GiB", "TiB")


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


def format_bytes(n: int) -> str:
    """``351 B``, ``1.5 KiB``, ``25 MiB``, ``1.2 GiB``: powers of 1024 with their IEC names, the
    way upload limits are set (``--max-upload-mb 25`` is 26,214,400 bytes)."""
    if n < 1024:
        return f"{n} B"
    value = n / 1024
    unit = 0
    while value >= 1024 and unit < len(_UNITS) - 1:
        value /= 1024
        unit += 1
    # rounded half up, as the browser's toFixed/Math.round do, so both sides print the same
    step = Decimal(1) if value >= 10 else Decimal("0.1")
    text = str(Decimal(value).quantize(step, ROUND_HALF_UP)).removesuffix(".0")
    return f"{text} {_UNITS[unit]}"


def too_large(size: int, limit: int) -> str:
    """Why a ``size``-byte file is refused under ``limit``, with exact bytes when the rounded sizes
    would read the same ("25 MiB, the limit is 25 MiB" explains nothing)."""
    said, allowed = format_bytes(size), format_bytes(limit)
    if said == allowed:
        said, allowed = f"{size:,} bytes", f"{limit:,} bytes ({allowed})"
    return f"too large: {said}, the limit is {allowed}"
