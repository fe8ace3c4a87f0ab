"""The one place where TalkJS wire JSON (camelCase, Unix ms) meets the dataclasses.

Reading is tolerant: missing optional keys take documented defaults, unknown
blocks/nodes/subtypes become the ``Unknown*``/generic fallbacks, and malformed
content never raises. Only a missing ``id`` (user, message, conversation)
raises ``InvalidArgumentError``, because nothing useful can be built without
it. Keys *inside* ``custom`` and action ``params`` are user data and are never
case-converted.
"""

from __future__ import annotations

import contextlib
import math
import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import fields, is_dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from .content import (
    FILE_BLOCK_BY_SUBTYPE,
    ActionButtonNode,
    ActionLinkNode,
    AudioBlock,
    AutoLinkNode,
    BulletListNode,
    BulletPointNode,
    CodeSpanNode,
    ContentBlock,
    CustomEmojiNode,
    GenericFileBlock,
    ImageBlock,
    LinkNode,
    LocationBlock,
    MarkupNode,
    MentionNode,
    SendContentBlock,
    SendFileBlock,
    TextBlock,
    TextNode,
    UnknownContentBlock,
    UnknownTextNode,
    VideoBlock,
    VoiceBlock,
    plaintext,
)
from .errors import InvalidArgumentError
from .files import METADATA_BY_SUBTYPE, FileToken
from .snapshots import (
    Access,
    ConversationSnapshot,
    MessageOrigin,
    MessageSnapshot,
    MessageType,
    Notify,
    ParticipantSnapshot,
    ReactionsSummarySnapshot,
    ReferencedMessageSnapshot,
    SingleReactionSnapshot,
    UserSnapshot,
    referenced_from_message,
)

__all__ = [
    "user_from_wire",
    "content_from_wire",
    "content_to_wire",
    "text_node_from_wire",
    "text_node_to_wire",
    "message_from_wire",
    "conversation_from_wire",
    "participant_from_wire",
    "reactions_from_wire",
    "referenced_message_from_wire",
    "single_reaction_from_wire",
    "to_json",
]

# --------------------------------------------------------------------------- scalars


