"""Helpers shared by the benchmarks: percentiles and numbered message texts (ports: ``tests.process_support``)."""

from __future__ import annotations

MARKER = "~seq"
"""Message texts carry ``~seq`` and a 6-digit number, so a frame can be matched without parsing it."""


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def text_of(i: int) -> str:
    return f"{MARKER}{i:06d} the quick brown fox jumps over the lazy dog"


def marker_index(text: str | bytes) -> int | None:
    """The message number carried in a text or frame, found without parsing JSON."""
    if isinstance(text, bytes):
        text = text.decode()
    at = text.find(MARKER)
    if at < 0:
        return None
    digits = text[at + len(MARKER) : at + len(MARKER) + 6]
    return int(digits) if digits.isdigit() else None
