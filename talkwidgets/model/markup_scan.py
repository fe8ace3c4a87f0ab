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
from dataclasses import dataclass, field
from typing import TypeAlias

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
    "MENTION_TOKEN",
    "EMOJI_TOKEN",
    "TERMINATOR_RE",
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

TERMINATOR_RE = re.compile("[\n\r\u2028\u2029]")
_NEWLINE_RE = re.compile("\n")
_BAR_RE = re.compile(r"\|")
_CLOSE_RE = re.compile(">")
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
    terminators = Next(text, TERMINATOR_RE)
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


MENTION_TOKEN = "<!!mention:"
EMOJI_TOKEN = "<!!customemoji:"


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
    bar, close, term = Next(code, _BAR_RE), Next(code, _CLOSE_RE), Next(code, TERMINATOR_RE)
    parts: list[str] = []
    done = 0
    start = lowered.find(MENTION_TOKEN)
    while start != -1:
        name = start + len(MENTION_TOKEN)
        b = bar.at_or_after(name)
        t = term.at_or_after(name)
        g = close.at_or_after(b + 1) if b != -1 else -1
        if b != -1 and (t == -1 or t > b) and g != -1:
            parts += [code[done:start], "@", code[b + 1 : g]]
            done = g + 1
        start = lowered.find(MENTION_TOKEN, max(done, start + 1))
    parts.append(code[done:])
    return "".join(parts)


def _replace_emoji_tokens(code: str) -> str:
    lowered = ascii_lower(code)
    close, term = Next(code, _CLOSE_RE), Next(code, TERMINATOR_RE)
    parts: list[str] = []
    done = 0
    start = lowered.find(EMOJI_TOKEN)
    while start != -1:
        name = start + len(EMOJI_TOKEN)
        g, t = close.at_or_after(name), term.at_or_after(name)
        if g != -1 and (t == -1 or t > g):
            parts += [code[done:start], code[name:g]]
            done = g + 1
        start = lowered.find(EMOJI_TOKEN, max(done, start + 1))
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
    terminators = Next(text, TERMINATOR_RE)
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