def _require_id(d: Mapping[str, Any], what: str) -> str:
    value = d.get("id") if isinstance(d, Mapping) else None
    if not isinstance(value, str) or not value:
        raise InvalidArgumentError(f"wire {what} has no string 'id': {d!r:.200}")
    return value


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    """Ints, and floats with an integral value (JSON from JS may carry ``640.0``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    result = float(value)
    return result if math.isfinite(result) else None


def _custom(value: Any) -> dict[str, str]:
    """TalkJS custom values are strings; ``null`` means "absent", other scalars are stringified."""
    if not isinstance(value, Mapping):
        return {}
    return {str(k): v if isinstance(v, str) else str(v) for k, v in value.items() if v is not None}


def _notify(value: Any) -> Notify:
    if isinstance(value, bool):
        return value
    return "MentionsOnly" if value == "MentionsOnly" else True


def _access(value: Any) -> Access:
    return "Read" if value == "Read" else "ReadWrite"


# --------------------------------------------------------------------------- users


def user_from_wire(d: Mapping[str, Any]) -> UserSnapshot:
    """REST user → ``UserSnapshot``; REST-only fields are ignored, ``role`` defaults to ``"default"``."""
    role = _str(d.get("role")) or _str(d.get("configuration")) or "default"
    return UserSnapshot(
        id=_require_id(d, "user"),
        name=_str(d.get("name")) or "",
        custom=_custom(d.get("custom")),
        locale=_str(d.get("locale")),
        photo_url=_str(d.get("photoUrl")),
        role=role,
        welcome_message=_str(d.get("welcomeMessage")),
    )


# --------------------------------------------------------------------------- text nodes


def _children(d: Mapping[str, Any]) -> tuple[TextNode, ...]:
    raw = d.get("children")
    if isinstance(raw, str):
        return (raw,)
    if not isinstance(raw, (list, tuple)):
        return ()
    return tuple(text_node_from_wire(c) for c in raw if c is not None)


def text_node_from_wire(n: Any) -> TextNode:
    """One wire text node; unknown ``type`` values give ``UnknownTextNode``."""
    if isinstance(n, str):
        return n
    if not isinstance(n, Mapping):
        return str(n)
    kind = n.get("type")
    text = _str(n.get("text")) or ""
    if kind in ("bold", "italic", "strikethrough"):
        return MarkupNode(type=kind, children=_children(n))
    if kind == "bulletList":
        return BulletListNode(children=_children(n))
    if kind == "bulletPoint":
        return BulletPointNode(children=_children(n))
    if kind == "codeSpan":
        return CodeSpanNode(text=text)
    if kind == "link":
        return LinkNode(url=_str(n.get("url")) or "", children=_children(n))
    if kind == "autoLink":
        return AutoLinkNode(url=_str(n.get("url")) or "", text=text)
    if kind in ("actionLink", "actionButton"):
        cls = ActionLinkNode if kind == "actionLink" else ActionButtonNode
        return cls(action=_str(n.get("action")) or "", params=_custom(n.get("params")), children=_children(n))
    if kind == "customEmoji":
        return CustomEmojiNode(text=text)
    if kind == "mention":
        return MentionNode(id=_str(n.get("id")) or "", text=text)
    return UnknownTextNode(
        type=kind if isinstance(kind, str) else "",
        text=_str(n.get("text")),
        children=_children(n) if "children" in n else None,
    )


def text_node_to_wire(node: TextNode) -> Any:
    """One text node → wire JSON (field names are already single words)."""
    if isinstance(node, str):
        return node
    out: dict[str, Any] = {"type": node.type}
    for name in ("id", "action", "url", "text"):
        if hasattr(node, name) and getattr(node, name) is not None:
            out[name] = getattr(node, name)
    if isinstance(node, (ActionLinkNode, ActionButtonNode)):
        out["params"] = dict(node.params)
    children = getattr(node, "children", None)
    if children is not None:
        out["children"] = [text_node_to_wire(c) for c in children]
    return out


# --------------------------------------------------------------------------- blocks


def _file_block_from_wire(d: Mapping[str, Any]) -> ContentBlock:
    subtype = d.get("subtype")
    cls = FILE_BLOCK_BY_SUBTYPE.get(subtype if isinstance(subtype, str) else None, GenericFileBlock)
    kwargs: dict[str, Any] = {
        "file_token": FileToken(_str(d.get("fileToken")) or _str(d.get("attachmentToken")) or ""),
        "url": _str(d.get("url")) or "",
        "size": _int(d.get("size")) or 0,
        "filename": _str(d.get("filename")) or "",
    }
    if cls in (ImageBlock, VideoBlock):
        kwargs["width"] = _int(d.get("width"))
        kwargs["height"] = _int(d.get("height"))
    if cls in (VideoBlock, AudioBlock, VoiceBlock):
        kwargs["duration"] = _float(d.get("duration"))
    block: ContentBlock = cls(**kwargs)
    return block


def _block_from_wire(d: Any) -> ContentBlock:
    if not isinstance(d, Mapping):
        return UnknownContentBlock(type="", data={"value": d})
    kind = d.get("type")
    if kind == "text":
        return TextBlock(children=_children(d))
    if kind == "file":
        return _file_block_from_wire(d)
    if kind == "location":
        try:
            return LocationBlock(latitude=d.get("latitude", math.nan), longitude=d.get("longitude", math.nan))
        except (TypeError, ValueError):
            pass  # malformed coordinates: keep the raw data rather than fail the message
    return UnknownContentBlock(type=kind if isinstance(kind, str) else "", data=d)


def content_from_wire(blocks: Iterable[Any] | None) -> tuple[ContentBlock, ...]:
    """Wire content blocks → tuple of blocks. Never raises on unknown or malformed blocks."""
    if not blocks:
        return ()
    return tuple(_block_from_wire(b) for b in blocks)


_FILE_LIKE = (GenericFileBlock, ImageBlock, VideoBlock, AudioBlock, VoiceBlock, SendFileBlock)


def content_to_wire(blocks: Iterable[SendContentBlock]) -> list[dict[str, Any]]:
    """Blocks → wire content for sending.

    Any file block (received or ``SendFileBlock``) is sent as
    ``{"type": "file", "fileToken": ...}`` only; the server fills in the rest.
    ``UnknownContentBlock`` cannot be sent (``InvalidArgumentError``).
    """
    out: list[dict[str, Any]] = []
    for block in blocks:
        if isinstance(block, TextBlock):
            out.append({"type": "text", "children": [text_node_to_wire(c) for c in block.children]})
        elif isinstance(block, _FILE_LIKE):
            if not block.file_token:
                raise InvalidArgumentError("a file block needs a file token to be sent")
            out.append({"type": "file", "fileToken": str(block.file_token)})
        elif isinstance(block, LocationBlock):
            out.append({"type": "location", "latitude": block.latitude, "longitude": block.longitude})
        elif isinstance(block, UnknownContentBlock):
            raise InvalidArgumentError(f"cannot send a content block of unknown type {block.type!r}")
        else:
            raise TypeError(f"not a content block: {block!r}")
    return out


# --------------------------------------------------------------------------- messages


def _filename_from_url(url: str) -> str:
    name = posixpath.basename(urlsplit(url).path)
    return unquote(name) or "file"


def _legacy_content(d: Mapping[str, Any]) -> tuple[ContentBlock, ...]:
    """Build blocks from REST ``text``/``attachment``/``location`` when ``content`` is absent."""
    blocks: list[ContentBlock] = []
    text = _str(d.get("text")) or ""
    attachment = d.get("attachment")
    location = d.get("location")
    if isinstance(attachment, Mapping):
        url = _str(attachment.get("url")) or ""
        blocks.append(
            GenericFileBlock(
                file_token=FileToken(_str(attachment.get("fileToken")) or ""),
                url=url,
                size=_int(attachment.get("size")) or 0,
                filename=_str(attachment.get("filename")) or _filename_from_url(url),
            )
        )
    if isinstance(location, (list, tuple)) and len(location) == 2:
        with contextlib.suppress(TypeError, ValueError):
            blocks.append(LocationBlock(latitude=location[0], longitude=location[1]))
    if text or not blocks:
        blocks.insert(0, TextBlock(children=(text,) if text else ()))
    return tuple(blocks)


def reactions_from_wire(value: Any) -> tuple[ReactionsSummarySnapshot, ...]:
    """A message's ``reactions`` summary list → snapshots (entries without a string emoji are skipped)."""
    if not isinstance(value, (list, tuple)):
        return ()
    out = []
    for r in value:
        if isinstance(r, Mapping) and isinstance(r.get("emoji"), str):
            out.append(
                ReactionsSummarySnapshot(
                    emoji=r["emoji"],
                    count=_int(r.get("count")) or 0,
                    current_user_reacted=r.get("currentUserReacted") is True,
                )
            )
    return tuple(out)


