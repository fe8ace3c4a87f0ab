"""TalkJS message markup: text as typed → the text nodes of a ``TextBlock``.

``parse_markup`` gives the nodes TalkJS makes from a message's text:
``*bold*``, ``_italic_``, ``~strikethrough~``, triple-backtick code, bullet
lists, autolinked URLs, emails and phone numbers, the mention and custom-emoji
tokens of TalkJS's message field, and (REST-only syntax) ``<URL|label>`` links
and ``<actionlink:…|…>``/``<actionbutton:…|…>``. It follows the parser in
``@talkjs/core`` step by step, so the node trees agree with what TalkJS's own
clients send (``docs/markup.md`` has the rules and the few deliberate
differences). It is pure: no I/O, and any string parses, in time close to
linear in its length.

``plaintext_of_nodes`` renders nodes back to the plain text TalkJS shows in
notifications and previews.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Literal

from .content import (
    ActionButtonNode,
    ActionLinkNode,
    AutoLinkNode,
    BulletListNode,
    BulletPointNode,
    CodeSpanNode,
    CustomEmojiNode,
    LinkNode,
    MarkupNode,
    MentionNode,
    TextNode,
    UnknownTextNode,
)
from .markup_links import autolinks, phone_numbers
from .markup_scan import Draft, Piece, bullet_lists, bullet_points, code_spans, split_lines, wikitext
from .markup_tokens import action_buttons, action_links, custom_emoji, mentions
from .markup_tokens import formatted_links as formatted_link_step

__all__ = ["parse_markup", "plaintext_of_nodes"]

_Step = Callable[[str], list[Piece]]


def parse_markup(text: str, *, formatted_links: bool = True, actions: bool = True) -> tuple[TextNode, ...]:
    """The text nodes TalkJS makes from message ``text``.

    With the defaults this is how TalkJS reads text that arrives through its
    REST API (and message edits from ``@talkjs/core``). A user's
    ``ConversationRef.send(text)`` passes ``formatted_links=False,
    actions=False``: ``<URL|label>`` and action links/buttons then stay text
    (their URL still autolinked), because users may not send those nodes.
    """
    if not isinstance(text, str):
        raise TypeError(f"markup text must be a str, got {type(text).__name__}")
    pieces: list[Piece] = [text]
    # Multi-line constructs first, then everything else one line at a time.
    multi_line: tuple[_Step, ...] = (bullet_lists, bullet_points, code_spans, split_lines)
    for step in multi_line:
        pieces = _apply(step, pieces)
    steps: list[_Step] = [mentions, custom_emoji]
    if formatted_links:
        steps.append(formatted_link_step)
    if actions:
        steps += [action_links, action_buttons]
    steps += [wikitext, autolinks, phone_numbers]
    return _finish(_apply(lambda line: _inline(line, steps), pieces), inside_link=False)


# Every one-line construct needs one of these characters: a line without any
# (most lines of a long plain message) skips the steps.
_INLINE_TRIGGER = re.compile(r"[<*_~.@:0-9]")


def _inline(line: str, steps: list[_Step]) -> list[Piece]:
    """The one-line steps in order; each sees the strings the previous one left."""
    if not _INLINE_TRIGGER.search(line):
        return [line] if line else []
    pieces: list[Piece] = [line]
    for step in steps:
        pieces = _apply(step, pieces)
    return pieces


def _apply(step: _Step, pieces: list[Piece]) -> list[Piece]:
    """Run ``step`` on every string, inside container nodes too (leaf nodes are final)."""
    out: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, str):
            out += step(piece)
        else:
            if piece.children is not None:
                piece.children = _apply(step, piece.children)
            out.append(piece)
    return out


def _finish(pieces: list[Piece], *, inside_link: bool) -> tuple[TextNode, ...]:
    """Drafts → node classes, adjacent strings merged; no autolinks inside a link's label."""
    out: list[TextNode] = []
    run: list[str] = []
    for piece in pieces:
        if isinstance(piece, str):
            run.append(piece)
        elif inside_link and piece.kind == "autoLink":
            run.append(piece.text)
        else:
            if run:
                out.append("".join(run))
                run = []
            out.append(_node(piece, inside_link))
    if run:
        out.append("".join(run))
    return tuple(node for node in out if node != "")


_MARKUP_KINDS: dict[str, Literal["bold", "italic", "strikethrough"]] = {
    "bold": "bold",
    "italic": "italic",
    "strikethrough": "strikethrough",
}


def _node(draft: Draft, inside_link: bool) -> TextNode:
    kind = draft.kind
    if kind in ("link", "actionLink", "actionButton"):
        label = _finish(draft.children or [], inside_link=True)
        if kind == "link":
            return LinkNode(url=draft.url, children=label)
        cls = ActionLinkNode if kind == "actionLink" else ActionButtonNode
        return cls(action=draft.action, params=draft.params, children=label)
    children = _finish(draft.children or [], inside_link=inside_link)
    markup = _MARKUP_KINDS.get(kind)
    if markup is not None:
        return MarkupNode(type=markup, children=children)
    if kind == "bulletList":
        return BulletListNode(children=children)
    if kind == "bulletPoint":
        return BulletPointNode(children=children)
    if kind == "codeSpan":
        return CodeSpanNode(text=draft.text)
    if kind == "autoLink":
        return AutoLinkNode(url=draft.url, text=draft.text)
    if kind == "customEmoji":
        return CustomEmojiNode(text=draft.text)
    if kind == "mention":
        return MentionNode(id=draft.id, text=draft.text)
    raise AssertionError(f"no node class for draft kind {kind!r}")  # every scanner's kind is listed above


def plaintext_of_nodes(nodes: Iterable[TextNode]) -> str:
    """Text nodes as TalkJS renders them in plain text.

    Formatting is dropped (its text kept), links show their label, a mention
    shows ``@name``, a bullet list is a newline then one ``- item`` line per
    point. A node type this version does not know shows its ``text`` or, if
    it has none, its children.
    """
    return "".join(_plain(node) for node in nodes)


def _plain(node: TextNode) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, MentionNode):
        return "@" + node.text
    if isinstance(node, (CodeSpanNode, AutoLinkNode, CustomEmojiNode)):
        return node.text
    if isinstance(node, BulletListNode):
        return "\n" + plaintext_of_nodes(node.children)
    if isinstance(node, BulletPointNode):
        return "- " + plaintext_of_nodes(node.children) + "\n"
    if isinstance(node, UnknownTextNode):
        return node.text if node.text is not None else plaintext_of_nodes(node.children or ())
    return plaintext_of_nodes(node.children)
