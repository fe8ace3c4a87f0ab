"""How one live event changes a user-view conversation: shared by the conversation list and
``ConversationRef.subscribe``.

``conversation_change(conv, frame, me)`` answers what to do with the REST JSON ``conv`` of one
conversation (``None`` when the caller does not hold it): keep it (``SAME``), re-read it over REST
(``REFETCH``), drop it (``REMOVE``), or use the patched JSON it returns. Patching is idempotent:
the same event applied twice gives the same JSON, which is what keeps reconnects gap-free.
"""

from __future__ import annotations

from typing import Any, Literal

from ..transport.live import Frame

Wire = dict[str, Any]
Change = Literal["same", "refetch", "remove"] | Wire

SAME: Literal["same"] = "same"
REFETCH: Literal["refetch"] = "refetch"
REMOVE: Literal["remove"] = "remove"

CONVERSATION_FIELDS = ("subject", "photoUrl", "welcomeMessages", "custom", "topicId", "participants")
"""What a ``conversation.updated`` event may change (the per-user fields come from other events)."""


def conversation_change(conv: Wire | None, frame: Frame, me: str) -> Change:
    """The effect of one event (``frame``) on conversation ``conv`` as user ``me`` sees it."""
    kind = frame.get("type")
    data = frame.get("data") or {}
    if kind == "participant.joined" and data.get("userId") == me:
        return REFETCH
    if kind == "conversation.deleted" or (kind == "participant.left" and data.get("userId") == me):
        return REMOVE
    if conv is None:
        return REFETCH if kind == "message.sent" else SAME  # activity after subscribing joins a list
    if kind == "message.sent":
        return _message_sent(conv, data["message"], me)
    if kind == "message.updated":
        msg = data["message"]
        last = conv.get("lastMessage") or {}
        return dict(conv, lastMessage=keep_viewer_fields(msg, last)) if last.get("id") == msg["id"] else SAME
    if kind == "message.deleted":
        return REFETCH  # the unread count and the last message may both change
    if kind in ("reaction.added", "reaction.removed"):
        last = conv.get("lastMessage") or {}
        if last.get("id") != data.get("messageId"):
            return SAME
        return dict(conv, lastMessage=with_reaction(last, data, kind == "reaction.added", me))
    if kind == "conversation.updated":
        fresh = data["conversation"]
        return dict(conv, **{key: fresh[key] for key in CONVERSATION_FIELDS if key in fresh})
    if kind == "conversation.read":
        return _read(conv, data, me)
    if kind in ("participant.joined", "participant.updated"):
        uid = data["userId"]
        parts = dict(conv.get("participants") or {})
        parts[uid] = dict(parts.get(uid) or {}, **data["participant"])
        new = dict(conv, participants=parts)
        if uid == me:
            new.update(access=data["participant"]["access"], notify=data["participant"]["notify"])
        return new
    if kind == "participant.left":
        parts = {u: p for u, p in (conv.get("participants") or {}).items() if u != data["userId"]}
        return dict(conv, participants=parts)
    return SAME


def _message_sent(conv: Wire, msg: Wire, me: str) -> Change:
    last = conv.get("lastMessage")
    if last is not None and msg["createdAt"] <= last["createdAt"]:
        return SAME  # already reflected
    new = dict(conv, lastMessage=msg)
    if msg.get("senderId") != me and msg["createdAt"] > int(conv.get("readUntil") or 0):
        new["unreadMessageCount"] = int(conv.get("unreadMessageCount") or 0) + 1
        new["isUnread"] = True
    return new


def _read(conv: Wire, data: Wire, me: str) -> Wire:
    uid, until = data["userId"], int(data["readUntil"])
    parts = dict(conv.get("participants") or {})
    if uid in parts:
        parts[uid] = dict(parts[uid], readUntil=until)
    new = dict(conv, participants=parts)
    if parts:
        new["everyoneReadUntil"] = min(int(p.get("readUntil") or 0) for p in parts.values())
    if uid == me:
        if data.get("markedUnread"):
            new.update(readUntil=until, isUnread=True)  # marked unread: the count stays as it is
        else:
            new.update(readUntil=until, unreadMessageCount=0, isUnread=False)
    return new


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
    "conversation_change",
    "keep_viewer_fields",
    "merge_reactions",
    "with_reaction",
]
