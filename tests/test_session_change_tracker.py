"""``ChangeTracker`` alone (pure Python): several changes between two emissions combine into one
exact ``WindowChange``, checked against a simulated window over many random runs."""

from __future__ import annotations

import random

import pytest

from talkwidgets import WindowChange
from talkwidgets.model.sequences import longest_increasing
from talkwidgets.session._changes import ChangeTracker


def take(tracker: ChangeTracker, window: list[str]) -> WindowChange:
    return tracker.take(window.index, lambda: list(window))


def test_changes_between_two_emissions_combine() -> None:
    tracker = ChangeTracker()
    tracker.added("a")
    tracker.removed("a")  # joined and left again: never seen
    tracker.removed("b")
    tracker.added("b")  # left and came back: may differ in content and place
    tracker.updated("c")
    tracker.removed("c")
    change = take(tracker, ["b", "x"])
    assert change.added == () and change.removed == ("c",)
    assert change.updated == ("b",) and change.moved == ("b",) and dict(change.positions) == {"b": 0}
    assert take(tracker, ["b", "x"]).empty, "take() starts afresh"


def test_reordered_marks_the_fewest_moves() -> None:
    tracker = ChangeTracker()
    assert tracker.reordered(list("abcde"), list("abcde")) is False
    assert tracker.reordered(list("abcde"), list("eabcd")) is True
    assert take(tracker, list("eabcd")).moved == ("e",)
    tracker.reordered(list("abcde"), list("bxcda"))  # x is new, e left: only a moved
    assert take(tracker, list("bxcda")).moved == ("a",)
    assert longest_increasing([3, 1, 2, 0, 4]) == {1, 2, 4}
    assert longest_increasing([]) == set()


@pytest.mark.parametrize("seed", range(40))
def test_random_runs_rebuild_the_window(seed: int) -> None:
    """Random joins, leaves, updates and moves, several per emission, as the windowed layer reports
    them; a mirror that applies each change set by the documented recipe ends with the window."""
    rng = random.Random(seed)
    window = [f"k{n}" for n in range(rng.randint(0, 12))]
    version = dict.fromkeys(window, 0)
    tracker = ChangeTracker()
    for key in window:
        tracker.added(key)
    mirror: list[tuple[str, int]] = []
    fresh = 100
    for _ in range(60):
        for _ in range(rng.randint(1, 4)):
            op = rng.random()
            if op < 0.3 or not window:
                key = f"k{fresh}" if rng.random() < 0.7 or not mirror else rng.choice(mirror)[0]
                fresh += 1
                if key in version:
                    continue
                window.insert(rng.randint(0, len(window)), key)
                version[key] = 0
                tracker.added(key)
            elif op < 0.5:
                key = window.pop(rng.randrange(len(window)))
                del version[key]
                tracker.removed(key)
            elif op < 0.75:
                key = rng.choice(window)
                version[key] += 1
                tracker.updated(key)
            else:
                key = rng.choice(window)
                at = window.index(key)
                window.remove(key)
                to = rng.randint(0, len(window))
                window.insert(to, key)
                version[key] += 1
                tracker.updated(key)
                if to != at:
                    tracker.moved(key)
        change = take(tracker, window)
        placed = dict(change.positions)
        assert list(placed.values()) == sorted(placed.values())
        assert set(placed) == {*change.added, *change.updated, *change.moved}
        untouched = [item for item in mirror if item[0] not in placed and item[0] not in change.removed]
        assert untouched == [(key, version[key]) for key in window if key not in placed], "unlisted items kept"
        for key, at in placed.items():
            untouched.insert(at, (key, version[key]))
        mirror = untouched
        assert mirror == [(key, version[key]) for key in window]