_ORIGINS: dict[str, MessageOrigin] = {"rest": "rest", "import": "import", "email": "email", "web": "web"}


def _same(value: int, *known: int) -> int:
    """``value``, or the first of ``known`` equal to it: a snapshot's equal timestamps are then one
    int object, not one per field (a window of 1,000 conversations holds thousands of them)."""
    for other in known:
        if other == value:
            return other
    return value


def message_from_wire(
    d: Mapping[str, Any],
    sender: UserSnapshot | None,
    *,
    referenced_message: ReferencedMessageSnapshot | None = None,
) -> MessageSnapshot:
    """REST message → ``MessageSnapshot``.

    ``sender`` is the sender's current data (looked up by the caller from
    ``senderId``); it is forced to ``None`` for system messages. If
    ``content`` is absent it is built from ``text``, ``attachment`` (a
    ``GenericFileBlock`` named after the URL, with an empty token unless the
    wire has one) and ``location`` (``[lat, lon]``). ``plaintext`` is ``text``
    when that is a non-empty string, otherwise rendered from the content.
    """
    raw_content = d.get("content")
    content = content_from_wire(raw_content) if isinstance(raw_content, list) else _legacy_content(d)
    text = _str(d.get("text"))
    kind: MessageType = "SystemMessage" if d.get("type") == "SystemMessage" else "UserMessage"
    origin = d.get("origin")
    rendered = plaintext(content)
    return MessageSnapshot(
        id=_require_id(d, "message"),
        type=kind,
        sender=sender if kind == "UserMessage" else None,
        custom=_custom(d.get("custom")),
        created_at=_int(d.get("createdAt")) or 0,
        edited_at=_int(d.get("editedAt")),
        referenced_message=referenced_message,
        referenced_message_id=_str(d.get("referencedMessageId")),
        # The constant, not the JSON's own copy of the word (one per message otherwise).
        origin=_ORIGINS.get(origin, "rest") if isinstance(origin, str) else "rest",
        # The same text as the content's (often one object: a one-line text) is kept once.
        plaintext=text if text and text != rendered else rendered,
        content=content,
        reactions=reactions_from_wire(d.get("reactions")),
        conversation_id=_str(d.get("conversationId")),
    )


def referenced_message_from_wire(d: Mapping[str, Any], sender: UserSnapshot) -> ReferencedMessageSnapshot:
    """A reply's ``referencedMessage`` JSON (one level deep) → ``ReferencedMessageSnapshot``."""
    return referenced_from_message(message_from_wire(d, sender))


def single_reaction_from_wire(user: UserSnapshot, d: Mapping[str, Any]) -> SingleReactionSnapshot:
    """One entry of a reactions list ``{userId, createdAt}`` → snapshot (the user resolved by the caller)."""
    return SingleReactionSnapshot(user=user, created_at=_int(d.get("createdAt")) or 0)


