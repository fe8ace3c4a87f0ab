"""The words of a text as search sees them, and a query as an FTS5 match expression.

TalkJS's matching rule: the query is split into words, and a text matches when every query word
is a prefix of some word of the text; case does not matter, and punctuation at the edges of words
is ignored (``"Hello,"`` is the word ``hello``; ``"don't"`` stays one word).

FTS5's own tokenizers split words at every punctuation mark, which would also split ``don't`` and
``e-mail``. So words are made here (whitespace-separated, edge punctuation stripped, NFC and
case-folded) and each is stored as the hex of its UTF-8 bytes: a single token for any tokenizer,
whose prefixes are exactly the hex of the word's prefixes. A query word becomes a prefix query
``"<hex>"*`` on that token."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from ...model.content import plaintext
from ...model.wire import content_from_wire

MAX_WORD = 100
"""Characters of a word that count: longer words match on their first 100 characters."""


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P")


def words(text: str) -> list[str]:
    """The search words of a text, in order."""
    out = []
    for chunk in unicodedata.normalize("NFC", text).casefold().split():
        start, end = 0, len(chunk)
        while start < end and _is_punctuation(chunk[start]):
            start += 1
        while end > start and _is_punctuation(chunk[end - 1]):
            end -= 1
        if start < end:
            out.append(chunk[start:end][:MAX_WORD])
    return out


def _token(word: str) -> str:
    return word.encode("utf-8").hex()


def indexed(text: str) -> str:
    """What the FTS table stores for a text (empty when it has no words)."""
    return " ".join(dict.fromkeys(_token(w) for w in words(text)))


def match_expression(query: str) -> str | None:
    """The FTS5 ``MATCH`` expression of a query: every word as a prefix; None when it has no words."""
    tokens = dict.fromkeys(_token(w) for w in words(query))
    return " AND ".join(f'"{t}"*' for t in tokens) or None


def message_text(content: Iterable[dict[str, object]]) -> str:
    """The plain text a message search looks at: its text blocks only (no filenames, no places)."""
    return plaintext(content_from_wire([b for b in content if b.get("type") == "text"]))
