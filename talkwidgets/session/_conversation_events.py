"""How one live event changes a user-view conversation: shared by the conversation list and
``ConversationRef.subscribe``.

Both keep a conversation as its ``ConversationSnapshot`` plus its participants' read marks
(``Marks``, each participant's ``readUntil`` in ``participant_ids`` order: the one thing an event
needs that the snapshot does not show, to work out ``everyone_read_until``), not as REST JSON.
``conversation_change(core, conv, marks, frame)`` answers what to do: keep it (``SAME``), re-read
it over REST (``REFETCH``), drop it (``REMOVE``), or use the new ``(snapshot, marks)`` it returns.
The rules are those of the server's user view, field by field (a new message raises your unread
count unless you sent it or had read past it, a read mark lowers it...). Applying an event is
idempotent: the same event applied twice gives an equal snapshot, which is what keeps reconnects
gap-free.

The wire-level helpers at the end (``keep_viewer_fields``, ``merge_reactions``, ``with_reaction``)
do the same for a message's REST JSON, for the message window, which keeps JSON.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from ..model.snapshots import ConversationSnapshot, MessageSnapshot, ReactionsSummarySnapshot
from ..model.wire import conversation_from_wire, reactions_from_wire
from ..transport.live import Frame
from ._core import SessionCore

Wire = dict[str, Any]
Marks = tuple[int, ...]
"""Each participant's ``readUntil`` (0 when unknown), in the order of ``participant_ids``; kept as
``()`` when every mark is the snapshot's ``everyone_read_until`` (nobody read anything new, or
everyone read everything: the common cases), which costs nothing."""
Change = Literal["same", "refetch", "remove"] | tuple[ConversationSnapshot, Marks]

SAME: Literal["same"] = "same"
REFETCH: Literal["refetch"] = "refetch"
REMOVE: Literal["remove"] = "remove"

CONVERSATION_FIELDS = ("subject", "photoUrl", "welcomeMessages", "custom", "topicId", "participants")
"""What a ``conversation.updated`` event may change (the per-user fields come from other events)."""
SNAPSHOT_FIELDS = {
    "subject": "subject",
    "photoUrl": "photo_url",
    "welcomeMessages": "welcome_messages",
    "custom": "custom",
    "participants": "participant_ids",
}
"""Those of them a snapshot shows, by snapshot field (``topicId`` has none)."""


def _mark(participant: Any) -> int:
    """A participant entry's ``readUntil`` as an int (0 when missing or not a number)."""
    value = participant.get("readUntil") if isinstance(participant, Mapping) else None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def read_marks(wire: Wire, snapshot: ConversationSnapshot) -> Marks:
    """The read marks of a conversation's REST JSON, as kept beside ``snapshot``. Marks equal to
    the snapshot's own read times share their int objects (a window of 1,000 conversations then
    holds each time once)."""
    parts = wire.get("participants")
    if not isinstance(parts, Mapping):
        return ()
    shared = {snapshot.everyone_read_until: snapshot.everyone_read_until, snapshot.read_until: snapshot.read_until}
    return _compact(snapshot, tuple(shared.get(mark, mark) for mark in map(_mark, parts.values())))


def _compact(conv: ConversationSnapshot, marks: Marks) -> Marks:
    """``()`` when every mark is ``conv.everyone_read_until`` (see ``Marks``)."""
    everyone = conv.everyone_read_until
    return () if all(mark == everyone for mark in marks) else marks


def _expand(conv: ConversationSnapshot, marks: Marks) -> Marks:
    """The marks in full, one per participant (the opposite of ``_compact``)."""
    return marks if marks else (conv.everyone_read_until,) * len(conv.participant_ids)


async def conversation_change(
    core: SessionCore, conv: ConversationSnapshot | None, marks: Marks, frame: Frame
) -> Change:
    """The effect of one event (``frame``) on ``conv`` as the current user sees it (``None``:
    the caller does not hold it)."""
    change = await _change(core, conv, marks if conv is None else _expand(conv, marks), frame)
    if isinstance(change, tuple):
        snapshot, new_marks = change
        return snapshot, _compact(snapshot, new_marks)
    return change