# --------------------------------------------------------------------------- conversations


def conversation_from_wire(
    d: Mapping[str, Any],
    *,
    last_message: MessageSnapshot | None,
    user_id: str | None = None,
) -> ConversationSnapshot:
    """User-scoped conversation JSON → ``ConversationSnapshot``.

    ``last_message`` is built by the caller (it needs the sender). The
    current user's fields are read from the top level, else from
    ``participants[user_id]`` when ``user_id`` is given, else defaulted:

    - ``joined_at`` → ``createdAt``; ``access`` → ``"ReadWrite"``; ``notify`` → ``True``
    - ``unread_message_count`` → 0; ``is_unread`` → ``unread_message_count > 0``
    - ``read_until`` → ``joined_at`` if unread, else the later of ``joined_at``
      and the last message's ``created_at`` (i.e. "everything read")
    - ``everyone_read_until`` → the minimum ``readUntil`` over ``participants``
      if every participant has one, else ``read_until``
    """
    participants = d.get("participants")
    if not isinstance(participants, Mapping):
        participants = {}
    me = participants.get(user_id) if user_id is not None else None
    if not isinstance(me, Mapping):
        me = {}

    def pick(key: str) -> Any:
        value = d.get(key)
        return value if value is not None else me.get(key)

    created_at = _int(d.get("createdAt")) or 0
    joined_at = _int(pick("joinedAt"))
    joined_at = created_at if joined_at is None else _same(joined_at, created_at)
    unread_count = _int(pick("unreadMessageCount")) or 0
    is_unread_raw = pick("isUnread")
    is_unread = is_unread_raw if isinstance(is_unread_raw, bool) else unread_count > 0
    last_at = last_message.created_at if last_message is not None else 0
    read_until = _int(pick("readUntil"))
    if read_until is None:
        read_until = joined_at if is_unread else max(joined_at, last_at)
    read_until = _same(read_until, joined_at, last_at)
    everyone = _int(d.get("everyoneReadUntil"))
    if everyone is None:
        marks = [_int(p.get("readUntil")) if isinstance(p, Mapping) else None for p in participants.values()]
        known = [m for m in marks if m is not None]
        everyone = min(known) if marks and len(known) == len(marks) else read_until
    everyone = _same(everyone, read_until, joined_at, last_at)
    welcome = d.get("welcomeMessages")
    conversation_id = _require_id(d, "conversation")
    if last_message is not None and last_message.conversation_id == conversation_id:
        conversation_id = last_message.conversation_id  # one string for both
    return ConversationSnapshot(
        id=conversation_id,
        subject=_str(d.get("subject")),
        photo_url=_str(d.get("photoUrl")),
        welcome_messages=tuple(w for w in welcome if isinstance(w, str)) if isinstance(welcome, list) else (),
        custom=_custom(d.get("custom")),
        created_at=created_at,
        joined_at=joined_at,
        last_message=last_message,
        unread_message_count=unread_count,
        read_until=read_until,
        everyone_read_until=everyone,
        is_unread=is_unread,
        access=_access(pick("access")),
        notify=_notify(pick("notify")),
        participant_ids=tuple(str(uid) for uid in participants),
    )


def participant_from_wire(user: UserSnapshot, d: Mapping[str, Any]) -> ParticipantSnapshot:
    """REST participant entry ``{access, notify, joinedAt}`` → snapshot; ``joined_at`` defaults to 0."""
    return ParticipantSnapshot(
        user=user,
        access=_access(d.get("access")),
        notify=_notify(d.get("notify")),
        joined_at=_int(d.get("joinedAt")) or 0,
    )


# --------------------------------------------------------------------------- JSON for widgets

_METADATA_CLASSES = tuple(METADATA_BY_SUBTYPE.values())


def to_json(obj: Any) -> Any:
    """Any snapshot, block, node, state or metadata → JSON-able data (snake_case keys).

    Tuples become lists, mappings become dicts, dataclasses are recursed
    (discriminators like ``type``/``subtype`` included as on the wire; file
    metadata also gets its class-level ``subtype``). Exceptions (in
    ``ErrorState``) become ``{"name", "message"}``. Keys inside mappings are
    kept verbatim.
    """
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        if isinstance(obj, _METADATA_CLASSES):
            out["subtype"] = type(obj).subtype
        for f in fields(obj):
            out[f.name] = to_json(getattr(obj, f.name))
        return out
    if isinstance(obj, Mapping):
        return {str(k): to_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_json(v) for v in obj]
    if isinstance(obj, BaseException):
        return {"name": type(obj).__name__, "message": str(obj)}
    raise TypeError(f"cannot convert {type(obj).__name__} to JSON")
