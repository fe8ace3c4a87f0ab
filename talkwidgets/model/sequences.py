"""Sequence algorithms shared by the session's change sets and the widgets' list patches."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

__all__ = ["longest_increasing"]


def longest_increasing(seq: Sequence[int]) -> set[int]:
    """Positions (indexes into ``seq``) of one longest strictly increasing subsequence.

    Items at these positions keep their relative order, so only the others need a move: the
    fewest moves that turn one ordering into another (O(n log n)).
    """
    tails: list[int] = []  # tails[k]: the smallest last value of an increasing run of length k + 1
    tail_pos: list[int] = []  # where in seq that last value is
    prev = [-1] * len(seq)
    for pos, value in enumerate(seq):
        k = bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_pos.append(pos)
        else:
            tails[k] = value
            tail_pos[k] = pos
        prev[pos] = tail_pos[k - 1] if k > 0 else -1
    members: set[int] = set()
    pos = tail_pos[-1] if tail_pos else -1
    while pos >= 0:
        members.add(pos)
        pos = prev[pos]
    return members
