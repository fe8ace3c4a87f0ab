"""Checking the arguments of refs' methods and turning them into REST bodies.

Every public method checks its arguments before any I/O and raises ``InvalidArgumentError``
naming the bad value (JS throws synchronously there). A parameter left out means "unchanged"; a
``None`` means "reset" (the JS ``undefined``/``null`` split).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..model.content import TextBlock
from ..model.errors import InvalidArgumentError
from ..model.markup import parse_markup
from ..model.wire import content_to_wire

UNSET: Any = object()
"""The default of parameters whose ``None`` means "reset": left out means "unchanged"."""

USER_PARAMS = {
    "name": "name",
    "custom": "custom",
    "locale": "locale",
    "photo_url": "photoUrl",
    "role": "role",
    "welcome_message": "welcomeMessage",
    "email": "email",
    "phone": "phone",
}
CONVERSATION_PARAMS = {
    "subject": "subject",
    "photo_url": "photoUrl",
    "welcome_messages": "welcomeMessages",
    "custom": "custom",
}
PARTICIPANT_DEFAULTS: dict[str, Any] = {"access": "ReadWrite", "notify": True}
"""What ``None`` resets a participant's settings to (TalkJS's defaults)."""


def check_id(kind: str, value: object) -> str:
    """Ids must be non-empty strings: raise at once, as the JS SDK throws synchronously."""
    if not isinstance(value, str) or not value:
        raise InvalidArgumentError(f"{kind} id must be a non-empty string, got {value!r}")
    return value


def check_callback(on_snapshot: object, name: str = "on_snapshot") -> None:
    if on_snapshot is not None and not callable(on_snapshot):
        raise InvalidArgumentError(f"{name} must be callable or None, got {on_snapshot!r}")


def check_custom(value: object, what: str = "custom", *, patch: bool = True) -> dict[str, str | None]:
    """``custom`` maps strings to strings; in a patch a ``None`` value deletes that key."""
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and (isinstance(v, str) or (patch and v is None)) for k, v in value.items()
    ):
        rule = " (None deletes a key)" if patch else ""
        raise InvalidArgumentError(f"{what} must map strings to strings{rule}, got {value!r}")
    return dict(value)


def wire_params(params: dict[str, Any], mapping: dict[str, str], what: str) -> dict[str, Any]:
    """Keyword parameters → a REST body with camelCase keys (``custom`` keys are never renamed)."""
    body: dict[str, Any] = {}
    for key, value in params.items():
        if key not in mapping:
            raise InvalidArgumentError(f"{what}: unknown parameter {key!r}; known: {', '.join(mapping)}")
        if key == "custom" and value is not None:
            value = check_custom(value, f"{what}: custom")
        if key in ("email", "phone", "welcome_messages") and value is not None:
            if isinstance(value, str):
                value = [value]
            value = list(value)
        body[mapping[key]] = value
    return body


def participant_settings(access: Any, notify: Any) -> dict[str, Any]:
    """``access``/``notify`` for a participant body; ``None`` resets to the default (never the
    REST ``access: "None"``, which would remove the participant)."""
    body: dict[str, Any] = {}
    if access is not UNSET:
        if access is not None and access not in ("ReadWrite", "Read"):
            raise InvalidArgumentError(f"access must be 'ReadWrite', 'Read' or None, got {access!r}")
        body["access"] = PARTICIPANT_DEFAULTS["access"] if access is None else access
    if notify is not UNSET:
        if notify is not None and not isinstance(notify, bool) and notify != "MentionsOnly":
            raise InvalidArgumentError(f"notify must be True, False, 'MentionsOnly' or None, got {notify!r}")
        body["notify"] = PARTICIPANT_DEFAULTS["notify"] if notify is None else notify
    return body


def text_content(text: object) -> list[dict[str, Any]]:
    """A message's text as one text block, parsed as TalkJS markup with what users may send:
    formatting, code, lists, autolinks, mentions; ``<url|label>`` links and action links or
    buttons stay plain text (as in ``@talkjs/core`` 1.5.1)."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidArgumentError(f"text must be a non-empty string, got {text!r}")
    nodes = parse_markup(text, formatted_links=False, actions=False)
    return content_to_wire([TextBlock(children=nodes)])


def one_block(content: object) -> list[dict[str, Any]]:
    """``content``: exactly one content block (TalkJS's ``[SendContentBlock]``), as wire JSON."""
    if isinstance(content, (str, bytes)) or not isinstance(content, Sequence) or len(content) != 1:
        raise InvalidArgumentError(
            f"content must be a list of exactly one content block (a TextBlock, a file block or a "
            f"LocationBlock), got {content!r}"
        )
    try:
        return content_to_wire(content)
    except TypeError as exc:
        raise InvalidArgumentError(str(exc)) from exc


def check_count(value: object, lo: int, hi: int, name: str = "count") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise InvalidArgumentError(f"{name} must be an integer from {lo} to {hi}, got {value!r}")
    return value


__all__ = [
    "CONVERSATION_PARAMS",
    "PARTICIPANT_DEFAULTS",
    "UNSET",
    "USER_PARAMS",
    "check_callback",
    "check_count",
    "check_custom",
    "check_id",
    "one_block",
    "participant_settings",
    "text_content",
    "wire_params",
]
