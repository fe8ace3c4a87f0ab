"""Message content: blocks and the text nodes inside text blocks.

One frozen dataclass per wire variant. Fixed discriminators (``type``, and
``subtype`` on file blocks) have defaults and are checked, so a block can be
built with just its payload (``CodeSpanNode(text="x")``) but never with a
contradicting tag. Lists passed for ``children`` become tuples and ``params``
become read-only mappings, so blocks are deeply immutable.

TalkJS promises new variants later, so unknown blocks, text nodes and file
subtypes never crash: they become ``UnknownContentBlock``,
``UnknownTextNode`` and ``GenericFileBlock`` respectively (see ``wire.py``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from .errors import InvalidArgumentError
from .files import FileToken

__all__ = [
    "TextNode",
    "MarkupNode",
    "BulletListNode",
    "BulletPointNode",
    "CodeSpanNode",
    "LinkNode",
    "AutoLinkNode",
    "ActionLinkNode",
    "ActionButtonNode",
    "CustomEmojiNode",
    "MentionNode",
    "UnknownTextNode",
    "ContentBlock",
    "SendContentBlock",
    "FileBlock",
    "TextBlock",
    "LocationBlock",
    "GenericFileBlock",
    "ImageBlock",
    "VideoBlock",
    "AudioBlock",
    "VoiceBlock",
    "SendFileBlock",
    "UnknownContentBlock",
    "FILE_BLOCK_BY_SUBTYPE",
    "plaintext",
    "frozen_mapping",
]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


def frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """A read-only copy: later changes to ``value`` do not leak into a snapshot."""
    if not value:
        return _EMPTY
    return MappingProxyType(dict(value))


def set_frozen_field(obj: object, name: str, value: object) -> None:
    """Normalise a field of a frozen dataclass in ``__post_init__`` (lists to tuples, dicts to proxies)."""
    object.__setattr__(obj, name, value)


def _check_tag(obj: object, name: str, expected: object) -> None:
    actual = getattr(obj, name)
    if actual != expected:
        raise InvalidArgumentError(f"{type(obj).__name__}.{name} must be {expected!r}, got {actual!r}")


def _freeze_children(obj: Any) -> None:
    children = obj.children
    if children is not None and not isinstance(children, tuple):
        children = (children,) if isinstance(children, str) else tuple(children)
        set_frozen_field(obj, "children", children)


# --------------------------------------------------------------------------- text nodes


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkupNode:
    """Bold, italic or strikethrough text."""

    type: Literal["bold", "italic", "strikethrough"]
    children: tuple[TextNode, ...] = ()

    def __post_init__(self) -> None:
        if self.type not in ("bold", "italic", "strikethrough"):
            raise InvalidArgumentError(f"MarkupNode.type must be bold/italic/strikethrough, got {self.type!r}")
        _freeze_children(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class BulletListNode:
    """A bullet list; its children are normally ``BulletPointNode``s."""

    type: Literal["bulletList"] = "bulletList"
    children: tuple[TextNode, ...] = ()

    def __post_init__(self) -> None:
        _check_tag(self, "type", "bulletList")
        _freeze_children(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class BulletPointNode:
    """One item of a bullet list."""

    type: Literal["bulletPoint"] = "bulletPoint"
    children: tuple[TextNode, ...] = ()

    def __post_init__(self) -> None:
        _check_tag(self, "type", "bulletPoint")
        _freeze_children(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeSpanNode:
    """Inline code."""

    type: Literal["codeSpan"] = "codeSpan"
    text: str

    def __post_init__(self) -> None:
        _check_tag(self, "type", "codeSpan")


@dataclass(frozen=True, slots=True, kw_only=True)
class LinkNode:
    """A link whose visible text may differ from its target (not sendable by default)."""

    type: Literal["link"] = "link"
    url: str
    children: tuple[TextNode, ...] = ()

    def __post_init__(self) -> None:
        _check_tag(self, "type", "link")
        _freeze_children(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class AutoLinkNode:
    """A link detected in the text; ``text`` and ``url`` point to the same place."""

    type: Literal["autoLink"] = "autoLink"
    url: str
    text: str

    def __post_init__(self) -> None:
        _check_tag(self, "type", "autoLink")


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionLinkNode:
    """A link that fires an action event in the UI (not sendable by default)."""

    type: Literal["actionLink"] = "actionLink"
    action: str
    params: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    children: tuple[TextNode, ...] = ()

    def __post_init__(self) -> None:
        _check_tag(self, "type", "actionLink")
        set_frozen_field(self, "params", frozen_mapping(self.params))
        _freeze_children(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionButtonNode:
    """A button that fires an action event in the UI (not sendable by default)."""

    type: Literal["actionButton"] = "actionButton"
    action: str
    params: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    children: tuple[TextNode, ...] = ()

    def __post_init__(self) -> None:
        _check_tag(self, "type", "actionButton")
        set_frozen_field(self, "params", frozen_mapping(self.params))
        _freeze_children(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomEmojiNode:
    """A custom emoji such as ``":party:"``."""

    type: Literal["customEmoji"] = "customEmoji"
    text: str

    def __post_init__(self) -> None:
        _check_tag(self, "type", "customEmoji")


@dataclass(frozen=True, slots=True, kw_only=True)
class MentionNode:
    """A mention of user ``id``; ``text`` is the name shown."""

    type: Literal["mention"] = "mention"
    id: str
    text: str

    def __post_init__(self) -> None:
        _check_tag(self, "type", "mention")


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownTextNode:
    """A node type this version does not know; TalkJS promises ``text`` or ``children``."""

    type: str
    text: str | None = None
    children: tuple[TextNode, ...] | None = None

    def __post_init__(self) -> None:
        _freeze_children(self)


TextNode = (
    str
    | MarkupNode
    | BulletListNode
    | BulletPointNode
    | CodeSpanNode
    | LinkNode
    | AutoLinkNode
    | ActionLinkNode
    | ActionButtonNode
    | CustomEmojiNode
    | MentionNode
    | UnknownTextNode
)

# --------------------------------------------------------------------------- blocks


@dataclass(frozen=True, slots=True, kw_only=True)
class TextBlock:
    """Formatted text."""

    type: Literal["text"] = "text"
    children: tuple[TextNode, ...] = ()

    def __post_init__(self) -> None:
        _check_tag(self, "type", "text")
        _freeze_children(self)


def _coordinate(name: str, value: object, limit: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    result = float(value)
    if not math.isfinite(result) or not -limit <= result <= limit:
        raise InvalidArgumentError(f"{name} must be between -{limit:g} and {limit:g}, got {value!r}")
    return result


@dataclass(frozen=True, slots=True, kw_only=True)
class LocationBlock:
    """A point on the map; latitude in −90…90, longitude in −180…180 (validated)."""

    type: Literal["location"] = "location"
    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        _check_tag(self, "type", "location")
        set_frozen_field(self, "latitude", _coordinate("latitude", self.latitude, 90.0))
        set_frozen_field(self, "longitude", _coordinate("longitude", self.longitude, 180.0))


@dataclass(frozen=True, slots=True, kw_only=True)
class GenericFileBlock:
    """A received file without a (known) subtype. ``size`` is in bytes."""

    type: Literal["file"] = "file"
    subtype: None = None
    file_token: FileToken = field(repr=False)
    url: str
    size: int
    filename: str

    def __post_init__(self) -> None:
        _check_tag(self, "type", "file")
        _check_tag(self, "subtype", None)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageBlock:
    """A received image; ``width``/``height`` in pixels only if given at upload."""

    type: Literal["file"] = "file"
    subtype: Literal["image"] = "image"
    file_token: FileToken = field(repr=False)
    url: str
    size: int
    filename: str
    width: int | None = None
    height: int | None = None

    def __post_init__(self) -> None:
        _check_tag(self, "type", "file")
        _check_tag(self, "subtype", "image")


@dataclass(frozen=True, slots=True, kw_only=True)
class VideoBlock:
    """A received video; dimensions (px) and ``duration`` (s) only if given at upload."""

    type: Literal["file"] = "file"
    subtype: Literal["video"] = "video"
    file_token: FileToken = field(repr=False)
    url: str
    size: int
    filename: str
    width: int | None = None
    height: int | None = None
    duration: float | None = None

    def __post_init__(self) -> None:
        _check_tag(self, "type", "file")
        _check_tag(self, "subtype", "video")


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioBlock:
    """A received audio file; ``duration`` (s) only if given at upload."""

    type: Literal["file"] = "file"
    subtype: Literal["audio"] = "audio"
    file_token: FileToken = field(repr=False)
    url: str
    size: int
    filename: str
    duration: float | None = None

    def __post_init__(self) -> None:
        _check_tag(self, "type", "file")
        _check_tag(self, "subtype", "audio")


@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceBlock:
    """A received voice recording; like audio, but rendered as a voice note."""

    type: Literal["file"] = "file"
    subtype: Literal["voice"] = "voice"
    file_token: FileToken = field(repr=False)
    url: str
    size: int
    filename: str
    duration: float | None = None

    def __post_init__(self) -> None:
        _check_tag(self, "type", "file")
        _check_tag(self, "subtype", "voice")


@dataclass(frozen=True, slots=True, kw_only=True)
class SendFileBlock:
    """The send side of a file: only the token from an upload (or from a received block)."""

    type: Literal["file"] = "file"
    file_token: FileToken = field(repr=False)

    def __post_init__(self) -> None:
        _check_tag(self, "type", "file")
        if not isinstance(self.file_token, str) or not self.file_token:
            raise InvalidArgumentError("SendFileBlock.file_token must be a non-empty string")


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownContentBlock:
    """A block type this version does not know; ``data`` is the raw wire object."""

    type: str
    data: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)

    def __post_init__(self) -> None:
        set_frozen_field(self, "data", frozen_mapping(self.data))


FileBlock = GenericFileBlock | ImageBlock | VideoBlock | AudioBlock | VoiceBlock
ContentBlock = TextBlock | FileBlock | LocationBlock | UnknownContentBlock
SendContentBlock = TextBlock | SendFileBlock | LocationBlock | FileBlock
"""What ``send`` accepts: any received file block can be sent again as is."""

FILE_BLOCK_BY_SUBTYPE: dict[str | None, type[Any]] = {
    None: GenericFileBlock,
    "image": ImageBlock,
    "video": VideoBlock,
    "audio": AudioBlock,
    "voice": VoiceBlock,
}
"""Wire ``subtype`` → block class; look up with ``.get(subtype, GenericFileBlock)``."""

# --------------------------------------------------------------------------- plaintext

_FILE_BLOCKS = (GenericFileBlock, ImageBlock, VideoBlock, AudioBlock, VoiceBlock)


def _node_text(node: object) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, BulletListNode):
        items = [_node_text(child).strip("\n") for child in node.children]
        return "\n" + "\n".join(items) + "\n"
    if isinstance(node, BulletPointNode):
        return "- " + "".join(_node_text(c) for c in node.children)
    text = getattr(node, "text", None)
    if isinstance(node, (CodeSpanNode, AutoLinkNode, CustomEmojiNode, MentionNode)):
        return text or ""
    children = getattr(node, "children", None)
    if children:
        return "".join(_node_text(c) for c in children)
    return text or ""


def _block_text(block: object) -> str:
    if isinstance(block, TextBlock):
        return "".join(_node_text(n) for n in block.children).strip("\n")
    if isinstance(block, _FILE_BLOCKS):
        return block.filename
    if isinstance(block, LocationBlock):
        return f"{block.latitude!r}, {block.longitude!r}"
    return ""


def plaintext(blocks: Iterable[ContentBlock]) -> str:
    """Render content as plain text, one line (or more) per block.

    Markup is dropped (its text kept); a bullet list becomes ``- item`` lines;
    links show their visible text; mentions and custom emoji show their text;
    a file shows its filename; a location shows ``"lat, lon"``; unknown
    blocks render as nothing. Blocks are joined with newlines.
    """
    parts = (_block_text(b) for b in blocks)
    return "\n".join(p for p in parts if p)