async def _change(core: SessionCore, conv: ConversationSnapshot | None, marks: Marks, frame: Frame) -> Change:
    me = core.user_id
    kind = frame.get("type")
    data = frame.get("data") or {}
    if kind == "participant.joined" and data.get("userId") == me:
        return REFETCH
    if kind == "conversation.deleted" or (kind == "participant.left" and data.get("userId") == me):
        return REMOVE
    if conv is None:
        return REFETCH if kind == "message.sent" else SAME  # activity after subscribing joins a list
    if kind == "message.sent":
        return await _message_sent(core, conv, marks, data["message"])
    if kind == "message.deleted":
        return REFETCH  # the unread count and the last message may both change
    last = conv.last_message
    if kind == "message.updated":
        msg = data["message"]
        if last is None or last.id != msg["id"]:
            return SAME
        return dataclasses.replace(conv, last_message=await edited_message(core, msg, last)), marks
    if kind in ("reaction.added", "reaction.removed"):
        if last is None or last.id != data.get("messageId"):
            return SAME
        added = kind == "reaction.added"
        return dataclasses.replace(conv, last_message=reacted(last, data, added, me)), marks
    if kind == "conversation.updated":
        return _updated(conv, marks, data["conversation"])
    if kind == "conversation.read":
        return _read(conv, marks, data, me)
    if kind in ("participant.joined", "participant.updated"):
        return _participant(conv, marks, data["userId"], data["participant"], me)
    if kind == "participant.left":
        ids = conv.participant_ids
        if data.get("userId") not in ids:
            return conv, marks
        at = ids.index(data["userId"])
        return dataclasses.replace(conv, participant_ids=ids[:at] + ids[at + 1 :]), marks[:at] + marks[at + 1 :]
    return SAME


async def _message_sent(core: SessionCore, conv: ConversationSnapshot, marks: Marks, msg: Wire) -> Change:
    last = conv.last_message
    if last is not None and msg["createdAt"] <= last.created_at:
        return SAME  # already reflected
    changes: dict[str, Any] = {"last_message": await core.message_snapshot(msg)}
    if msg.get("senderId") != core.user_id and msg["createdAt"] > conv.read_until:
        changes.update(unread_message_count=conv.unread_message_count + 1, is_unread=True)
    return dataclasses.replace(conv, **changes), marks


def _updated(conv: ConversationSnapshot, marks: Marks, fresh: Wire) -> Change:
    given = {key: fresh[key] for key in CONVERSATION_FIELDS if key in fresh}
    # Converted by the same code as a full read, so a field reads the same whichever way it came.
    converted = conversation_from_wire({"id": conv.id, **given}, last_message=None)
    changes = {name: getattr(converted, name) for key, name in SNAPSHOT_FIELDS.items() if key in given}
    if "participants" in given:
        marks = read_marks(given, conv)
    return dataclasses.replace(conv, **changes), marks


def _read(conv: ConversationSnapshot, marks: Marks, data: Wire, me: str) -> Change:
    uid, until = data["userId"], int(data["readUntil"])
    if uid in conv.participant_ids:
        at = conv.participant_ids.index(uid)
        marks = marks[:at] + (until,) + marks[at + 1 :]
    changes: dict[str, Any] = {}
    if marks:
        changes["everyone_read_until"] = min(marks)
    if uid == me:
        if data.get("markedUnread"):
            changes.update(read_until=until, is_unread=True)  # marked unread: the count stays as it is
        else:
            changes.update(read_until=until, unread_message_count=0, is_unread=False)
    return dataclasses.replace(conv, **changes), marks


def _participant(conv: ConversationSnapshot, marks: Marks, uid: str, fresh: Wire, me: str) -> Change:
    ids = conv.participant_ids
    changes: dict[str, Any] = {}
    if uid in ids:
        at = ids.index(uid)
        if "readUntil" in fresh:
            marks = marks[:at] + (_mark(fresh),) + marks[at + 1 :]
    else:
        changes["participant_ids"] = (*ids, uid)
        marks = (*marks, _mark(fresh))
    if uid == me:
        mine = conversation_from_wire(
            {"id": conv.id, "access": fresh["access"], "notify": fresh["notify"]}, last_message=None
        )
        changes.update(access=mine.access, notify=mine.notify)
    return dataclasses.replace(conv, **changes), marks


