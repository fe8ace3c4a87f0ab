"""Conversation filters: checked locally, sent to the server in camelCase, evaluated locally too.

A ``ConversationFilter`` is TalkJS's (``@talkjs/core`` 1.10+) with snake_case field names: a
``SimpleConversationFilter`` mapping, or the compound ``("any", [simple, ...])``. The server
evaluates it for list reads (``filter=`` on ``GET /users/{id}/conversations``); the session
evaluates the same filter itself for what live events change (a conversation that starts or
stops matching) and, against the TalkJS cloud, whose REST API has no filter, for every read.

Semantics (those of the emulator's SQL): fields are ANDed, ``custom`` keys are ANDed, ``any``
ORs its members. ``"!="``/``"!oneOf"`` are the negations of ``"=="``/``"oneOf"``, so they match a
missing ``custom`` key or a ``None`` subject. ``between`` includes its lower bound and excludes
its upper one. ``last_activity_at`` is ``max(last message's created_at, joined_at)``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypedDict

from ..model.errors import InvalidArgumentError

StringOp = Literal["==", "!=", "oneOf", "!oneOf"]
NumberOp = Literal[">", "<", ">=", "<=", "between", "!between"]

StringFilter = tuple[StringOp, Any]
"""``("==" | "!=", value)`` or ``("oneOf" | "!oneOf", [value, ...])``; lists work as well as tuples."""
NumberFilter = tuple[NumberOp, Any]
"""``(">" | "<" | ">=" | "<=", n)`` or ``("between" | "!between", (lo, hi))``; ``lo`` inclusive, ``hi`` exclusive."""
CustomFilter = Mapping[str, "StringFilter | Literal['exists', '!exists']"]
"""Custom key → a ``StringFilter``, ``"exists"`` or ``"!exists"`` (keys ANDed, never renamed)."""


class SimpleConversationFilter(TypedDict, total=False):
    """Every field optional; the given ones are ANDed."""

    access: StringFilter
    custom: CustomFilter
    is_unread: bool
    subject: StringFilter
    last_activity_at: NumberFilter
    created_at: NumberFilter
    has_messages: bool
    joined_at: NumberFilter


ConversationFilter = SimpleConversationFilter | tuple[Literal["any"], Sequence[SimpleConversationFilter]]

WIRE_KEYS = {
    "access": "access",
    "custom": "custom",
    "is_unread": "isUnread",
    "subject": "subject",
    "last_activity_at": "lastActivityAt",
    "created_at": "createdAt",
    "has_messages": "hasMessages",
    "joined_at": "joinedAt",
}
_STRING_OPS = ("==", "!=", "oneOf", "!oneOf")
_NUMBER_OPS = (">", "<", ">=", "<=", "between", "!between")
_NUMBER_FIELDS = ("last_activity_at", "created_at", "joined_at")


def _pair(value: Any, where: str, what: str = "an [operator, operand] pair") -> tuple[Any, Any]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise InvalidArgumentError(f"{where} must be {what}, got {value!r}")
    return value[0], value[1]


def _string_filter(value: Any, where: str, *, allowed: tuple[Any, ...] | None, nullable: bool) -> list[Any]:
    op, operand = _pair(value, where)
    if op not in _STRING_OPS:
        raise InvalidArgumentError(f"{where}: unknown operator {op!r}; use one of {', '.join(_STRING_OPS)}")

    def check(v: Any) -> Any:
        if v is None and nullable:
            return None
        if not isinstance(v, str):
            kind = "a string or None" if nullable else "a string"
            raise InvalidArgumentError(f"{where}: the operand must be {kind}, got {v!r}")
        if allowed is not None and v not in allowed:
            raise InvalidArgumentError(f"{where}: {v!r} is not one of {', '.join(map(repr, allowed))}")
        return v

    if op in ("oneOf", "!oneOf"):
        if isinstance(operand, (str, bytes)) or not isinstance(operand, (list, tuple)):
            raise InvalidArgumentError(f"{where}: {op!r} needs a list of values, got {operand!r}")
        return [op, [check(v) for v in operand]]
    return [op, check(operand)]


def _number(v: Any, where: str) -> int | float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise InvalidArgumentError(f"{where}: the operand must be a finite number, got {v!r}")
    return v


def _number_filter(value: Any, where: str) -> list[Any]:
    op, operand = _pair(value, where)
    if op not in _NUMBER_OPS:
        raise InvalidArgumentError(f"{where}: unknown operator {op!r}; use one of {', '.join(_NUMBER_OPS)}")
    if op in ("between", "!between"):
        lo, hi = _pair(operand, f"{where}: the operand of {op!r}", "a [low, high] pair")
        return [op, [_number(lo, where), _number(hi, where)]]
    return [op, _number(operand, where)]


def _simple_to_wire(simple: Any, where: str) -> dict[str, Any]:
    if not isinstance(simple, Mapping):
        raise InvalidArgumentError(f"{where} must be a mapping of filter fields, got {simple!r}")
    out: dict[str, Any] = {}
    for key, value in simple.items():
        if key not in WIRE_KEYS:
            raise InvalidArgumentError(f"{where}: unknown field {key!r}; known: {', '.join(WIRE_KEYS)}")
        at = f"{where}[{key!r}]"
        if key in ("is_unread", "has_messages"):
            if not isinstance(value, bool):
                raise InvalidArgumentError(f"{at} must be True or False, got {value!r}")
            out[WIRE_KEYS[key]] = value
        elif key == "access":
            out["access"] = _string_filter(value, at, allowed=("ReadWrite", "Read"), nullable=False)
        elif key == "subject":
            out["subject"] = _string_filter(value, at, allowed=None, nullable=True)
        elif key in _NUMBER_FIELDS:
            out[WIRE_KEYS[key]] = _number_filter(value, at)
        else:
            out["custom"] = _custom_to_wire(value, at)
    return out


def _custom_to_wire(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidArgumentError(f"{where} must map custom keys to filters, got {value!r}")
    out: dict[str, Any] = {}
    for ckey, cfilter in value.items():
        if not isinstance(ckey, str) or not ckey:
            raise InvalidArgumentError(f"{where}: custom keys must be non-empty strings, got {ckey!r}")
        if cfilter in ("exists", "!exists"):
            out[ckey] = cfilter
        else:
            out[ckey] = _string_filter(cfilter, f"{where}[{ckey!r}]", allowed=None, nullable=False)
    return out


def filter_to_wire(value: Any) -> Any:
    """Check a ``ConversationFilter``'s shape and give its wire form (camelCase field names).

    Raises ``InvalidArgumentError`` naming the bad part.
    """
    if isinstance(value, Mapping):
        return _simple_to_wire(value, "filter")
    if isinstance(value, (list, tuple)):
        if len(value) != 2 or value[0] != "any":
            raise InvalidArgumentError(f"a compound filter is ('any', [filter, ...]), got {value!r}")
        members = value[1]
        if isinstance(members, (str, bytes, Mapping)) or not isinstance(members, (list, tuple)):
            raise InvalidArgumentError(f"('any', ...) needs a list of simple filters, got {members!r}")
        return ["any", [_simple_to_wire(m, f"filter any[{n}]") for n, m in enumerate(members)]]
    raise InvalidArgumentError(f"filter must be a mapping or ('any', [...]), got {value!r}")


def filter_query(wire: Any) -> str:
    """The ``filter=`` query value: compact JSON (the HTTP client URL-encodes it)."""
    return json.dumps(wire, separators=(",", ":"), ensure_ascii=False)


# -- evaluation, on the wire forms of both the filter and a user-view conversation -------------------


def last_activity_at(conv: Mapping[str, Any]) -> int:
    """A user-view conversation's list key: ``max(lastMessage.createdAt, joinedAt)``."""
    last = conv.get("lastMessage") or {}
    return max(int(last.get("createdAt") or 0), int(conv.get("joinedAt") or 0))


