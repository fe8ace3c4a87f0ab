"""JSON from clients, parsed so that hostile documents become a clear 400 instead of a crash.

Python's ``json`` happily returns things the rest of the emulator cannot take: lone surrogates
(``"\\udfff"``) that SQLite and every UTF-8 encoder refuse, ``NaN``/``Infinity`` that no other JSON
parser reads back, integers too big for SQLite or a float, and nesting deep enough to exhaust the
stack. Everything that reaches a route, the seed loader or the live feed goes through
:func:`parse_json`, which refuses all of those with an :class:`InvalidError` naming the problem.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .errors import InvalidError

MAX_DEPTH = 100
"""Arrays and objects nested deeper than this are refused (real TalkJS bodies stay below 50)."""
MAX_INT = 2**63 - 1
"""Integers must fit SQLite's signed 64-bit integers."""


def _no_constants(name: str) -> Any:
    raise InvalidError(f"malformed JSON: {name} is not a JSON value")


def parse_json(raw: bytes | str, what: str = "request body") -> Any:
    """The JSON value in ``raw`` (UTF-8 bytes or text), checked by :func:`check_json_value`."""
    try:
        value = json.loads(raw, parse_constant=_no_constants)
    except RecursionError:
        raise InvalidError(f"{what} is nested more than {MAX_DEPTH} levels deep") from None
    except UnicodeDecodeError as exc:
        raise InvalidError(f"{what} is not valid UTF-8 (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise InvalidError(f"malformed JSON in the {what}: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except ValueError as exc:  # an integer literal over Python's 4,300-digit conversion limit
        if "digits" in str(exc):
            raise InvalidError(f"{what} holds an integer with more than 4,300 digits") from None
        raise InvalidError(f"malformed JSON in the {what}: {exc}") from None
    check_json_value(value, what)
    return value


def check_json_value(value: Any, what: str = "request body") -> None:
    """Refuse what :mod:`json` parsed but nothing downstream can store or echo (iteratively, so a
    deep document cannot exhaust the stack while being checked)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item, what)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not -MAX_INT - 1 <= item <= MAX_INT:
                raise InvalidError(f"{what} holds an integer outside the 64-bit range")
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise InvalidError(f"{what} holds a number too large to represent")
        elif isinstance(item, (list, dict)):
            if depth >= MAX_DEPTH:
                raise InvalidError(f"{what} is nested more than {MAX_DEPTH} levels deep")
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_text(key, what)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def has_surrogates(text: str) -> bool:
    """Whether ``text`` holds a lone UTF-16 surrogate (from a ``\\udXXX`` escape), which no
    UTF-8 encoder, SQLite included, can store."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_text(text: str, what: str) -> None:
    if has_surrogates(text):
        raise InvalidError(f"{what} holds a lone UTF-16 surrogate (a \\uD800-\\uDFFF escape without its pair)")


def safe_text(text: str) -> str:
    """``text`` with any lone surrogate written as a ``\\udXXX`` escape, so it can always be encoded
    (error reasons may quote client input)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