async def renamed_sender(core: SessionCore, conv: ConversationSnapshot, user_id: str) -> ConversationSnapshot | None:
    """``conv`` after a ``user.updated`` event for ``user_id`` (from the session's user cache), or
    ``None`` when its last message is not theirs."""
    last = conv.last_message
    if last is None or last.sender is None or last.sender.id != user_id:
        return None
    user = await core.user_snapshot(user_id)
    quote = last.referenced_message
    if quote is not None and quote.sender.id == user_id and user is not None:
        quote = dataclasses.replace(quote, sender=user)
    return dataclasses.replace(conv, last_message=dataclasses.replace(last, sender=user, referenced_message=quote))


async def edited_message(core: SessionCore, msg: Wire, old: MessageSnapshot) -> MessageSnapshot:
    """An edited message's snapshot from its event JSON, keeping what only the viewer's routes
    give: who of the reactions is the viewer, and the reply's quoted message."""
    new = await core.message_snapshot(dict(msg, reactions=merge_reactions(msg.get("reactions"), flags(old.reactions))))
    if "referencedMessage" not in msg:
        new = dataclasses.replace(new, referenced_message=old.referenced_message)
    return new


def reacted(msg: MessageSnapshot, data: Wire, added: bool, me: str) -> MessageSnapshot:
    """A message snapshot after a ``reaction.added``/``reaction.removed`` event (see ``with_reaction``)."""
    summary = with_reaction({"reactions": flags(msg.reactions)}, data, added, me)["reactions"]
    return dataclasses.replace(msg, reactions=reactions_from_wire(summary))


def flags(reactions: Iterable[ReactionsSummarySnapshot]) -> list[Wire]:
    """A reactions summary as the JSON that ``merge_reactions`` reads the viewer's flags from."""
    return [{"emoji": r.emoji, "count": r.count, "currentUserReacted": r.current_user_reacted} for r in reactions]


# -- a message's REST JSON (the message window keeps JSON) -------------------------------------------


def keep_viewer_fields(msg: Wire, old: Wire) -> Wire:
    """An edited message's event JSON, keeping what only the viewer's routes give: who of the
    reactions is the viewer, and the reply's referenced message."""
    new = dict(msg, reactions=merge_reactions(msg.get("reactions"), old.get("reactions")))
    if "referencedMessage" in old and "referencedMessage" not in msg:
        new["referencedMessage"] = old["referencedMessage"]
    return new


def merge_reactions(summary: Any, old: Any) -> list[Wire]:
    """A reactions summary from an event (no ``currentUserReacted``) with the viewer's flags kept."""
    mine = {r.get("emoji"): r.get("currentUserReacted") is True for r in old or () if isinstance(r, dict)}
    return [
        dict(r, currentUserReacted=r.get("currentUserReacted", mine.get(r.get("emoji"), False)))
        for r in summary or ()
        if isinstance(r, dict)
    ]


def with_reaction(msg: Wire, data: Wire, added: bool, me: str) -> Wire:
    """A message after a ``reaction.added``/``reaction.removed`` event: the event's summary, with the
    viewer's flag set for that emoji when the viewer reacted, kept for the others."""
    summary = merge_reactions(data.get("reactions"), msg.get("reactions"))
    if data.get("userId") == me:
        summary = [dict(r, currentUserReacted=added) if r.get("emoji") == data.get("emoji") else r for r in summary]
    return dict(msg, reactions=summary)


__all__ = [
    "REFETCH",
    "REMOVE",
    "SAME",
    "Change",
    "Marks",
    "conversation_change",
    "edited_message",
    "keep_viewer_fields",
    "merge_reactions",
    "reacted",
    "read_marks",
    "renamed_sender",
    "with_reaction",
]
