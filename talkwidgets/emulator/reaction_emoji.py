"""What may be a reaction: one Unicode emoji, stored in its fully-qualified form, or a custom
``:name:`` emoji.

The same emoji typed with or without its variation selector (``❤`` and ``❤️``) must count as one
reaction, so every Unicode emoji is normalised to the fully-qualified sequence of Unicode's
emoji-test data. That data comes from the maintained ``emoji`` package, not from a table here.
"""

from __future__ import annotations

import re
from functools import cache

import emoji

from .errors import InvalidError

MAX_CUSTOM_LENGTH = 50
"""A custom emoji, colons included, has at most this many characters."""
CUSTOM_EMOJI = re.compile(r":[A-Za-z0-9_+\-]+:")
"""``:name:`` with a name of ASCII letters, digits, ``_``, ``-`` and ``+``."""
_FULLY_QUALIFIED = emoji.STATUS["fully_qualified"]
_COMPONENT = emoji.STATUS["component"]


@cache
def _fully_qualified_by_name() -> dict[str, str]:
    """Unicode's name of each emoji -> its fully-qualified sequence (built on first use)."""
    return {
        data["en"]: sequence
        for sequence, data in emoji.EMOJI_DATA.items()
        if data["status"] in (_FULLY_QUALIFIED, _COMPONENT)
    }


def normalise_reaction(value: str) -> str:
    """The stored form of a reaction emoji; anything else is a 400 ``INVALID_EMOJI``."""
    if len(value) <= MAX_CUSTOM_LENGTH and CUSTOM_EMOJI.fullmatch(value):
        return value
    data = emoji.EMOJI_DATA.get(value)
    if data is None:
        shown = value if len(value) <= 60 else value[:57] + "..."
        raise InvalidError(
            f"{shown!r} is not a reaction: use one Unicode emoji or a custom :name: emoji "
            f"(at most {MAX_CUSTOM_LENGTH} characters; letters, digits, _, - and +)",
            code="INVALID_EMOJI",
        )
    return _fully_qualified_by_name().get(data["en"], value)
