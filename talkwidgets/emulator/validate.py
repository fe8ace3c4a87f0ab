"""Checks of request bodies and query strings; every failure is a 400 with a readable reason."""

from __future__ import annotations

import math
import re
from typing import Any

from .errors import InvalidError

MAX_ID = 255
MAX_NAME = 1_000
MAX_CUSTOM_KEYS = 100
MAX_CUSTOM_VALUE = 10_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_INTEGER = re.compile(r"-?[0-9]{1,18}")

SUBTYPES = ("image", "video", "audio", "voice")


def check_id(kind: str, value: Any) -> str:
    """Ids are caller-chosen strings: non-empty, at most 255 chars, no control characters."""
    if not isinstance(value, str) or not value:
        raise InvalidError(f"{kind} must be a non-empty string")
    if len(value) > MAX_ID:
        raise InvalidError(f"{kind} is longer than {MAX_ID} characters")
    if _CONTROL.search(value):
        raise InvalidError(f"{kind} contains control characters")
    return value


def expect_object(body: Any, what: str = "request body") -> dict[str, Any]:
    if not isinstance(body, dict):
        raise InvalidError(f"{what} must be a JSON object")
    return body


def take_path_id(body: dict[str, Any], path_id: str, kind: str) -> None:
    """Drop an ``id`` field equal to the id in the path (TalkJS's own examples send one); a
    different one is a 400, never a silent move to another id."""
    if "id" in body:
        if body["id"] != path_id:
            raise InvalidError(f"the body's id {body['id']!r:.80} differs from the {kind} in the path {path_id!r}")
        del body["id"]


def reject_unknown(body: dict[str, Any], allowed: tuple[str, ...], what: str) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise InvalidError(f"{what}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(allowed)}")


def opt_str(body: dict[str, Any], key: str, max_len: int = MAX_NAME, *, nullable: bool = True) -> None:
    if key not in body:
        return
    value = body[key]
    if value is None and nullable:
        return
    if not isinstance(value, str):
        raise InvalidError(f"{key} must be a string{' or null' if nullable else ''}")
    if len(value) > max_len:
        raise InvalidError(f"{key} is longer than {max_len} characters")


def opt_str_list(body: dict[str, Any], key: str, max_items: int = 100, max_len: int = MAX_NAME) -> None:
    if key not in body or body[key] is None:
        return
    value = body[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidError(f"{key} must be an array of strings or null")
    if len(value) > max_items:
        raise InvalidError(f"{key} has more than {max_items} entries")
    if any(len(v) > max_len for v in value):
        raise InvalidError(f"an entry of {key} is longer than {max_len} characters")


def opt_custom(body: dict[str, Any], key: str = "custom") -> None:
    """``custom`` maps strings to strings; ``null`` values delete keys. An empty array is read as
    an empty object (PHP's ``json_encode`` writes an empty map that way)."""
    if key not in body or body[key] is None:
        return
    if body[key] == []:
        body[key] = {}
    value = body[key]
    if not isinstance(value, dict):
        raise InvalidError(f"{key} must be an object of strings")
    if len(value) > MAX_CUSTOM_KEYS:
        raise InvalidError(f"{key} has more than {MAX_CUSTOM_KEYS} keys")
    for k, v in value.items():
        if not k or len(k) > MAX_ID:
            raise InvalidError(f"{key} keys must be 1..{MAX_ID} characters")
        if v is not None and not isinstance(v, str):
            raise InvalidError(f"{key}[{k!r}] must be a string or null, not {type(v).__name__}")
        if isinstance(v, str) and len(v) > MAX_CUSTOM_VALUE:
            raise InvalidError(f"{key}[{k!r}] is longer than {MAX_CUSTOM_VALUE} characters")


def notify_value(value: Any) -> bool | str:
    if isinstance(value, bool):
        return value
    if value == "MentionsOnly":
        return "MentionsOnly"
    raise InvalidError('notify must be true, false or "MentionsOnly"')


def access_value(value: Any, *, allow_none: bool = False) -> str:
    allowed = ("ReadWrite", "Read", "None") if allow_none else ("ReadWrite", "Read")
    if value not in allowed:
        raise InvalidError(f"access must be one of {', '.join(allowed)}")
    return str(value)


def query_int(
    params: Any, key: str, *, default: int | None = None, lo: int | None = None, hi: int | None = None
) -> int | None:
    """An integer query parameter; out of range is a 400, never silently clamped."""
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    if not _INTEGER.fullmatch(raw):
        raise InvalidError(f"{key} must be an integer, got {raw!r}")
    value = int(raw)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise InvalidError(f"{key} must be between {lo} and {hi}, got {value}")
    return value


def query_bool(params: Any, key: str) -> bool:
    raw = params.get(key)
    if raw in (None, "", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    raise InvalidError(f"{key} must be true or false, got {raw!r}")


def positive_int_field(raw: str, key: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise InvalidError(f"{key} must be a positive integer, got {raw!r}") from None
    if value <= 0:
        raise InvalidError(f"{key} must be a positive integer, got {value}")
    return value


def duration_field(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise InvalidError(f"duration must be a number of seconds, got {raw!r}") from None
    if not math.isfinite(value) or value < 0:
        raise InvalidError(f"duration must be a finite, non-negative number, got {raw!r}")
    return value


def filename(value: Any) -> str:
    """Filenames are data, never paths: kept as given, but bounded and free of control characters."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidError("the file needs a non-empty filename")
    if len(value) > MAX_ID:
        raise InvalidError(f"filename is longer than {MAX_ID} characters")
    if _CONTROL.search(value):
        raise InvalidError("filename contains NUL or control characters")
    return value
