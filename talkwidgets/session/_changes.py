"""``ChangeTracker``: what changed in a window between two emissions, as a ``WindowChange``.

The windowed layer (``_window.py``) tells the tracker about every change as it makes it (an item
joined, got a new snapshot, moved, left), so the change set costs time in proportion to what
changed, never a comparison of two whole windows. Several changes between two emissions combine:
an item that joins and leaves again is not reported; one that leaves and comes back counts as
updated and moved, because its snapshot and place may both differ from what was last emitted.

The invariant consumers rely on (see ``WindowChange``): items in none of the sets were in the
previous emission, keep their snapshot object, and keep their order relative to each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import MappingProxyType

from ..model.sequences import longest_increasing
from ..model.states import WindowChange

NO_CHANGE = WindowChange()


class ChangeTracker:
    """Collects the changes made to a window since the last emission (dicts as ordered sets)."""

    def __init__(self) -> None:
        self._added: dict[str, None] = {}
        self._updated: dict[str, None] = {}
        self._moved: dict[str, None] = {}
        self._removed: dict[str, None] = {}

    def added(self, key: str) -> None:
        if self._removed.pop(key, 0) is None:  # it left and came back: it may differ in both ways
            self._updated[key] = self._moved[key] = None
        else:
            self._added[key] = None

    def updated(self, key: str) -> None:
        if key not in self._added:
            self._updated[key] = None

    def moved(self, key: str) -> None:
        if key not in self._added:
            self._moved[key] = None

    def removed(self, key: str) -> None:
        self._updated.pop(key, None)
        self._moved.pop(key, None)
        if self._added.pop(key, 0) is not None:  # it was in the last emission
            self._removed[key] = None

    def reordered(self, before: Sequence[str], after: Sequence[str]) -> bool:
        """Mark as moved the fewest of the keys in both orders so that the rest keep their order;
        answers whether any moved."""
        if before == after:
            return False
        place = {key: n for n, key in enumerate(before)}
        staying = [key for key in after if key in place]
        ranks = [place[key] for key in staying]
        keep = longest_increasing(ranks)
        for n, key in enumerate(staying):
            if n not in keep:
                self.moved(key)
        return len(keep) < len(staying)

    def take(self, index_of: Callable[[str], int], window: Callable[[], Sequence[str]]) -> WindowChange:
        """The change set so far, and start afresh. ``index_of(key)`` answers a key's index in the
        new window (a bisection), ``window()`` all its keys in order (for many changes at once)."""
        if not (self._added or self._updated or self._moved or self._removed):
            return NO_CHANGE
        placed = {**self._added, **self._updated, **self._moved}
        keys = window() if len(placed) > 8 else None
        if keys is not None and len(placed) * 16 >= len(keys):
            positions = {key: n for n, key in enumerate(keys) if key in placed}
        else:
            positions = dict(sorted(((key, index_of(key)) for key in placed), key=lambda kv: kv[1]))
        change = WindowChange(
            added=tuple(self._added),
            updated=tuple(self._updated),
            moved=tuple(self._moved),
            removed=tuple(self._removed),
            positions=MappingProxyType(positions),
        )
        self._added, self._updated, self._moved, self._removed = {}, {}, {}, {}
        return change
