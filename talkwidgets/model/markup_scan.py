"""The scanners behind ``parse_markup``: each turns one string into pieces.

A piece is a plain string or a ``Draft`` node. The scanners reproduce the
regular expressions of TalkJS's own markup parser (``@talkjs/core``) match for
match, but each is a single left-to-right pass over precomputed "next
occurrence" lookups: the expressions themselves backtrack quadratically on
hostile input (a 100k-character line of markers or blank lines), and this
runs on every message a notebook sends.

Character classes follow JavaScript, not Python: ``JS_WHITESPACE`` is JS's
``\\s``, ``LINE_TERMINATORS`` are the characters JS's ``.`` does not match.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeAlias
from urllib.parse import parse_qsl

__all__ = [
    "Draft",
    "Piece",
    "JS_WHITESPACE",
    "LINE_TERMINATORS",
    "Next",
    "ascii_lower",
    "bullet_lists",
    "bullet_points",
    "code_spans",
    "split_lines",
    "mentions",
    "custom_emoji",
    "formatted_links",
    "find_formatted_link",
    "TokenFinders",
    "action_links",
    "action_buttons",
    "wikitext",
]

JS_WHITESPACE = frozenset("\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff") | frozenset(
    chr(c) for c in range(0x2000, 0x200B)
)
LINE_TERMINATORS = frozenset("\n\r\u2028\u2029")

# The punctuation that, like whitespace, may stand right before an opening
# markup marker and right after a closing one (TalkJS's word-boundary rule).
_PUNCTUATION = frozenset(
    "\u2019'()[]{}<>:,\u2012\u2013\u2014\u2015\u2026!.\u00ab\u00bb-\u2010?\u2018\u201c\u201d;/\u2044\u2420\u00b7&@*\\"
    "\u2022^\u00a4\u00a2$\u20ac\u00a3\u00a5\u20a9\u20aa\u2020\u2021\u00b0\u00a1\u00bf\u00ac#\u2116%\u2030\u2031\u00b6"
    "\u2032\u00a7~\u00a8_|\u00a6\u2042\u261e\u2234\u203d\u203b"
)
_BOUNDARY = JS_WHITESPACE | _PUNCTUATION

_WS_CLASS = "".join(sorted(re.escape(c) for c in JS_WHITESPACE))
_TERMINATOR_RE = re.compile("[\n\r\u2028\u2029]")
_NEWLINE_RE = re.compile("\n")
_BAR_RE = re.compile(r"\|")
_CLOSE_RE = re.compile(">")
_ID_STOP_RE = re.compile(f"[|>{_WS_CLASS}]")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(slots=True, eq=False)
class Draft:
    """A node while parsing; ``kind`` is the wire ``type``. ``children is None`` marks a leaf."""

    kind: str
    children: list[Piece] | None = None
    text: str = ""
    url: str = ""
    id: str = ""
    action: str = ""
    params: dict[str, str] = field(default_factory=dict)


Piece: TypeAlias = "str | Draft"


def ascii_lower(text: str) -> str:
    """Lower-case ASCII letters only, so indices stay aligned (JS's non-Unicode ``/i``)."""
    return text.translate(_ASCII_LOWER)


class Next:
    """Where ``pattern`` next matches at or after a position: a bisect over all match starts.

    The starts are found once, lazily, with one C-speed ``finditer``, so
    asking costs O(log n) whatever the order of the questions.
    """

    __slots__ = ("_pattern", "_text", "_starts")

    def __init__(self, text: str, pattern: re.Pattern[str]) -> None:
        self._pattern = pattern
        self._text = text
        self._starts: list[int] | None = None

    def at_or_after(self, pos: int) -> int:
        """Index of the next match starting at ``pos`` or later, or -1."""
        if self._starts is None:
            self._starts = [m.start() for m in self._pattern.finditer(self._text)]
        k = bisect.bisect_left(self._starts, pos)
        return self._starts[k] if k < len(self._starts) else -1


def _emit(out: list[Piece], text: str) -> None:
    if text:
        out.append(text)


# --------------------------------------------------------------------------- bullet lists


class _BulletItems:
    """One bullet line ``\\s*[-*+]\\s+[^\\n]+(?:\\n|$)`` as TalkJS's expression matches it."""

    def __init__(self, text: str) -> None:
        self.text = text
        n = len(text)
        # ws_end[i]: first index >= i that is not whitespace (what a greedy \s* reaches).
        ws_end = [n] * (n + 1)
        for i in range(n - 1, -1, -1):
            ws_end[i] = ws_end[i + 1] if text[i] in JS_WHITESPACE else i
        self.ws_end = ws_end
        self._newline = Next(text, _NEWLINE_RE)
        self._memo: dict[int, tuple[int, int, int] | None] = {}

    def at_marker(self, q: int) -> tuple[int, int, int] | None:
        """``(text_start, text_end, item_end)`` for a bullet whose marker is at ``q``, else None."""
        if q in self._memo:
            return self._memo[q]
        self._memo[q] = result = self._match(q)
        return result

    def _match(self, q: int) -> tuple[int, int, int] | None:
        text, n = self.text, len(self.text)
        run_end = self.ws_end[q + 1] if q + 1 <= n else n
        if run_end == q + 1:
            return None  # \s+ needs at least one whitespace character
        start = run_end
        if run_end == n:
            # [^\n]+ found nothing after the greedy \s+: the expression gives
            # whitespace back, so the item text is the last non-newline in the run.
            start = n - 1
            while start >= q + 2 and text[start] == "\n":
                start -= 1
            if start < q + 2:
                return None
        stop = self._newline.at_or_after(start)
        if stop == -1:
            return start, n, n
        return start, stop, stop + 1


def bullet_lists(text: str) -> list[Piece]:
    """Runs of bullet lines become a ``bulletList`` holding their source lines.

    A run starts at the text's start or right after a newline (which it
    swallows, as does each item its own trailing newline); blank lines
    between items belong to the run.
    """
    if not text:
        return []
    items = _BulletItems(text)
    newline = Next(text, _NEWLINE_RE)
    out: list[Piece] = []
    done = 0
    candidate = 0  # the text's start, then each "\n" (which the run consumes)
    while candidate != -1:
        end = _items_from(items, 0 if candidate == 0 else candidate + 1)
        if end is None:
            candidate = newline.at_or_after(candidate + 1)
            continue
        _emit(out, text[done:candidate])
        body = text[candidate:end]
        out.append(Draft("bulletList", children=[body[1:] if body.startswith("\n") else body]))
        done = end
        candidate = newline.at_or_after(end)
    _emit(out, text[done:])
    return out


def _items_from(items: _BulletItems, pos: int) -> int | None:
    """End of the longest run of bullet items starting at ``pos``, or None if there is none."""
    text, n = items.text, len(items.text)
    end = None
    while True:
        q = items.ws_end[pos] if pos <= n else n
        if q >= n or text[q] not in "-*+":
            return end
        found = items.at_marker(q)
        if found is None:
            return end
        pos = end = found[2]


def bullet_points(text: str) -> list[Piece]:
    """Each bullet line at a line start becomes a ``bulletPoint`` with the line's text.

    Line starts follow JS's multiline ``^``: after ``\\n``, ``\\r``, U+2028 or
    U+2029, so a bullet after a lone ``\\r`` becomes a point outside any list,
    as in TalkJS.
    """
    if not text:
        return []
    items = _BulletItems(text)
    terminators = Next(text, _TERMINATOR_RE)
    n = len(text)
    out: list[Piece] = []
    done = 0
    line_start = 0
    while line_start < n:
        q = items.ws_end[line_start]
        found = items.at_marker(q) if q < n and text[q] in "-*+" else None
        if found is None:
            line_start = _after(terminators, line_start, n)
            continue
        _emit(out, text[done:line_start])
        out.append(Draft("bulletPoint", children=[text[found[0] : found[1]]]))
        done = line_start = found[2]  # just past the item's "\n", so a line start (or the end)
    _emit(out, text[done:])
    return out


def _after(terminators: Next, pos: int, end: int) -> int:
    """The line start after the first line terminator at or after ``pos`` (``end`` if none)."""
    found = terminators.at_or_after(pos)
    return found + 1 if found != -1 else end


# --------------------------------------------------------------------------- code spans


_MENTION_TOKEN = "<!!mention:"
_EMOJI_TOKEN = "<!!customemoji:"


def code_spans(text: str) -> list[Piece]:
    """Triple backticks around at least one character (newlines included) make a ``codeSpan``.

    The shortest span wins; tokens of mentions and custom emoji inside become
    ``@name`` and the emoji's name, as TalkJS renders them.
    """
    if not text:
        return []
    fences: list[int] = []
    at = text.find("```")
    while at != -1:
        fences.append(at)
        at = text.find("```", at + 1)
    out: list[Piece] = []
    done = 0
    for start in fences:
        if start < done:
            continue
        k = bisect.bisect_left(fences, start + 4)
        if k == len(fences):
            break  # no closing fence for this one, nor for any later one
        stop = fences[k]
        _emit(out, text[done:start])
        out.append(Draft("codeSpan", text=_code_text(text[start + 3 : stop])))
        done = stop + 3
    _emit(out, text[done:])
    return out


def _code_text(code: str) -> str:
    if "<!!" not in code:
        return code
    return _replace_emoji_tokens(_replace_mention_tokens(code))


def _replace_mention_tokens(code: str) -> str:
    lowered = ascii_lower(code)
    bar, close, term = Next(code, _BAR_RE), Next(code, _CLOSE_RE), Next(code, _TERMINATOR_RE)
    parts: list[str] = []
    done = 0
    start = lowered.find(_MENTION_TOKEN)
    while start != -1:
        name = start + len(_MENTION_TOKEN)
        b = bar.at_or_after(name)
        t = term.at_or_after(name)
        g = close.at_or_after(b + 1) if b != -1 else -1
        if b != -1 and (t == -1 or t > b) and g != -1:
            parts += [code[done:start], "@", code[b + 1 : g]]
            done = g + 1
        start = lowered.find(_MENTION_TOKEN, max(done, start + 1))
    parts.append(code[done:])
    return "".join(parts)


def _replace_emoji_tokens(code: str) -> str:
    lowered = ascii_lower(code)
    close, term = Next(code, _CLOSE_RE), Next(code, _TERMINATOR_RE)
    parts: list[str] = []
    done = 0
    start = lowered.find(_EMOJI_TOKEN)
    while start != -1:
        name = start + len(_EMOJI_TOKEN)
        g, t = close.at_or_after(name), term.at_or_after(name)
        if g != -1 and (t == -1 or t > g):
            parts += [code[done:start], code[name:g]]
            done = g + 1
        start = lowered.find(_EMOJI_TOKEN, max(done, start + 1))
    parts.append(code[done:])
    return "".join(parts)


# --------------------------------------------------------------------------- lines


def split_lines(text: str) -> list[Piece]:
    """One piece per line, each keeping its ``\\n``: later markup never spans lines."""
    out: list[Piece] = []
    start = 0
    while start < len(text):
        stop = text.find("\n", start)
        stop = len(text) if stop == -1 else stop + 1
        out.append(text[start:stop])
        start = stop
    return out


# --------------------------------------------------------------------------- tokens

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
    """Per-text ``Next`` finders shared by the checks of one scan (positions only grow)."""

    def __init__(self, text: str) -> None:
        self.bar = Next(text, _BAR_RE)
        self.close = Next(text, _CLOSE_RE)
        self.term = Next(text, _TERMINATOR_RE)
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
    if _MENTION_TOKEN not in text:
        return [text] if text else []
    finders = TokenFinders(text)

    def match_at(s: str, start: int) -> tuple[int, Draft] | None:
        a = start + len(_MENTION_TOKEN)
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

    return _scan(text, _MENTION_TOKEN, match_at)


def custom_emoji(text: str) -> list[Piece]:
    """``<!!customemoji::name:>`` becomes a ``customEmoji`` whose text is ``:name:``."""
    if _EMOJI_TOKEN not in text:
        return [text] if text else []
    finders = TokenFinders(text)

    def match_at(s: str, start: int) -> tuple[int, Draft] | None:
        a = start + len(_EMOJI_TOKEN)
        g = finders.close.at_or_after(a)
        if g == -1 or not _same_line(finders, a, g):
            return None
        return g + 1, Draft("customEmoji", text=s[a:g])

    return _scan(text, _EMOJI_TOKEN, match_at)


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


# --------------------------------------------------------------------------- bold, italic, strikethrough

_MARKERS = {"_": ("italic", 1), "~": ("strikethrough", 2), "*": ("bold", 4)}


def wikitext(text: str, active: int = 0) -> list[Piece]:
    """``*bold*``, ``_italic_`` and ``~strikethrough~`` on one line, nested at most once per kind.

    A marker opens only at the start or after whitespace or punctuation and
    closes only before whitespace, punctuation or the end; the text inside
    neither starts nor ends with whitespace or the marker. Of the closing
    markers, the first one at least two characters in wins, so ``*a* *b*`` is
    one bold run. ``active`` holds the bits of the kinds already open around
    ``text``, which cannot nest in themselves.
    """
    if not text:
        return []
    if "*" not in text and "_" not in text and "~" not in text:
        return [text]
    allowed = {m: kind for m, kind in _MARKERS.items() if not active & kind[1]}
    if not allowed:
        return [text]
    n = len(text)
    openers = [i for i, ch in enumerate(text) if ch in allowed]
    if len(openers) < 2:
        return [text]
    closers: dict[str, list[int]] = {m: [] for m in allowed}
    for j in openers:
        mark = text[j]
        before_ok = j > 0 and text[j - 1] not in JS_WHITESPACE and text[j - 1] != mark
        if before_ok and (j + 1 == n or text[j + 1] in _BOUNDARY):
            closers[mark].append(j)
    cursor = dict.fromkeys(allowed, 0)
    terminators = Next(text, _TERMINATOR_RE)
    out: list[Piece] = []
    done = 0
    for m in openers:
        if m + 1 >= n or (m > 0 and (m - 1 < done or text[m - 1] not in _BOUNDARY)) or (m == 0 and done > 0):
            continue
        mark = text[m]
        first = text[m + 1]
        if first in JS_WHITESPACE or first == mark:
            continue
        stop = _closing(closers[mark], cursor, mark, m, terminators)
        if stop == -1 and m + 2 < n and text[m + 2] == mark and (m + 3 == n or text[m + 3] in _BOUNDARY):
            stop = m + 2  # the one-character form, _x_
        if stop == -1:
            continue
        kind, bit = allowed[mark]
        _emit(out, text[done:m])
        out.append(Draft(kind, children=wikitext(text[m + 1 : stop], active | bit)))
        done = stop + 1
    _emit(out, text[done:])
    return out


def _closing(closers: list[int], cursor: dict[str, int], mark: str, m: int, terminators: Next) -> int:
    """The first closer at ``m + 3`` or later, if the text up to it stays on one line; else -1."""
    k = cursor[mark]
    while k < len(closers) and closers[k] < m + 3:
        k += 1
    cursor[mark] = k
    if k == len(closers):
        return -1
    stop = closers[k]
    t = terminators.at_or_after(m + 2)
    return stop if t == -1 or t >= stop - 1 else -1
