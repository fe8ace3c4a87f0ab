"""TalkJS's ``ConversationFilter`` as one SQL condition: the one evaluator of conversation
filters, used by the per-user conversation list, ``GET /conversations`` and search.

A filter arrives as JSON (``filter=`` in the query string): a ``SimpleConversationFilter``
object, or the compound ``["any", [simple, ...]]``. :func:`parse_filter` checks it completely and
compiles it; every refusal is an :class:`InvalidError` naming the bad part
(``filter.custom["category"]: unknown operator '=~' ...``), so a client sees what to fix.

Semantics (written once here, and in ``docs/emulator.md``): fields and ``custom`` keys are
ANDed, ``any`` ORs its members; ``"!="``/``"!oneOf"`` are the negations of ``"=="``/``"oneOf"``,
so they match a missing ``custom`` key or a ``null`` subject; ``between`` includes its lower
bound and excludes its upper one. The SQL reads conversation row ``c`` and, in a user view,
participant row ``p``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidError
from ..json_input import parse_json
from .queries.messages import PARTICIPANT_UNREAD_SQL
from .rules import CONVERSATION_ACTIVITY_SQL, USER_ACTIVITY_SQL

MAX_FILTER_CHARS = 16_384
"""A filter longer than this is refused (it travels in a URL)."""
MAX_ONE_OF = 1_000
"""Values in one ``oneOf``/``!oneOf`` list, and members of one ``any``."""
MAX_NUMBER = 2**62
"""Number operands beyond this are refused (SQLite's integers are 64-bit)."""

STRING_OPS = ("==", "!=", "oneOf", "!oneOf")
NUMBER_OPS = (">", "<", ">=", "<=", "between", "!between")
USER_VIEW_FIELDS = ("access", "custom", "isUnread", "subject", "lastActivityAt", "createdAt", "hasMessages", "joinedAt")
"""Fields of a filter on a user's conversation list (and on search)."""
APP_FIELDS = ("custom", "subject", "createdAt", "hasMessages", "lastActivityAt")
"""Fields of a filter on ``GET /conversations``: no user, so no user-specific fields."""

_SUBJECT_SQL = "json_extract(c.data, '$.subject')"
_CUSTOM_ENTRY = "SELECT 1 FROM json_each(c.data, '$.custom') WHERE key=?"


@dataclass(frozen=True, slots=True)
class Condition:
    """An SQL boolean expression over ``c`` (and ``p`` in user views) with its parameters."""

    sql: str
    params: tuple[Any, ...]


def parse_filter(raw: str | None, *, user_view: bool) -> Condition | None:
    """The ``filter=`` query value (URL-decoded JSON) compiled, or None when absent or empty."""
    if raw is None or not raw.strip():
        return None
    if len(raw) > MAX_FILTER_CHARS:
        raise InvalidError(f"filter is longer than {MAX_FILTER_CHARS} characters")
    try:  # the same checks as request bodies: lone surrogates, huge numbers, deep nesting
        value = parse_json(raw, "filter")
    except InvalidError as exc:
        raise InvalidError(f"filter is not valid JSON: {'; '.join(exc.reasons)}") from None
    return compile_filter(value, user_view=user_view)


def compile_filter(value: Any, *, user_view: bool) -> Condition:
    """A parsed filter (JSON value) as one SQL condition; see the module docstring."""
    fields = USER_VIEW_FIELDS if user_view else APP_FIELDS
    if isinstance(value, dict):
        return _simple(value, "filter", fields, user_view)
    if isinstance(value, list):
        if len(value) != 2 or value[0] != "any":
            raise InvalidError(f'filter: a compound filter is ["any", [filter, ...]], got {_show(value)}')
        members = value[1]
        if not isinstance(members, list):
            raise InvalidError(f'filter["any"] needs an array of simple filters, got {_show(members)}')
        if len(members) > MAX_ONE_OF:
            raise InvalidError(f'filter["any"] has more than {MAX_ONE_OF} members')
        parts = [_simple(m, f'filter["any"][{n}]', fields, user_view) for n, m in enumerate(members)]
        return _join(parts, " OR ", empty="0")
    raise InvalidError(f'filter must be an object or ["any", [...]], got {_show(value)}')


def _simple(value: Any, where: str, fields: tuple[str, ...], user_view: bool) -> Condition:
    if not isinstance(value, dict):
        raise InvalidError(f"{where} must be an object of filter fields, got {_show(value)}")
    parts: list[Condition] = []
    for key, cond in value.items():
        at = f"{where}.{key}"
        if key not in fields:
            if key in USER_VIEW_FIELDS:
                raise InvalidError(f"{at}: only a user's conversation list can filter on {key!r}")
            raise InvalidError(f"{where}: unknown field {key!r}; known: {', '.join(fields)}")
        if key in ("isUnread", "hasMessages"):
            if not isinstance(cond, bool):
                raise InvalidError(f"{at} must be true or false, got {_show(cond)}")
            sql = PARTICIPANT_UNREAD_SQL if key == "isUnread" else "c.last_message_id IS NOT NULL"
            parts.append(Condition(sql if cond else f"NOT {sql}", ()))
        elif key == "access":
            parts.append(_string(cond, at, "p.access", allowed=("ReadWrite", "Read"), nullable=False))
        elif key == "subject":
            parts.append(_string(cond, at, _SUBJECT_SQL, allowed=None, nullable=True))
        elif key == "custom":
            parts.append(_custom(cond, at))
        else:
            parts.append(_number(cond, at, _number_column(key, user_view)))
    return _join(parts, " AND ", empty="1")


def _number_column(key: str, user_view: bool) -> str:
    if key == "createdAt":
        return "c.created_at"
    if key == "joinedAt":
        return "p.joined_at"
    return USER_ACTIVITY_SQL if user_view else CONVERSATION_ACTIVITY_SQL  # lastActivityAt: the list's key


def _pair(value: Any, where: str) -> tuple[Any, Any]:
    if not isinstance(value, list) or len(value) != 2:
        raise InvalidError(f"{where} must be an [operator, operand] pair, got {_show(value)}")
    return value[0], value[1]


def _string(value: Any, where: str, column: str, *, allowed: tuple[str, ...] | None, nullable: bool) -> Condition:
    """A StringFilter on a column; ``IS`` comparisons so a NULL compares like a value."""
    op, operand = _pair(value, where)
    if op not in STRING_OPS:
        raise InvalidError(f"{where}: unknown operator {_show(op)}; use one of {', '.join(STRING_OPS)}")
    values = _string_operands(op, operand, where, allowed, nullable)
    matches = _join([Condition(f"{column} IS ?", (v,)) for v in values], " OR ", empty="0")
    return matches if op in ("==", "oneOf") else Condition(f"NOT {matches.sql}", matches.params)


def _custom(value: Any, where: str) -> Condition:
    """CustomFilter: per key ``exists``/``!exists`` or a StringFilter on the key's value."""
    if not isinstance(value, dict):
        raise InvalidError(f"{where} must map custom keys to filters, got {_show(value)}")
    parts: list[Condition] = []
    for key, cond in value.items():
        at = f"{where}[{json.dumps(key, ensure_ascii=False)}]"
        if not key:
            raise InvalidError(f"{where}: custom keys must be non-empty")
        if cond in ("exists", "!exists"):
            sql = f"EXISTS ({_CUSTOM_ENTRY})"
            parts.append(Condition(sql if cond == "exists" else f"NOT {sql}", (key,)))
            continue
        if isinstance(cond, str):
            raise InvalidError(f'{at}: use "exists", "!exists" or an [operator, operand] pair, got {_show(cond)}')
        op, operand = _pair(cond, at)
        if op not in STRING_OPS:
            raise InvalidError(f"{at}: unknown operator {_show(op)}; use one of {', '.join(STRING_OPS)}")
        values = _string_operands(op, operand, at, None, nullable=False)
        marks = ",".join("?" * len(values))
        sql = f"EXISTS ({_CUSTOM_ENTRY} AND value IN ({marks}))" if values else "0"
        # a missing key has no matching entry: "!=" and "!oneOf" match it, as negations
        parts.append(Condition(sql if op in ("==", "oneOf") else f"NOT {sql}", (key, *values) if values else ()))
    return _join(parts, " AND ", empty="1")


def _string_operands(
    op: str, operand: Any, where: str, allowed: tuple[str, ...] | None, nullable: bool
) -> list[str | None]:
    def check(v: Any) -> str | None:
        if v is None and nullable:
            return None
        if not isinstance(v, str):
            raise InvalidError(f"{where}: the operand must be a string{' or null' if nullable else ''}, got {_show(v)}")
        if allowed is not None and v not in allowed:
            raise InvalidError(f"{where}: {v!r} is not one of {', '.join(allowed)}")
        return v

    if op in ("oneOf", "!oneOf"):
        if not isinstance(operand, list):
            raise InvalidError(f"{where}: {op!r} needs an array of values, got {_show(operand)}")
        if len(operand) > MAX_ONE_OF:
            raise InvalidError(f"{where}: {op!r} takes at most {MAX_ONE_OF} values")
        return [check(v) for v in operand]
    return [check(operand)]


def _number(value: Any, where: str, column: str) -> Condition:
    op, operand = _pair(value, where)
    if op not in NUMBER_OPS:
        raise InvalidError(f"{where}: unknown operator {_show(op)}; use one of {', '.join(NUMBER_OPS)}")
    if op in ("between", "!between"):
        if not isinstance(operand, list) or len(operand) != 2:
            raise InvalidError(f"{where}: {op!r} needs a [low, high] pair, got {_show(operand)}")
        lo, hi = (_finite(v, where) for v in operand)
        sql = f"({column} >= ? AND {column} < ?)"  # low inclusive, high exclusive
        return Condition(sql if op == "between" else f"NOT {sql}", (lo, hi))
    return Condition(f"{column} {op} ?", (_finite(operand, where),))


def _finite(v: Any, where: str) -> int | float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise InvalidError(f"{where}: the operand must be a finite number, got {_show(v)}")
    if abs(v) > MAX_NUMBER:
        raise InvalidError(f"{where}: {v} is out of range (at most {MAX_NUMBER} in size)")
    return v


def _join(parts: list[Condition], glue: str, *, empty: str) -> Condition:
    if not parts:
        return Condition(empty, ())
    if len(parts) == 1:
        return Condition(f"({parts[0].sql})", parts[0].params)
    return Condition("(" + glue.join(f"({p.sql})" for p in parts) + ")", tuple(x for p in parts for x in p.params))


def _show(value: Any) -> str:
    """A short rendering of a bad value for a reason."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."