def _string_matches(f: list[Any], value: Any) -> bool:
    op, operand = f
    if op == "==":
        return bool(value == operand)
    if op == "!=":
        return bool(value != operand)
    found = value in operand
    return found if op == "oneOf" else not found


def _number_matches(f: list[Any], value: int) -> bool:
    op, operand = f
    if op == ">":
        return bool(value > operand)
    if op == "<":
        return bool(value < operand)
    if op == ">=":
        return bool(value >= operand)
    if op == "<=":
        return bool(value <= operand)
    inside = bool(operand[0] <= value < operand[1])
    return inside if op == "between" else not inside


def _custom_matches(cond: Any, key: str, custom: Mapping[str, Any]) -> bool:
    if cond in ("exists", "!exists"):
        return (key in custom) is (cond == "exists")
    return _string_matches(cond, custom.get(key))


def _simple_matches(f: Mapping[str, Any], conv: Mapping[str, Any]) -> bool:
    for key, cond in f.items():
        if key == "access":
            ok = _string_matches(cond, conv.get("access") or "ReadWrite")
        elif key == "subject":
            ok = _string_matches(cond, conv.get("subject"))
        elif key == "isUnread":
            ok = bool(conv.get("isUnread")) == cond
        elif key == "hasMessages":
            ok = (conv.get("lastMessage") is not None) == cond
        elif key == "lastActivityAt":
            ok = _number_matches(cond, last_activity_at(conv))
        elif key in ("createdAt", "joinedAt"):
            ok = _number_matches(cond, int(conv.get(key) or 0))
        else:  # custom
            ok = all(_custom_matches(c, ckey, conv.get("custom") or {}) for ckey, c in cond.items())
        if not ok:
            return False
    return True


def filter_matches(wire_filter: Any, conv: Mapping[str, Any]) -> bool:
    """Whether a user-view conversation (REST JSON) matches a filter in its wire form."""
    if isinstance(wire_filter, Mapping):
        return _simple_matches(wire_filter, conv)
    return any(_simple_matches(member, conv) for member in wire_filter[1])


__all__ = [
    "ConversationFilter",
    "CustomFilter",
    "NumberFilter",
    "SimpleConversationFilter",
    "StringFilter",
    "filter_matches",
    "filter_query",
    "filter_to_wire",
    "last_activity_at",
]
