"""Domain rules, each written once: what is unread, how patches merge, what a message derives
from its content, how lists are ordered and paged, how message times advance.

Pure functions and SQL fragments; queries, rendering and changes all use these.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import ForbiddenError, InvalidError

JSON = dict[str, Any]

USER_FIELDS = (
    "name",
    "email",
    "welcomeMessage",
    "photoUrl",
    "headerPhotoUrl",
    "role",
    "phone",
    "custom",
    "availabilityText",
    "locale",
    "pushTokens",
)
"""The fields a user PUT may set."""
CONVERSATION_FIELDS = ("subject", "photoUrl", "welcomeMessages", "custom", "topicId")
"""The fields a conversation PUT may set (``participants`` aside)."""
MERGED_MAPS = frozenset({"custom", "pushTokens"})
"""Fields whose value is a map patched key by key rather than replaced."""

# -- unread -------------------------------------------------------------------------------------

UNREAD_SQL = "(m.created_at > p.read_until AND (m.sender_id IS NULL OR m.sender_id <> p.user_id))"
"""SQL condition: message row ``m`` is unread for participant row ``p`` (same as :func:`is_unread`)."""


def is_unread(created_at: int, sender_id: str | None, user_id: str, read_until: int) -> bool:
    """A message is unread for a user when it is newer than their ``readUntil`` and not their own.

    A message created exactly at ``readUntil`` counts as read (same as :data:`UNREAD_SQL`)."""
    return created_at > read_until and sender_id != user_id


def read_by(created_at: int, sender_id: str | None, read_until: Mapping[str, int]) -> list[str]:
    """``readBy`` of a message: the participants (``user id -> readUntil``) other than the sender
    for whom it is not unread."""
    # not is_unread(created_at, sender_id, uid, until), spelled out: it runs for every participant
    # of every message sent
    return [uid for uid, until in read_until.items() if created_at <= until and uid != sender_id]


def read_until_now(now: int, last_message_at: int | None) -> int:
    """Marking read covers everything up to now, or up to the last message if that is later."""
    return max(now, last_message_at or 0)


# -- PATCH semantics ----------------------------------------------------------------------------


def merge_map(old: Mapping[str, Any] | None, patch: Mapping[str, Any] | None) -> JSON:
    """Patch a map (``custom``, ``pushTokens``) key by key: a ``None`` value deletes the key, any
    other value sets it; a ``None`` patch empties the map."""
    if patch is None:
        return {}
    merged = dict(old or {})
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def merge_fields(old: Mapping[str, Any], patch: Mapping[str, Any], fields: Iterable[str]) -> JSON:
    """PUT/PATCH of users and conversations: absent fields stay, ``None`` resets a field, and the
    maps in :data:`MERGED_MAPS` merge with :func:`merge_map`."""
    data = dict(old)
    for key in fields:
        if key not in patch:
            continue
        value = patch[key]
        if key in MERGED_MAPS:
            data[key] = merge_map(data.get(key), value)
        elif value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def require_name_for_new_user(user_id: str, patch: Mapping[str, Any]) -> None:
    """Creating a user needs a ``name`` (updates may leave it out)."""
    if not patch.get("name"):
        raise InvalidError(f"user {user_id!r} does not exist yet, so 'name' is required")


# -- messages -----------------------------------------------------------------------------------

_ALNUM = string.ascii_letters + string.digits
_ID_SPACE = len(_ALNUM) ** 22


def new_message_id() -> str:
    """``msg_`` and 22 alphanumerics, the shape TalkJS uses: one random number below 62**22 written
    in base 62 (one call to the system's random source instead of 22)."""
    number = secrets.randbelow(_ID_SPACE)
    digits = []
    for _ in range(22):
        number, digit = divmod(number, 62)
        digits.append(_ALNUM[digit])
    return "msg_" + "".join(digits)


def next_message_time(now: int, last_at: int | None) -> int:
    """Message times strictly increase within a conversation, so clients can order and
    de-duplicate by time."""
    return max(now, (last_at or 0) + 1)


def derived_fields(content: list[JSON]) -> JSON:
    """The legacy ``attachment`` and ``location`` fields, derived from the first file and the
    first location block of a message's content."""
    first_file = next((b for b in content if b["type"] == "file"), None)
    first_location = next((b for b in content if b["type"] == "location"), None)
    return {
        "attachment": {"url": first_file["url"], "size": first_file["size"]} if first_file else None,
        "location": [first_location["latitude"], first_location["longitude"]] if first_location else None,
    }


def with_text(content: list[JSON], text_block: JSON) -> list[JSON]:
    """A text-only edit: the new text block becomes the first block, other blocks (files, locations) stay."""
    return [text_block, *(b for b in content if b["type"] != "text")]


def sender_not_participant(sender: str, conversation_id: str) -> ForbiddenError:
    return ForbiddenError(
        f"sender {sender!r} is not a participant of conversation {conversation_id!r}", code="SENDER_NOT_PARTICIPANT"
    )


# -- participants -------------------------------------------------------------------------------


def require_room(count: int, max_participants: int) -> None:
    """A conversation holds at most ``max_participants`` participants."""
    if count > max_participants:
        raise InvalidError(f"a conversation has at most {max_participants} participants")


def user_not_found(user_id: str, role: str = "user") -> InvalidError:
    """Participants must be existing users (a 400: the body names them, the path does not)."""
    return InvalidError(f"{role} {user_id!r} does not exist; create the user first", code="USER_NOT_FOUND")


# -- ordering and paging ------------------------------------------------------------------------

CONVERSATION_ACTIVITY_SQL = "c.activity"
"""App-wide activity of conversation row ``c`` (:func:`conversation_activity`), kept in a column so
that lists walk an index."""
USER_ACTIVITY_SQL = "p.activity"
"""A participant's (``p``) activity in its conversation, ``lastActivityAt`` (:func:`user_activity`),
kept in a column so that lists walk an index."""


def conversation_activity(last_message_at: str, created_at: str) -> str:
    """SQL of a conversation's activity from two SQL operands: its last message's time, else its
    creation time."""
    return f"COALESCE({last_message_at}, {created_at})"


def user_activity(last_message_at: str, joined_at: str) -> str:
    """SQL of a participant's activity from two SQL operands: the later of the conversation's last
    message time and the participant's join time, so a conversation joined after its last message
    sorts by the join."""
    return f"MAX(COALESCE({last_message_at}, 0), {joined_at})"


@dataclass(frozen=True, slots=True)
class NewestFirst:
    """Keyset paging newest first: ``activity`` descending, ties broken by ``key`` descending.

    The cursor condition and the ORDER BY are built from the same two expressions, so walking a
    list page by page visits every row once, in the order of one big page."""

    activity: str
    key: str

    @property
    def order_by(self) -> str:
        return f"{self.activity} DESC, {self.key} DESC"

    @property
    def after_cursor(self) -> str:
        """SQL condition (two parameters: the cursor row's activity and key): rows after the cursor."""
        return f"({self.activity}, {self.key}) < (?, ?)"
