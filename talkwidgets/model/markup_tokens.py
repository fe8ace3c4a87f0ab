"""The angle-bracket tokens of TalkJS markup: mentions, custom emoji, formatted links, actions.

Each scanner finds its opener with ``str.find`` and checks one candidate in
O(log n) with ``Next`` lookups, so a line full of half-written tokens stays
linear (see ``markup_scan`` for the shared pieces).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import parse_qsl

from .markup_scan import EMOJI_TOKEN, JS_WHITESPACE, MENTION_TOKEN, TERMINATOR_RE, Draft, Next, Piece, ascii_lower

__all__ = [
    "TokenFinders",
    "action_buttons",
    "action_links",
    "custom_emoji",
    "find_formatted_link",
    "formatted_links",
    "mentions",
]

_BAR_RE = re.compile(r"\|")
_CLOSE_RE = re.compile(">")
_ID_STOP_RE = re.compile("[|>" + "".join(sorted(re.escape(c) for c in JS_WHITESPACE)) + "]")


def _emit(out: list[Piece], text: str) -> None:
    if text:
        out.append(text)


_Matcher = Callable[[str, int], "tuple[int, Draft] | None"]


def _scan(text: str, opener: str, match_at: _Matcher, *, ignore_case: bool = False) -> list[Piece]:
    """Leftmost, non-overlapping matches of one token kind; ``match_at`` checks one opener."""
    if not text:
        return []
    haystack = ascii_lower(text) if ignore_case else text
    out: list[Piece] = []
    done = 0
    start = haystack.find(opener)
    while start != -1:
        found = match_at(text, start)
        if found is not None:
            _emit(out, text[done:start])
            out.append(found[1])
            done = found[0]
        start = haystack.find(opener, max(done, start + 1))
    _emit(out, text[done:])
    return out


class TokenFinders:
    """The ``Next`` lookups one scan of a text shares between its candidates."""

    def __init__(self, text: str) -> None:
        self.bar = Next(text, _BAR_RE)
        self.close = Next(text, _CLOSE_RE)
        self.term = Next(text, TERMINATOR_RE)
        self.id_stop = Next(text, _ID_STOP_RE)


def _same_line(finders: TokenFinders, start: int, stop: int) -> bool:
    """No line terminator in ``[start, stop)`` (JS's ``.`` cannot cross one)."""
    t = finders.term.at_or_after(start)
    return t == -1 or t >= stop


def _decode_uri_component(value: str) -> str | None:
    """JS ``decodeURIComponent``; None where it would throw (bad escape or invalid UTF-8)."""
    if "%" not in value:
        return value
    out: list[str] = []
    for i, part in enumerate(re.split(r"((?:%[0-9A-Fa-f]{2})+)", value)):
        if i % 2:
            try:
                out.append(bytes.fromhex(part.replace("%", "")).decode("utf-8"))
            except UnicodeDecodeError:
                return None
        elif "%" in part:
            return None
        else:
            out.append(part)
    return "".join(out)


def mentions(text: str) -> list[Piece]:
    """``<!!mention:USER_ID|Name>`` (the token TalkJS's message field writes) becomes a ``mention``.

    The user ID is percent-decoded; an ID that does not decode leaves the
    token as plain text (TalkJS would throw and send nothing).
    """
    if MENTION_TOKEN not in text:
        return [text] if text else []
    finders = TokenFinders(text)

    def match_at(s: str, start: int) -> tuple[int, Draft] | None:
        a = start + len(MENTION_TOKEN)
        b = finders.id_stop.at_or_after(a)
        if b == -1 or s[b] != "|":
            return None
        g = finders.close.at_or_after(b + 1)
        if g == -1 or not _same_line(finders, b + 1, g):
            return None
        user_id = _decode_uri_component(s[a:b])
        if user_id is None:
            return None
        return g + 1, Draft("mention", id=user_id, text=s[b + 1 : g])

    return _scan(text, MENTION_TOKEN, match_at)


def custom_emoji(text: str) -> list[Piece]:
    """``<!!customemoji::name:>`` becomes a ``customEmoji`` whose text is ``:name:``."""
    if EMOJI_TOKEN not in text:
        return [text] if text else []
    finders = TokenFinders(text)

    def match_at(s: str, start: int) -> tuple[int, Draft] | None:
        a = start + len(EMOJI_TOKEN)
        g = finders.close.at_or_after(a)
        if g == -1 or not _same_line(finders, a, g):
            return None
        return g + 1, Draft("customEmoji", text=s[a:g])

    return _scan(text, EMOJI_TOKEN, match_at)


def find_formatted_link(text: str, start: int, finders: TokenFinders) -> tuple[int, str, str] | None:
    """``(end, url, label)`` for ``<URL|label>`` opening at ``start``; URL is http(s) or mailto."""
    head = ascii_lower(text[start + 1 : start + 8])
    if head.startswith("https:"):
        after = start + 7
    elif head.startswith("http:"):
        after = start + 6
    elif head.startswith("mailto:"):
        after = start + 8
    else:
        return None
    b = finders.bar.at_or_after(after)
    if b == -1 or not _same_line(finders, after, b):
        return None
    g = finders.close.at_or_after(b + 1)
    if g == -1 or not _same_line(finders, b + 1, g):
        return None
    return g + 1, text[start + 1 : b], text[b + 1 : g]


def formatted_links(text: str) -> list[Piece]:
    """``<https://example.com|Read more>`` becomes a ``link`` (REST-only syntax in TalkJS)."""
    if "<" not in text or "|" not in text:
        return [text] if text else []
    finders = TokenFinders(text)

    def match_at(s: str, start: int) -> tuple[int, Draft] | None:
        found = find_formatted_link(s, start, finders)
        if found is None:
            return None
        end, url, label = found
        return end, Draft("link", url=url, children=[label])

    return _scan(text, "<", match_at)


def _search_params(query: str) -> dict[str, str]:
    """WHATWG ``URLSearchParams`` of ``?a=1&b=x+y``: ``+`` is a space, the last duplicate wins."""
    return dict(parse_qsl(query[1:] if query.startswith("?") else query, keep_blank_values=True))


def _actions(text: str, opener: str, kind: str) -> list[Piece]:
    if "<" not in text or "|" not in text:
        return [text] if text else []
    finders = TokenFinders(text)

    def match_at(s: str, start: int) -> tuple[int, Draft] | None:
        a = start + len(opener)
        b = finders.bar.at_or_after(a)
        if b == -1 or b == a:
            return None
        g = finders.close.at_or_after(b + 1)
        if g == -1:
            return None
        spec = s[a:b]
        cut = spec.find("?")
        action, params = (spec, {}) if cut == -1 else (spec[:cut], _search_params(spec[cut:]))
        return g + 1, Draft(kind, action=action, params=params, children=[s[b + 1 : g]])

    return _scan(text, opener, match_at, ignore_case=True)


def action_links(text: str) -> list[Piece]:
    """``<actionlink:name?key=value|Label>`` becomes an ``actionLink`` (REST-only syntax in TalkJS)."""
    return _actions(text, "<actionlink:", "actionLink")


def action_buttons(text: str) -> list[Piece]:
    """``<actionbutton:name?key=value|Label>`` becomes an ``actionButton`` (REST-only syntax in TalkJS)."""
    return _actions(text, "<actionbutton:", "actionButton")
